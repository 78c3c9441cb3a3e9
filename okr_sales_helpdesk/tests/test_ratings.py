"""Customers' ratings move satisfaction key results, dated when the customer
rated and attributed through the rated ticket, also when the rating comes
through the public rating page."""

from odoo import http
from odoo.tests import HttpCase, tagged

from .common import HelpdeskOkrCase


class RatingCase(HelpdeskOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_helpdesk_key_result
        cls.my_satisfaction = new(
            cls.my_objective, "ticket_satisfaction", scope="owner"
        )
        cls.team_satisfaction = new(
            cls.team_objective, "ticket_satisfaction", scope="team"
        )
        cls.average_rating = new(
            cls.department, "ticket_average_rating", scope="company", target_value=4.5
        )
        cls.colleague_objective = cls._new_colleague_objective()
        cls.colleague_satisfaction = new(
            cls.colleague_objective, "ticket_satisfaction", scope="owner"
        )


@tagged("post_install", "-at_install")
class TestRatings(RatingCase):
    def test_a_5_star_and_a_2_star_rating_are_50_percent_satisfied(self):
        self._rate(self._new_ticket(), 5)
        self._rate(self._new_ticket(), 2)
        self._commit_point()
        self.assertEqual(self.my_satisfaction.current_value, 50.0)
        self.assertEqual(self.team_satisfaction.current_value, 50.0)
        self.assertEqual(self.average_rating.current_value, 3.5)
        self._assert_rebuild_agrees(self.my_satisfaction | self.average_rating)

    def test_a_request_not_answered_does_not_count(self):
        self._new_ticket()._rating_get_access_token()  # the e-mail was sent
        self._commit_point()
        self.assertFalse(self.my_satisfaction.contribution_count)

    def test_a_changed_or_deleted_rating_moves_the_value(self):
        first = self._rate(self._new_ticket(), 5)
        self._rate(self._new_ticket(), 5)
        self._commit_point()
        self.assertEqual(self.my_satisfaction.current_value, 100.0)
        first.rating = 1  # the customer changes her mind
        self._commit_point()
        self.assertEqual(self.my_satisfaction.current_value, 50.0)
        self.assertEqual(self.average_rating.current_value, 3.0)
        first.unlink()
        self._commit_point()
        self.assertEqual(self.my_satisfaction.current_value, 100.0)
        self._assert_rebuild_agrees(self.my_satisfaction | self.average_rating)

    def test_ratings_follow_their_ticket_when_it_is_reassigned(self):
        ticket = self._new_ticket()
        self._rate(ticket, 5)
        self._commit_point()
        self.assertEqual(self.my_satisfaction.contribution_count, 1)
        self.assertFalse(self.colleague_satisfaction.contribution_count)
        ticket.user_id = self.colleague
        self._commit_point()
        self.assertFalse(self.my_satisfaction.contribution_count)
        self.assertEqual(self.colleague_satisfaction.current_value, 100.0)
        self._assert_rebuild_agrees(self.my_satisfaction | self.colleague_satisfaction)

    def test_a_deleted_ticket_takes_its_ratings_away(self):
        ticket = self._new_ticket()
        self._rate(ticket, 4)
        self._commit_point()
        self.assertEqual(self.average_rating.current_value, 4.0)
        ticket.unlink()
        self._commit_point()
        self.assertFalse(self.average_rating.contribution_count)

    def test_contributing_records_are_the_ratings(self):
        rating = self._rate(self._new_ticket(), 5)
        self._commit_point()
        action = self.my_satisfaction.action_open_contributing_records()
        self.assertEqual(action["res_model"], "rating.rating")
        self.assertEqual(action["domain"], [("id", "in", rating.ids)])
        self.assertEqual(rating.okr_ticket_id.user_id, self.salesperson)


@tagged("post_install", "-at_install")
class TestPortalRating(RatingCase, HttpCase):
    def test_a_rating_from_the_public_page_moves_the_key_result(self):
        ticket = self._new_ticket()
        token = ticket._rating_get_access_token()
        self._commit_point()
        self.assertFalse(self.my_satisfaction.contribution_count)
        # the customer, not logged in, submits the rating e-mail's page
        self.authenticate(None, None)
        response = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={
                "rate": 5,
                "feedback": "Fast and kind",
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        rating = ticket.rating_ids
        self.assertTrue(rating.consumed)
        self.assertEqual(rating.write_uid, self.env.ref("base.public_user"))
        self.assertEqual(self.my_satisfaction.current_value, 100.0)
        self.assertEqual(self.average_rating.current_value, 5.0)
