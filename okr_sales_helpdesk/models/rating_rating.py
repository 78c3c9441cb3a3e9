from odoo import api, fields, models

TICKET_MODEL = "helpdesk.ticket"


class RatingRating(models.Model):
    """A customer's rating is counted by key results through the ticket it
    rates: its salesperson, sales team and company are the ticket's.

    The ticket is kept as a stored many-to-one: the rating's own
    ``res_model``/``res_id`` pair cannot be followed by a domain.
    """

    _name = "rating.rating"
    _inherit = ["rating.rating", "okr.source.mixin"]

    okr_ticket_id = fields.Many2one(
        TICKET_MODEL,
        string="Rated Ticket",
        compute="_compute_okr_ticket_id",
        store=True,
        index="btree_not_null",
        ondelete="set null",  # rating.mixin deletes the ratings after
    )

    @api.depends("res_model", "res_id")
    def _compute_okr_ticket_id(self):
        tickets = self.env[TICKET_MODEL].sudo().with_context(active_test=False)
        for rating in self:
            ticket = (
                tickets.browse(rating.res_id).exists()
                if rating.res_model == TICKET_MODEL and rating.res_id
                else tickets
            )
            rating.okr_ticket_id = ticket
