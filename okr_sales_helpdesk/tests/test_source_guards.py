"""What a ticket's key results count comes from facts its user cannot type:
the customer's rating, and the moment the ticket moved into a solved stage.
The salesperson measured is refused (the field named) and her key results
stay as a hand count says; the customer's own flows count; a helpdesk
manager may correct, and the ticket's chatter tells it."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import HelpdeskOkrCase


class GuardCase(HelpdeskOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.helpdesk_manager = new_test_user(
            cls.env,
            login="okr_helpdesk_manager",
            name="Helpdesk Manager",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.colleague_objective = cls._new_colleague_objective()

    def _notes(self, ticket):
        return "\n".join(ticket.message_ids.mapped("body"))


@tagged("post_install", "-at_install")
class TestRatingGuards(GuardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_helpdesk_key_result
        cls.my_satisfaction = new(
            cls.my_objective, "ticket_satisfaction", scope="owner"
        )
        cls.colleague_satisfaction = new(
            cls.colleague_objective, "ticket_satisfaction", scope="owner"
        )

    def setUp(self):
        super().setUp()
        self.my_good = self._rate(self._new_ticket(), 5)
        self.my_bad = self._rate(self._new_ticket(), 2)
        self.hung_ticket = self._new_ticket(user=self.colleague)
        self.hung_good = self._rate(self.hung_ticket, 5)
        self.hung_bad = self._rate(self._new_ticket(user=self.colleague), 1)
        self._commit_point()
        self._assert_hand_counts()

    def _hand_share(self, user):
        """Share of the user's tickets' consumed ratings at 4-5, by hand."""
        ratings = self.env["rating.rating"].search(
            [("res_model", "=", "helpdesk.ticket"), ("consumed", "=", True)]
        )
        mine = ratings.filtered(
            lambda r: (
                self.env["helpdesk.ticket"].browse(r.res_id).user_id == user
                and r.rating >= 1
            )
        )
        return 100.0 * len(mine.filtered(lambda r: r.rating >= 4)) / len(mine)

    def _assert_hand_counts(self):
        self.env.invalidate_all()
        self.assertEqual(self.my_satisfaction.current_value, 50.0)
        self.assertEqual(self.colleague_satisfaction.current_value, 50.0)
        self.assertEqual(
            self.my_satisfaction.current_value, self._hand_share(self.salesperson)
        )
        self.assertEqual(
            self.colleague_satisfaction.current_value,
            self._hand_share(self.colleague),
        )

    def _refused(self, field_label, call):
        with (
            self.assertRaisesRegex(AccessError, field_label),
            self.env.cr.savepoint(),
        ):
            call()
        self._commit_point()
        self._assert_hand_counts()

    def test_a_salesperson_cannot_rewrite_her_customers_rating(self):
        as_lan = self.my_bad.with_user(self.salesperson)
        self.assertTrue(as_lan.has_access("write"), "core Odoo lets her write it")
        self._refused("Rating Value", lambda: as_lan.write({"rating": 5}))
        self._refused("Filled Rating", lambda: as_lan.write({"consumed": False}))
        self._refused("Rated On", lambda: as_lan.write({"feedback": "Great!"}))
        self._refused("Rating Value", lambda: as_lan.reset())

    def test_a_salesperson_cannot_rewrite_a_colleagues_rating(self):
        as_lan = self.hung_good.with_user(self.salesperson)
        self._refused("Rating Value", lambda: as_lan.write({"rating": 1}))
        # nor move a customer's rating onto her own ticket
        self._refused("Document", lambda: as_lan.write({"res_id": self.my_bad.res_id}))

    def test_a_salesperson_cannot_create_a_rating(self):
        ticket = self.env["helpdesk.ticket"].browse(self.my_bad.res_id)
        self._refused(
            "Rating Value",
            lambda: (
                self.env["rating.rating"]
                .with_user(self.salesperson)
                .create(
                    {
                        "res_model_id": self.env["ir.model"]._get_id("helpdesk.ticket"),
                        "res_id": ticket.id,
                        "rating": 5,
                        "consumed": True,
                    }
                )
            ),
        )

    def test_a_salesperson_cannot_rate_through_the_ratings_own_methods(self):
        ticket = self._new_ticket()
        token = ticket._rating_get_access_token()
        as_lan = ticket.with_user(self.salesperson)
        self._refused("Rating Value", lambda: as_lan.rating_apply(5, token=token))
        self._refused(
            "Rating Value",
            lambda: as_lan.message_post(body="Happy!", rating_value=5),
        )

    def test_a_salesperson_cannot_delete_a_rating(self):
        self._refused(
            "Rating Value", lambda: self.my_bad.with_user(self.salesperson).unlink()
        )
        # nor its chatter message, which takes the rating with it
        message = self.my_bad.message_id.with_user(self.salesperson)
        self.assertTrue(message)
        self._refused("Rating Value", lambda: message.unlink())

    def test_the_customer_rating_from_the_portal_counts(self):
        # the portal chatter posts as the customer, in a sudo environment
        portal = new_test_user(
            self.env, login="okr_portal_customer", groups="base.group_portal"
        )
        ticket = self._new_ticket(partner_id=portal.partner_id.id)
        ticket.with_user(portal).sudo().message_post(
            body="Thank you", rating_value=5, message_type="comment"
        )
        self._commit_point()
        self.assertAlmostEqual(self.my_satisfaction.current_value, 200.0 / 3)
        self.assertEqual(
            self.my_satisfaction.current_value, self._hand_share(self.salesperson)
        )

    def test_ratings_no_key_result_counts_are_odoos_as_they_were(self):
        self.env["okr.key.result"].search(
            [("source_model", "=", "rating.rating")]
        ).objective_id.action_archive()
        self._commit_point()  # the key results counting ratings are gone
        self.my_bad.with_user(self.salesperson).write({"rating": 3})
        self.assertEqual(self.my_bad.rating, 3)

    def test_a_helpdesk_manager_corrects_a_rating_and_the_ticket_tells_it(self):
        ticket = self.env["helpdesk.ticket"].browse(self.my_bad.res_id)
        self.my_bad.with_user(self.helpdesk_manager).write({"rating": 4})
        self._commit_point()
        self.assertEqual(self.my_satisfaction.current_value, 100.0)
        self.assertEqual(
            self.my_satisfaction.current_value, self._hand_share(self.salesperson)
        )
        notes = self._notes(ticket)
        self.assertIn("Rating Value", notes)
        self.assertIn("Helpdesk Manager", notes)


@tagged("post_install", "-at_install")
class TestSolvedTimeGuards(GuardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_helpdesk_key_result
        cls.team_within_24h = new(
            cls.team_objective, "tickets_solved_24h", scope="team"
        )
        cls.resolution_time = new(
            cls.department,
            "ticket_resolution_time",
            scope="company",
            baseline_value=48.0,
            target_value=12.0,
        )

    def setUp(self):
        super().setUp()
        self.slow = self._new_ticket(opened_hours_ago=54)
        self.fast = self._new_ticket(opened_hours_ago=2)
        (self.slow | self.fast).stage_id = self.stage_done
        self._commit_point()
        self._assert_hand_counts()

    def _assert_hand_counts(self):
        """54 h and 2 h: one of two within 24 h, 28 h on average."""
        self.env.invalidate_all()
        self.assertAlmostEqual(self.slow.okr_resolution_hours, 54.0, places=1)
        self.assertEqual(self.team_within_24h.current_value, 50.0)
        self.assertAlmostEqual(self.resolution_time.current_value, 28.0, places=1)

    def test_the_tickets_user_writing_closed_date_changes_nothing(self):
        as_lan = self.slow.with_user(self.salesperson)
        self.assertTrue(as_lan.has_access("write"), "her own ticket")
        as_lan.write({"closed_date": self.slow.create_date + timedelta(hours=1)})
        self._commit_point()
        self._assert_hand_counts()

    def test_the_tickets_user_cannot_write_its_solved_time(self):
        as_lan = self.slow.with_user(self.salesperson)
        moment = self.slow.create_date + timedelta(hours=1)
        with (
            self.assertRaisesRegex(AccessError, "Solved On"),
            self.env.cr.savepoint(),
        ):
            as_lan.write({"okr_solved_date": moment})
        with (
            self.assertRaisesRegex(AccessError, "Solved On"),
            self.env.cr.savepoint(),
        ):
            self.env["helpdesk.ticket"].with_user(self.salesperson).create(
                {
                    "name": "Solved in no time",
                    "description": "<p>.</p>",
                    "team_id": self.helpdesk_team.id,
                    "user_id": self.salesperson.id,
                    "okr_solved_date": fields.Datetime.now(),
                }
            )
        self._commit_point()
        self._assert_hand_counts()

    def test_the_solved_time_is_the_move_into_a_solved_stage(self):
        ticket = self._new_ticket(opened_hours_ago=30)
        as_lan = ticket.with_user(self.salesperson)
        before = fields.Datetime.now()
        as_lan.write(
            {
                "stage_id": self.stage_done.id,
                "closed_date": ticket.create_date + timedelta(hours=1),
            }
        )
        self.assertGreaterEqual(ticket.okr_solved_date, before)
        self.assertAlmostEqual(ticket.okr_resolution_hours, 30.0, places=1)

    def test_a_helpdesk_manager_corrects_the_solved_time_and_it_is_told(self):
        moment = self.slow.create_date + timedelta(hours=10)
        self.slow.with_user(self.helpdesk_manager).write({"okr_solved_date": moment})
        self._commit_point()
        self.assertAlmostEqual(self.slow.okr_resolution_hours, 10.0, places=1)
        self.assertEqual(self.team_within_24h.current_value, 100.0)
        self.assertAlmostEqual(self.resolution_time.current_value, 6.0, places=1)
        notes = self._notes(self.slow)
        self.assertIn("Solved On", notes)
        self.assertIn("Helpdesk Manager", notes)
