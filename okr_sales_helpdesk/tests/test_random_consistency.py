"""Random helpdesk work (and deals beside it), then every incremental value
equals a rebuild from scratch and a count by hand."""

import os
import random

from odoo.tests import tagged

from odoo.addons.okr_sales.tests.common import ERASED

from .common import HelpdeskOkrCase

SEED = int(os.environ.get("OKR_RANDOM_SEED", "20261201"))
OPERATIONS = 250


@tagged("post_install", "-at_install")
class TestHelpdeskIncrementalAgreesWithRecompute(HelpdeskOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_helpdesk_key_result
        cls.team_within_24h = new(
            cls.team_objective, "tickets_solved_24h", scope="team"
        )
        cls.my_solved = new(cls.my_objective, "tickets_solved", scope="owner")
        cls.opened = new(cls.department, "tickets_opened", scope="company")
        cls.resolution_time = new(
            cls.department, "ticket_resolution_time", scope="company", baseline_value=48
        )
        cls.my_satisfaction = new(
            cls.my_objective, "ticket_satisfaction", scope="owner"
        )
        cls.team_average_rating = new(
            cls.team_objective, "ticket_average_rating", scope="team", target_value=5
        )
        cls.won_revenue = cls._new_auto_key_result(
            cls.department, "won_revenue", scope="company"
        )
        cls.key_results = (
            cls.team_within_24h
            | cls.my_solved
            | cls.opened
            | cls.resolution_time
            | cls.my_satisfaction
            | cls.team_average_rating
            | cls.won_revenue
        )
        # the leader is no member of the sales team: his tickets are not its
        cls.users = cls.salesperson | cls.colleague | cls.leader

    # The random operations

    def _open(self):
        ticket = self._new_ticket(
            user=self.rng.choice(self.users),
            opened_hours_ago=self.rng.choice([0.5, 3, 20, 26, 50]),
        )
        self.ticket_ids.append(ticket.id)

    def _solve(self, ticket):
        ticket.stage_id = self.stage_done

    def _reopen(self, ticket):
        ticket.stage_id = self.stage_in_progress

    def _cancel(self, ticket):
        ticket.stage_id = self.rng.choice([self.stage_cancelled, self.stage_rejected])

    def _reassign(self, ticket):
        ticket.user_id = self.rng.choice(self.users)

    def _archive(self, ticket):
        ticket.active = not ticket.active

    def _delete(self, ticket):
        ticket.unlink()

    def _rate(self, ticket):
        return super()._rate(ticket, self.rng.choice([1, 2, 3, 4, 5]))

    def _change_rating(self, ticket):
        ratings = ticket.rating_ids.filtered("consumed")
        if ratings:
            self.rng.choice(ratings).rating = self.rng.choice([1, 3, 5])

    def _delete_rating(self, ticket):
        if ticket.rating_ids:
            self.rng.choice(ticket.rating_ids).unlink()

    def _win_a_deal(self, _ticket):
        self._new_deal(amount=self.rng.choice([10.0, 250.0])).action_set_won()

    def _live_tickets(self):
        tickets = self.env["helpdesk.ticket"].with_context(active_test=False)
        return tickets.browse(self.ticket_ids).exists()

    # What the engine keeps, and what it should hold

    def _hand_counts(self):
        """Counted from the tickets' and ratings' own fields (stage, closing
        date, creation date, user): not from the fields the bridge stores."""
        start, end = self.period_start, self.period_end

        def within(moment):
            return bool(moment) and start <= moment.date() <= end

        def share(part, whole):
            return 100.0 * len(part) / len(whole) if whole else None

        def average(values):
            return sum(values) / len(values) if values else None

        def hours(ticket):
            return max(
                0.0, (ticket.closed_date - ticket.create_date).total_seconds() / 3600
            )

        members = self.salesperson | self.colleague
        tickets = (
            self.env["helpdesk.ticket"]
            .with_context(active_test=False)
            .search([("company_id", "=", self.company.id)])
        )
        live = tickets.filtered("active")
        solved = live.filtered(
            lambda t: t.stage_id == self.stage_done and within(t.closed_date)
        )
        team_solved = solved.filtered(lambda t: t.user_id in members)
        ratings = (
            self.env["rating.rating"]
            .search(
                [("res_model", "=", "helpdesk.ticket"), ("res_id", "in", tickets.ids)]
            )
            .filtered(lambda r: r.consumed and r.rating >= 1 and within(r.rated_on))
        )

        def rated_by(users):
            return ratings.filtered(
                lambda r: self.env["helpdesk.ticket"].browse(r.res_id).user_id in users
            )

        mine = rated_by(self.salesperson)
        won = self.env["crm.lead"].search(
            [("company_id", "=", self.company.id), ("won_status", "=", "won")]
        )
        return {
            self.team_within_24h: share(
                team_solved.filtered(lambda t: hours(t) <= 24), team_solved
            ),
            self.my_solved: len(
                solved.filtered(lambda t: t.user_id == self.salesperson)
            ),
            self.opened: len(live.filtered(lambda t: within(t.create_date))),
            self.resolution_time: average([hours(t) for t in solved]),
            self.my_satisfaction: share(mine.filtered(lambda r: r.rating >= 4), mine),
            self.team_average_rating: average(rated_by(members).mapped("rating")),
            self.won_revenue: sum(
                won.filtered(lambda lead: within(lead.date_closed)).mapped(
                    "expected_revenue"
                )
            ),
        }

    def test_random_helpdesk_operations(self):
        self.rng = random.Random(SEED)
        self.ticket_ids = []
        operations = [
            self._solve,
            self._solve,
            self._reopen,
            self._cancel,
            self._reassign,
            self._archive,
            self._delete,
            self._rate,
            self._rate,
            self._change_rating,
            self._delete_rating,
            self._win_a_deal,
        ]
        done = []
        for _i in range(OPERATIONS):
            live = self._live_tickets()
            if len(live) < 5 or self.rng.random() < 0.2:
                self._open()
                done.append("open")
            else:
                operation = self.rng.choice(operations)
                operation(self.rng.choice(live))
                done.append(operation.__name__)
            if self.rng.random() < 0.2:
                self._commit_point()
        self._commit_point()
        incremental = self._engine_snapshot(self.key_results)

        for key_result, expected in self._hand_counts().items():
            if expected is None:
                expected = key_result.baseline_value
            self.assertAlmostEqual(
                incremental[0][key_result.id],
                expected,
                places=2,
                msg=f"seed {SEED}: {key_result.name} ({key_result.scope}) by hand",
            )
        drift = self.env["okr.key.result"]._okr_recompute(self.key_results.ids)
        self.assertFalse(drift, f"seed {SEED}: drift after {done}")

        self._erase_engine_state(self.key_results)
        erased = self._engine_snapshot(self.key_results)
        self.assertEqual(set(erased[0].values()), {ERASED})
        self.assertFalse(erased[1] or erased[2])
        self.env["okr.key.result"]._okr_recompute(self.key_results.ids, rebuild=True)
        rebuilt = self._engine_snapshot(self.key_results)
        self.assertSnapshotsAgree(incremental, rebuilt, f"seed {SEED}")
        self.assertGreater(len(incremental[2]), 20)
        self.assertGreaterEqual(len(set(done)), 11)
