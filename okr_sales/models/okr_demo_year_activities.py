"""The demo's year so far (``okr_demo_year.py``): the salespeople's
meetings with prospects, the team leader's trainings and reviews, and the
weekly check-ins of the manual key results."""

import calendar
from datetime import date, timedelta

from odoo import fields, models

from ..engine.days import day_of, day_start
from .okr_demo_year import (
    PROSPECTS_A_MONTH,
    QUIET,
    SALESPEOPLE,
    ones,
    paced_days,
    prospect_name,
    seeded,
)

# The seed's team leader: 12 trainings a year, and each salesperson's
# performance reviewed every three months (12 reviews), both a little behind
# his plan.
TRAININGS_A_YEAR = 12
REVIEWS_A_YEAR = 12
TEAM_LEADER_PACE = 0.92
# The days of the week the manual key results are checked in: Monday and
# Thursday, so that the last value read is never more than three days old.
CHECKIN_DAYS = (0, 3)
TRAINING_TOPICS = (
    "consultative selling",
    "negotiating large B2B deals",
    "CRM pipeline hygiene",
    "handling price objections",
    "qualifying leads by phone",
    "presenting a proposal",
    "upselling to existing customers",
    "trade fair follow-up",
    "closing techniques",
    "customer service after the sale",
    "reading the OKR dashboards",
    "planning next year's accounts",
)


class OkrDemoYear(models.AbstractModel):
    _inherit = "okr.demo.year"

    # ------------------------------------------------------------------
    # MEETINGS, TRAININGS, REVIEWS
    # ------------------------------------------------------------------

    def _okr_demo_meetings(self, user, pace):
        """Her meetings with prospects, month after month: about
        ``pace.prospects`` x 50 prospects met a month, each at most once a
        month, among the opportunities open that day (those already met
        that month by the demo files' meetings count)."""
        today = self._okr_demo_today()
        tz = self.env["res.company"]._okr_tz()
        opportunities = [
            (day_of(lead.create_date, tz), day_of(lead.date_closed, tz), lead)
            for lead in self._okr_demo_leads(user, [("type", "=", "opportunity")])
        ]
        last_met = {}
        vals_list = []
        for month in range(1, today.month + 1):
            first = date(today.year, month, 1)
            days = calendar.monthrange(today.year, month)[1]
            met = self.env["calendar.event"].search(
                [
                    ("user_id", "=", user.id),
                    ("opportunity_id", "!=", False),
                    ("start", ">=", day_start(first, tz)),
                    ("start", "<", day_start(first + timedelta(days=days), tz)),
                ]
            )
            seen = set(met.opportunity_id.ids)
            wanted = round(
                PROSPECTS_A_MONTH
                * pace.prospects
                * seeded("month", user.login, month).uniform(0.95, 1.05)
            )
            # the demo files' meetings take the month's first slots
            for slot in range(len(seen), wanted):
                day = first + timedelta(days=int((slot + 0.5) * days / wanted))
                if day > today:
                    break
                candidates = [
                    lead
                    for created, closed, lead in opportunities
                    if created <= day
                    and (not closed or closed >= day)
                    and lead.id not in seen
                ]
                if not candidates:
                    continue
                lead = min(
                    candidates, key=lambda lead: (last_met.get(lead.id, 0), lead.id)
                )
                seen.add(lead.id)
                last_met[lead.id] = month
                moment = self._okr_demo_moment(day, 9 + slot % 8)
                vals_list.append(
                    {
                        "name": f"Meeting: {prospect_name(lead)}",
                        "user_id": user.id,
                        "start": moment,
                        "stop": moment + timedelta(hours=1),
                        "opportunity_id": lead.id,
                        "partner_ids": [
                            fields.Command.set((user.partner_id | lead.partner_id).ids)
                        ],
                    }
                )
        self.env["calendar.event"].with_context(**QUIET).create(vals_list)

    def _okr_demo_trainings(self):
        """The team leader's sales trainings, one a month."""
        today = self._okr_demo_today()
        start = date(today.year, 1, 1)
        tz = self.env["res.company"]._okr_tz()
        leader = self.env.ref("okr_sales.okr_user_leader")
        training = self.env.ref("okr_sales.calendar_event_type_training")
        held = self.env["calendar.event"].search(
            [
                ("user_id", "=", leader.id),
                ("categ_ids", "in", training.ids),
                ("start", ">=", day_start(start, tz)),
            ]
        )
        booked = {}
        for event in held:
            day = day_of(event.start, tz)
            booked[day] = booked.get(day, 0) + 1
        topics = [
            topic
            for topic in TRAINING_TOPICS
            if f"Sales training: {topic}" not in held.mapped("name")
        ]
        attendees = leader.partner_id | (
            self.env.ref("okr_sales.okr_team_b2b_hanoi").member_ids.partner_id
        )
        vals_list = []
        for rank, (day, _one) in enumerate(
            paced_days(
                start,
                self._okr_demo_last_day(),
                lambda day: (
                    TRAININGS_A_YEAR * TEAM_LEADER_PACE * self._okr_demo_share(day)
                ),
                ones(),
                booked,
            )
        ):
            moment = self._okr_demo_moment(day, 14)
            vals_list.append(
                {
                    "name": f"Sales training: {topics[rank % len(topics)]}",
                    "user_id": leader.id,
                    "start": moment,
                    "stop": moment + timedelta(hours=3),
                    "categ_ids": [fields.Command.set(training.ids)],
                    "partner_ids": [fields.Command.set(attendees.ids)],
                }
            )
        self.env["calendar.event"].with_context(**QUIET).create(vals_list)

    def _okr_demo_reviews(self):
        """The team leader's OKR reviews, marked done: each salesperson's
        every three months, one a month in turn."""
        today = self._okr_demo_today()
        start = date(today.year, 1, 1)
        leader = self.env.ref("okr_sales.okr_user_leader")
        review = self.env.ref("okr_sales.mail_activity_type_okr_review")
        done = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("activity_type_id", "=", review.id),
                    ("user_id", "=", leader.id),
                    ("date_done", ">=", start),
                ]
            )
        )
        booked = {}
        for activity in done:
            booked[activity.date_done] = booked.get(activity.date_done, 0) + 1
        reviews = paced_days(
            start,
            self._okr_demo_last_day(),
            lambda day: REVIEWS_A_YEAR * TEAM_LEADER_PACE * self._okr_demo_share(day),
            ones(),
            booked,
        )
        logins = list(SALESPEOPLE)
        model = self.env["ir.model"]._get_id("okr.objective")
        for rank, (day, _one) in enumerate(reviews):
            login = logins[rank % len(logins)]
            user = self.env.ref(f"okr_sales.okr_user_{login}")
            activity = (
                self.env["mail.activity"]
                .with_context(**QUIET)
                .create(
                    {
                        "res_model_id": model,
                        "res_id": self.env.ref(
                            f"okr_sales.okr_objective_{login}_revenue"
                        ).id,
                        "activity_type_id": review.id,
                        "summary": f"OKR review with {user.name.split()[-1]}",
                        "user_id": leader.id,
                        "date_deadline": day,
                    }
                )
            )
            activity.action_done()
            activity.with_context(active_test=False).date_done = day

    # ------------------------------------------------------------------
    # CHECK-INS
    # ------------------------------------------------------------------

    def _okr_demo_checkins(self):
        """Each manual key result whose period has begun is checked in
        twice a week (``CHECKIN_DAYS``) from its second day to today: the
        value its owner reads that day, her confidence by the pace. (Before
        its first check-in day, it has no data, and no status.)"""
        today = self._okr_demo_today()
        key_results = {
            "okr_kr_team_issues_24h": self._okr_demo_rising(1.0, 0.06),
            "okr_kr_team_satisfaction": self._okr_demo_rising(0.8, 0.0),
            "okr_kr_lan_positive_feedback": self._okr_demo_steady(88),
            "okr_kr_hung_positive_feedback": self._okr_demo_steady(91),
            "okr_kr_ha_positive_feedback": self._okr_demo_steady(83),
            "okr_kr_q1_campaigns": self._okr_demo_steps((4, 16, 38, 55, 76)),
            "okr_kr_q2_revenue": self._okr_demo_rising(1.08, 0.0, cap=0.9),
            "okr_kr_q3_cost_of_sales": self._okr_demo_rising(1.0, 0.03, cap=0.95),
            "okr_kr_q4_review": self._okr_demo_rising(1.08, 0.0, step=5),
        }
        vals_list = []
        for xml_id, value_on in key_results.items():
            key_result = self.env.ref(f"okr_sales.{xml_id}")
            if key_result.source != "manual" or key_result.date_start > today:
                continue
            stop = min(today, key_result.date_end)
            # from the period's second day: none on 1 January
            days = [
                key_result.date_start + timedelta(days=offset)
                for offset in range(1, (stop - key_result.date_start).days + 1)
            ]
            for day in [day for day in days if day.weekday() in CHECKIN_DAYS]:
                value = value_on(key_result, day)
                way = (value - key_result.baseline_value) / (
                    key_result.target_value - key_result.baseline_value
                )
                pace = way / self._okr_demo_period_share(key_result, day)
                vals_list.append(
                    {
                        "key_result_id": key_result.id,
                        "user_id": key_result.user_id.id,
                        "date": day,
                        "value": value,
                        "confidence": 8 if pace >= 0.9 else 6,
                    }
                )
        self.env["okr.checkin"].with_context(**QUIET).create(vals_list)

    def _okr_demo_period_share(self, key_result, day):
        """Share of the key result's period elapsed at the end of ``day``."""
        days = (key_result.date_end - key_result.date_start).days + 1
        return ((day - key_result.date_start).days + 1) / days

    def _okr_demo_rising(self, pace, head_start, cap=1.0, step=None):
        """Values on the way from the baseline to the target at ``pace``
        of the period's share (plus ``head_start``, at most ``cap`` of the
        way), with a little weekly noise; rounded to ``step``."""

        def value_on(key_result, day):
            share = self._okr_demo_period_share(key_result, day)
            noise = seeded("checkin", key_result.id, day).uniform(-0.02, 0.02)
            way = min(cap, max(0.0, pace * share + head_start + noise * share))
            value = key_result.baseline_value + way * (
                key_result.target_value - key_result.baseline_value
            )
            if step:
                return round(value / step) * step
            magnitude = abs(key_result.target_value - key_result.baseline_value)
            return round(value, 1 if magnitude < 1000 else -7)

        return value_on

    def _okr_demo_steady(self, level):
        """A rate that holds around ``level``."""

        def value_on(key_result, day):
            return level + round(seeded("checkin", key_result.id, day).uniform(-2, 2))

        return value_on

    def _okr_demo_steps(self, days):
        """A count that moves up by one on each of ``days`` of the period."""

        def value_on(key_result, day):
            elapsed = (day - key_result.date_start).days
            return float(sum(1 for step in days if step <= elapsed))

        return value_on
