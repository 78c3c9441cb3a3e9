"""Endpoints that hear of key results moving: team chats, an intranet's
dashboard, a company-wide OKR tool.

What changes is written to an outbox in the changing transaction itself
(``okr.webhook.event``, one row per transaction); the scheduled action
turns it into deliveries, one per endpoint and key result, and posts them
(``okr.webhook.delivery``). A CRM user never waits for an endpoint.
"""

import secrets

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import str2bool

from ..engine.definitions import LEVEL_SELECTION
from ..webhook import url as webhook_url
from ..webhook.events import (
    ALLOW_PRIVATE_PARAM,
    EVENT_FIELDS,
    FORMAT_CHAT,
    FORMAT_JSON,
)


def _default_secret(_records=None):
    """A new random secret (a field default, called with the records)."""
    return secrets.token_urlsafe(32)


class OkrWebhook(models.Model):
    _name = "okr.webhook"
    _description = "OKR Webhook"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    url = fields.Char(
        "URL",
        required=True,
        help="Where deliveries are posted: https, or plain http to this machine only.",
    )
    secret = fields.Char(
        required=True,
        copy=False,
        default=_default_secret,
        groups="okr_sales.group_okr_manager",
        help="Signs each delivery (HMAC-SHA256, header X-OKR-Signature); "
        "the receiver checks it with the same secret.",
    )
    payload_format = fields.Selection(
        [
            (FORMAT_JSON, "Signed JSON"),
            (FORMAT_CHAT, "Chat message"),
        ],
        required=True,
        default=FORMAT_JSON,
        help="Signed JSON: the documented, versioned payload. Chat message: "
        'a short sentence as {"text": ...}, for the incoming-webhook URL '
        "of a team chat.",
    )
    lang = fields.Selection(
        "_get_languages",
        "Language",
        required=True,
        default=lambda self: self.env.lang or "en_US",
        help="Language of the names and sentences sent.",
    )
    on_progress = fields.Boolean("Progress changed", default=True)
    on_status = fields.Boolean("Status changed", default=True)
    on_achieved = fields.Boolean("Achieved", default=True)
    on_checkin = fields.Boolean("Check-in added", default=True)
    on_period_closed = fields.Boolean("Period closed", default=True)
    on_alignment = fields.Boolean("Alignment warning raised", default=True)
    level = fields.Selection(
        LEVEL_SELECTION,
        "Objective Level",
        help="Only key results of objectives at this level; all when empty.",
    )
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        check_company=True,
        help="Only key results of these teams' objectives; all when empty.",
    )
    key_result_ids = fields.Many2many(
        "okr.key.result",
        string="Key Results",
        check_company=True,
        help="Only these key results; all when empty.",
    )
    delivery_ids = fields.One2many(
        comodel_name="okr.webhook.delivery",
        inverse_name="webhook_id",
        string="Deliveries",
        readonly=True,
    )
    queued_count = fields.Integer(compute="_compute_delivery_counts")
    dead_count = fields.Integer(compute="_compute_delivery_counts")

    @api.model
    def _get_languages(self):
        return self.env["res.lang"].get_installed()

    @api.depends("delivery_ids.state")
    def _compute_delivery_counts(self):
        deliveries = self.env["okr.webhook.delivery"]
        groups = deliveries._read_group(
            domain=[("webhook_id", "in", self.ids)],
            groupby=["webhook_id", "state"],
            aggregates=["__count"],
        )
        counts = {(webhook.id, state): count for webhook, state, count in groups}
        for webhook in self:
            webhook.queued_count = counts.get((webhook.id, "queued"), 0)
            webhook.dead_count = counts.get((webhook.id, "dead"), 0)

    @api.constrains("url")
    def _check_url(self):
        allow_private = self._okr_allow_private()
        for webhook in self:
            try:
                webhook_url.check(webhook.url, allow_private)
            except webhook_url.RefusedURL as refused:
                raise ValidationError(self._okr_refusal(refused)) from None

    def _okr_refusal(self, refused):
        """Why a URL is refused, in the user's words."""
        messages = {
            "scheme": self.env._("A webhook URL must start with https:// or http://."),
            "plain_http": self.env._(
                "A webhook to %(host)s must use https: plain http is allowed "
                "only to this machine.",
                host=refused.host,
            ),
            "unresolved": self.env._(
                "The host %(host)s of the webhook URL cannot be found.",
                host=refused.host,
            ),
            "private": self.env._(
                "The host %(host)s of the webhook URL is on a private network; "
                "allow private addresses in the OKR settings to use it.",
                host=refused.host,
            ),
            "tunnel": self.env._(
                "The host %(host)s of the webhook URL resolves to an IPv6 address "
                "that carries an IPv4 one (NAT64, 6to4, Teredo); allow private "
                "addresses in the OKR settings to use it.",
                host=refused.host,
            ),
        }
        return messages[refused.code]

    @api.model
    def _okr_allow_private(self):
        param = self.env["ir.config_parameter"].sudo().get_param(ALLOW_PRIVATE_PARAM)
        return str2bool(param or "", default=False)

    @api.model
    def _okr_int_param(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return max(0, int(value)) if value not in (None, False, "") else default
        except ValueError:
            return default

    # ------------------------------------------------------------------
    # WHAT THE DEAL'S TRANSACTION ASKS
    # ------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _okr_wanted_events(self):
        """The event types some active webhook asks for: a transaction writes
        nothing to the outbox when none does."""
        webhooks = self.sudo().search([("active", "=", True)])
        return frozenset(
            event
            for event, fname in EVENT_FIELDS.items()
            if any(webhooks.mapped(fname))
        )

    @api.model_create_multi
    def create(self, vals_list):
        webhooks = super().create(vals_list)
        self.env.registry.clear_cache()
        return webhooks

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def _okr_matches(self, key_result):
        """Whether this webhook hears of ``key_result`` (read as superuser)."""
        self.ensure_one()
        if key_result.company_id != self.company_id:
            return False
        if self.level and key_result.level != self.level:
            return False
        if self.team_ids and key_result.team_id not in self.team_ids:
            return False
        return not self.key_result_ids or key_result in self.key_result_ids

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_regenerate_secret(self):
        """A new secret: the receiver must be given it."""
        for webhook in self:
            webhook.secret = _default_secret()

    def action_open_deliveries(self):
        self.ensure_one()
        name = self.env._("Deliveries")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "okr.webhook.delivery",
            "view_mode": "list,form",
            "domain": [("webhook_id", "=", self.id)],
            "context": {"search_default_not_delivered": 1},
        }
