"""Check-ins in time (issue #22): no check-in after the company's today, the
value of a manual key result is its latest check-in, a closed period is
changed by an OKR manager only and says so, and a value written by hand is
a check-in."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from ..models import okr_checkin
from .common import OkrCase


@tagged("post_install", "-at_install")
class TestCheckinInTime(OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.env["okr.key.result"]._okr_today()
        cls.today = today
        # Lan's running period, and her quarter that ended a month ago.
        cls.running = cls._new_objective(
            name="Meet more prospects",
            date_start=today - timedelta(days=30),
            date_end=today + timedelta(days=30),
        )
        cls.prospects = cls._new_key_result(
            cls.running, name="Meet 50 prospects", target_value=50.0
        )
        cls.ended = cls._new_objective(
            name="Last quarter: expand market share",
            date_start=today - timedelta(days=120),
            date_end=today - timedelta(days=31),
        )
        cls.fairs = cls._new_key_result(
            cls.ended, name="Run 4 trade fairs", target_value=4.0
        )
        cls._check_in(cls.fairs, 2.0, date=today - timedelta(days=40))
        cls.env.flush_all()

    def _create_as(self, user, key_result, value, **vals):
        values = {"key_result_id": key_result.id, "value": value}
        values.update(vals)
        return self.env["okr.checkin"].with_user(user).create(values)

    # ------------------------------------------------------------------
    # No check-in after today (finding 6)
    # ------------------------------------------------------------------

    def test_a_check_in_after_today_is_refused(self):
        for user in (self.salesperson, self.director):
            for day in (self.today + timedelta(days=1), date(9999, 12, 31)):
                with (
                    self.subTest(user=user.login, day=day),
                    self.assertRaises(ValidationError) as caught,
                ):
                    self._create_as(user, self.prospects, 1.0, date=day)
                self.assertIn("after today", str(caught.exception))
        self.assertFalse(self.prospects.checkin_ids)
        # Today's check-in moves the value: nothing pins it.
        self._create_as(self.salesperson, self.prospects, 77.0)
        self.assertEqual(self.prospects.current_value, 77.0)

    def test_a_check_in_cannot_be_moved_after_today(self):
        checkin = self._create_as(self.salesperson, self.prospects, 10.0)
        with self.assertRaises(ValidationError):
            checkin.with_user(self.salesperson).date = self.today + timedelta(days=1)

    def test_today_is_the_company_day(self):
        # The company 14 hours ahead of UTC, Lan 11 hours behind: her today
        # is always the company's yesterday (or the day before).
        self.company.partner_id.tz = "Pacific/Kiritimati"
        self.salesperson.tz = "Pacific/Pago_Pago"
        company_today = self.prospects._okr_today()
        lan_today = fields.Date.context_today(
            self.env["okr.checkin"].with_user(self.salesperson)
        )
        self.assertLess(lan_today, company_today)
        checkin = (
            self.env["okr.checkin"]
            .with_user(self.salesperson)
            .with_context(default_key_result_id=self.prospects.id)
            .create({"value": 5.0})
        )
        self.assertEqual(checkin.date, company_today, "the default: the company's")
        self._create_as(self.salesperson, self.prospects, 6.0, date=company_today)
        with self.assertRaises(ValidationError):
            self._create_as(
                self.salesperson,
                self.prospects,
                7.0,
                date=company_today + timedelta(days=1),
            )

    # ------------------------------------------------------------------
    # A closed period needs an OKR manager (finding 15)
    # ------------------------------------------------------------------

    def test_a_check_in_on_an_ended_period_needs_a_manager(self):
        self.assertEqual(self.fairs.status, "missed")
        # the check-in dialog says so before anyone saves
        dialog = self.env["okr.checkin"].with_user(self.salesperson)
        form = Form(dialog.with_context(**self.fairs.action_checkin()["context"]))
        self.assertTrue(form.period_closed)
        with self.assertRaises(AccessError):
            form.save()
        with Form(dialog.with_context(default_key_result_id=self.prospects.id)) as form:
            self.assertFalse(form.period_closed)
            form.value = 1.0
        with self.assertRaises(AccessError) as caught:
            self._create_as(self.salesperson, self.fairs, 4.0)
        self.assertIn("closed", str(caught.exception))
        self.assertEqual(self.fairs.current_value, 2.0)
        self.assertEqual(self.fairs.status, "missed")
        # the team leader, whose own objective ended too
        leader_objective = self._new_objective(
            user_id=self.leader.id,
            level="team",
            date_start=self.ended.date_start,
            date_end=self.ended.date_end,
        )
        team_fairs = self._new_key_result(leader_objective, target_value=4.0)
        with self.assertRaises(AccessError):
            self._create_as(self.leader, team_fairs, 4.0)
        # An OKR manager may, and the key result's chatter says it.
        self.assertFalse(self.director._is_superuser())
        self._create_as(self.director, self.fairs, 4.0)
        self.env.flush_all()
        self.assertEqual(self.fairs.current_value, 4.0)
        self.assertEqual(self.fairs.status, "achieved")
        said = self.fairs.message_ids.filtered(
            lambda m: "closed period" in (m.body or "")
        )
        self.assertEqual(len(said), 1)
        self.assertEqual(said.author_id, self.director.partner_id)

    def test_a_check_in_dated_before_its_period_is_refused(self):
        # the running quarter's value may not be written into the one before
        day = self.prospects.date_start - timedelta(days=1)
        for user in (self.salesperson, self.director):
            with (
                self.subTest(user=user.login),
                self.assertRaises(ValidationError) as caught,
            ):
                self._create_as(user, self.prospects, 50.0, date=day)
            self.assertEqual(
                str(caught.exception),
                f"A check-in of “Meet 50 prospects” cannot be dated before its "
                f"period begins ({self.prospects.date_start}): {day}.",
            )
        self.assertFalse(self.prospects.checkin_ids)
        self._create_as(
            self.salesperson, self.prospects, 5.0, date=self.prospects.date_start
        )
        self.assertEqual(self.prospects.current_value, 5.0)

    def test_a_check_in_on_a_closed_objective_needs_a_manager(self):
        # Close Period archives the objective; its dates may not be over yet.
        self.running.active = False
        with self.assertRaises(AccessError):
            self._create_as(self.salesperson, self.prospects, 20.0)
        self._create_as(self.director, self.prospects, 20.0)
        self.assertEqual(self.prospects.current_value, 20.0)

    def test_changing_a_check_in_of_a_closed_period_needs_a_manager(self):
        [checkin] = self.fairs.checkin_ids
        with self.assertRaises(AccessError):
            checkin.with_user(self.salesperson).value = 4.0
        with self.assertRaises(AccessError):
            checkin.with_user(self.salesperson).unlink()
        self.assertEqual(self.fairs.current_value, 2.0)
        checkin.with_user(self.director).value = 3.0
        self.assertEqual(self.fairs.current_value, 3.0)

    # ------------------------------------------------------------------
    # A value written by hand is a check-in (finding 13)
    # ------------------------------------------------------------------

    def test_writing_the_current_value_is_a_check_in(self):
        self._create_as(self.salesperson, self.prospects, 10.0)
        with patch.object(okr_checkin, "note_checkins") as note_checkins:
            self.prospects.with_user(self.salesperson).write({"current_value": 99.0})
        self.assertEqual(self.prospects.current_value, 99.0)
        last = self.prospects.checkin_ids.sorted(lambda c: (c.date, c.id))[-1]
        self.assertEqual(
            (last.value, last.user_id, last.date),
            (99.0, self.salesperson, self.prospects._okr_today()),
        )
        point = self.env["okr.key.result.history"].search(
            [("checkin_id", "=", last.id)]
        )
        self.assertEqual(point.value, 99.0)
        # the webhook's check-in event, as for any check-in
        [(_env, noted)] = [call.args for call in note_checkins.call_args_list]
        self.assertEqual(noted, last)
        # An OKR manager's write is a check-in in his name.
        self.prospects.with_user(self.director).write({"current_value": 30.0})
        last = self.prospects.checkin_ids.sorted(lambda c: (c.date, c.id))[-1]
        self.assertEqual((last.value, last.user_id), (30.0, self.director))
        self.assertEqual(self.prospects.current_value, 30.0)

    def test_writing_the_current_value_has_the_check_in_rights(self):
        with self.assertRaises(AccessError):
            self.prospects.with_user(self.colleague).write({"current_value": 99.0})
        with self.assertRaises(AccessError):
            self.fairs.with_user(self.salesperson).write({"current_value": 4.0})
        self.assertEqual(self.fairs.current_value, 2.0)
        self.assertFalse(self.prospects.checkin_ids)
