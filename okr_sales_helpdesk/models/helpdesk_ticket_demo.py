"""The demo's year so far, support side (okr_sales' ``okr_demo_year.py``):
the tickets of the B2B Hanoi Support team from 1 January to the day the
demo is installed, and their customers' ratings.

Tickets come at a steady rate; the share solved within 24 hours improves
over the year (``FAST_SHARE``), as the seed's team leader works toward 90%;
the salespeople take them in turn, two of three solved tickets are rated,
each salesperson's customers satisfied at her own rate (``SATISFIED``). A
ticket whose solution would come after now is still in progress.
Deterministic, as okr_sales' demo year.
"""

from datetime import date, timedelta

from odoo import api, fields, models

from odoo.addons.okr_sales.models.okr_demo_year import QUIET, ones, paced_days, seeded

# Tickets a day for the team.
TICKETS_A_DAY = 0.5
# Share of the tickets solved within 24 hours: from 82% in January to 95%
# at the end of the year.
FAST_SHARE = (0.82, 0.13)
# Share of a salesperson's ratings at 4-5 stars.
SATISFIED = {"lan": 0.98, "hung": 0.94, "ha": 0.88}
CUSTOMERS = (
    "thep",
    "duoc",
    "logistics",
    "noithat",
    "thucpham",
    "dientu",
    "nongsan",
    "dulich",
    "an",
    "bich",
    "xaydung",
    "khachsan",
    "vantai",
    "resort",
)
ISSUES = (
    "Delivery is later than promised",
    "Damaged goods on arrival",
    "Missing parts in the delivery",
    "Invoice shows the wrong amount",
    "Request a copy of the contract",
    "Change the delivery address",
    "Installation date to confirm",
    "Warranty claim for a shelving unit",
    "Light fittings flicker after installation",
    "Cold room temperature alarm",
    "Training request for the new racking",
    "Maintenance visit to schedule",
    "Price list update request",
    "Spare keys for the security system",
)


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    @api.model
    def _okr_demo_build_support_year(self):
        """Add the year's tickets and ratings (see the module's docstring):
        demo data only, on the calendar of ``okr.demo.year``."""
        year = self.env["okr.demo.year"]
        today = year._okr_demo_today()
        start = date(today.year, 1, 1)
        team = self.env.ref("okr_sales_helpdesk.okr_helpdesk_team_b2b_hanoi")
        users = {
            login: self.env.ref(f"okr_sales.okr_user_{login}") for login in SATISFIED
        }
        stages = {
            name: self.env.ref(f"helpdesk_mgmt.helpdesk_ticket_stage_{name}")
            for name in ("done", "in_progress")
        }
        now = fields.Datetime.now()
        fast_due = fast = 0.0
        tickets, solved_on = [], []
        for rank, (day, _one) in enumerate(
            paced_days(
                start,
                year._okr_demo_last_day(),
                lambda day: TICKETS_A_DAY * ((day - start).days + 1),
                ones(),
            )
        ):
            rng = seeded("ticket", rank)
            login = list(users)[rank % len(users)]
            opened = year._okr_demo_moment(day, rng.randint(8, 16))
            fast_due += FAST_SHARE[0] + FAST_SHARE[1] * year._okr_demo_share(day)
            is_fast = fast + 1 <= fast_due + 0.5
            fast += is_fast
            solved = opened + timedelta(
                hours=rng.randint(1, 20) if is_fast else rng.randint(27, 70)
            )
            issue = rng.choice(ISSUES)
            values = {
                "name": issue,
                "description": f"<p>{issue}.</p>",
                "team_id": team.id,
                "user_id": users[login].id,
                "partner_id": year._okr_demo_customer(rng.choice(CUSTOMERS)).id,
                "create_date": opened,
                "stage_id": stages["in_progress"].id,
            }
            if solved < now:
                values.update(
                    stage_id=stages["done"].id,
                    closed_date=solved,
                    last_stage_update=solved,
                    okr_solved_date=solved,
                )
            tickets.append(values)
            solved_on.append((login, solved if solved < now else None))
        records = self.with_context(**QUIET).create(tickets)
        self._okr_demo_ratings(records, solved_on, now)

    def _okr_demo_ratings(self, tickets, solved_on, now):
        """The customers' ratings of the solved ``tickets``, the day after."""
        model = self.env["ir.model"]._get_id("helpdesk.ticket")
        ratings, rated_on = [], []
        satisfied = dict.fromkeys(SATISFIED, 0.0)
        count = dict.fromkeys(SATISFIED, 0)
        for rank, (ticket, (login, solved)) in enumerate(
            zip(tickets, solved_on, strict=True)
        ):
            rng = seeded("rating", rank)
            moment = solved and solved + timedelta(hours=rng.randint(12, 30))
            # two of each salesperson's three tickets
            if not moment or moment >= now or rank // len(SATISFIED) % 3 == 2:
                continue
            count[login] += 1
            happy = satisfied[login] + 1 <= SATISFIED[login] * count[login] + 0.5
            satisfied[login] += happy
            ratings.append(
                {
                    "res_model_id": model,
                    "res_id": ticket.id,
                    "partner_id": ticket.partner_id.id,
                    "rating": 5 if happy else rng.choice((1, 3)),
                    "consumed": True,
                }
            )
            rated_on.append(moment)
        records = self.env["rating.rating"].with_context(**QUIET).create(ratings)
        # rating.rating dates a rating now: the day the customer rated
        for rating, moment in zip(records, rated_on, strict=True):
            rating.rated_on = moment
