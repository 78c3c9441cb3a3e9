from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from ..models.okr_key_result_pace import ALERTS_KEY, OkrKeyResult
from .common import OkrCase, OkrCrmCase

BEHIND = "okr_sales.mail_activity_type_okr_behind_pace"
REMINDER = "okr_sales.mail_activity_type_okr_checkin_reminder"

NBSP = "\N{NO-BREAK SPACE}"


class AlertCase:
    def _activities(self, key_result, xmlid, user=None, active=True):
        """The activities of type ``xmlid`` on ``key_result``, as ``user``."""
        activities = self.env["mail.activity"]
        if user:
            activities = activities.with_user(user)
        return activities.with_context(active_test=active).search(
            [
                ("res_model", "=", "okr.key.result"),
                ("res_id", "=", key_result.id),
                ("activity_type_id", "=", self.env.ref(xmlid).id),
            ]
        )

    def _after_commit(self):
        """What runs right after the commit for the alerts (a test's
        transaction never commits): the activities whose value moved."""
        pending = self.env.cr.postcommit.data.pop(ALERTS_KEY, set())
        self.env["okr.key.result"].browse(sorted(pending))._okr_refresh_alert_notes(
            lock=True
        )

    def _alert_messages(self, key_result):
        return key_result.message_ids.filtered(
            lambda message: "expected by today" in (message.body or "")
        )


@tagged("post_install", "-at_install")
class TestBehindPaceAlerts(AlertCase, OkrCrmCase):
    """10 of 40 days elapsed, target 1,000: 250 expected today; on track from
    225 (90% of the pace), at risk from 175 (70%), off track below."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The company's day, which alerts are written on, whoever's
        # transaction and whatever the hour (UTC's day may be another).
        cls.env.company.partner_id.tz = "Asia/Ho_Chi_Minh"
        cls.today = fields.Date.context_today(
            cls.env["okr.key.result"].with_context(tz="Asia/Ho_Chi_Minh")
        )
        cls.sprint = cls._new_objective(
            name="Autumn push",
            date_start=cls.today - timedelta(days=9),
            date_end=cls.today + timedelta(days=30),
        )

    def _new_revenue(self):
        return self._new_auto_key_result(
            self.sprint, "won_revenue", scope="owner", target_value=1000.0
        )

    def _win(self, amount, user=None):
        deal = self._new_deal(amount=amount)
        if user:
            deal = deal.with_user(user)
        deal.action_set_won()
        self._commit_point()
        return deal

    def test_falling_behind_opens_one_activity_until_it_recovers(self):
        opening = self._win(300.0)
        revenue = self._new_revenue()
        self.assertEqual(revenue.status, "on_track")  # 300 >= 225
        self.assertFalse(self._activities(revenue, BEHIND))
        # The big deal is reopened: 0 of 250 expected, off track.
        opening.stage_id = self.open_stage
        self._commit_point()
        self.assertEqual(revenue.status, "off_track")
        activity = self._activities(revenue, BEHIND)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertEqual(activity.date_deadline, self.today)
        self.assertEqual(revenue.alert_activity_id, activity)
        message = self._alert_messages(revenue)
        self.assertEqual(len(message), 1)
        # in short money, as the key result's card writes it
        self.assertIn(
            f"0{NBSP}₫ where 250{NBSP}₫ was expected by today",
            html2plaintext(message.body),
        )
        self.assertIn(f"target of 1K{NBSP}₫", html2plaintext(message.body))
        self.assertIn("progress 0.0%, pace 25.0%", message.body)
        self.assertIn(f"0{NBSP}₫ where 250{NBSP}₫", html2plaintext(activity.note))
        # Several deals, still behind, off track then at risk: nothing new,
        # the one activity telling the value and status of now.
        self._win(100.0)
        self._win(50.0)
        self.assertEqual(revenue.status, "off_track")  # 150 < 175
        # the deal's transaction leaves the text to right after its commit
        self.assertIn(f"0{NBSP}₫ where 250{NBSP}₫", html2plaintext(activity.note))
        self._after_commit()
        self.assertIn(
            f"is off track: 150{NBSP}₫ where 250{NBSP}₫", html2plaintext(activity.note)
        )
        self._win(30.0)
        self.assertEqual(revenue.status, "at_risk")  # 175 <= 180 < 225
        self.assertEqual(self._activities(revenue, BEHIND), activity)
        self.assertIn(
            f"is at risk: 180{NBSP}₫ where 250{NBSP}₫", html2plaintext(activity.note)
        )
        self.assertIn("progress 18.0%, pace 25.0%", activity.note)
        self.assertEqual(len(self._alert_messages(revenue)), 1)
        # Back on track: the activity is done, with a message.
        self._win(70.0)
        self.assertEqual(revenue.status, "on_track")  # 250
        self.assertFalse(self._activities(revenue, BEHIND))
        self.assertFalse(activity.active, "marked done")
        self.assertFalse(revenue.alert_activity_id)
        self.assertTrue(
            revenue.message_ids.filtered(lambda m: "Back to on track" in (m.body or ""))
        )

    def test_a_key_result_without_data_alerts_nobody_until_it_has_some(self):
        # born mid-period with nothing counted: no status, no alert (not
        # "off track" on its first day)
        revenue = self._new_revenue()
        self.assertFalse(revenue.status)
        self.assertFalse(self._activities(revenue, BEHIND))
        # its first deal, far behind the 250 expected: now it is
        self._win(10.0)
        self.assertEqual(revenue.status, "off_track")
        self.assertEqual(len(self._activities(revenue, BEHIND)), 1)
        self.assertEqual(len(self._alert_messages(revenue)), 1)

    def test_behind_again_opens_a_new_activity(self):
        deal = self._win(300.0)
        revenue = self._new_revenue()
        deal.stage_id = self.open_stage
        self._commit_point()
        first = self._activities(revenue, BEHIND)
        deal.action_set_won()
        self._commit_point()
        self.assertFalse(self._activities(revenue, BEHIND))
        deal.stage_id = self.open_stage
        self._commit_point()
        second = self._activities(revenue, BEHIND)
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second, first)

    def test_salesperson_gets_the_activity_of_her_own_deals(self):
        deal = self._win(300.0, user=self.salesperson)
        revenue = self._new_revenue()
        self.assertFalse(self._activities(revenue, BEHIND))
        deal.with_user(self.salesperson).write({"stage_id": self.open_stage.id})
        self._commit_point()
        self._win(40.0, user=self.salesperson)
        self._win(60.0, user=self.salesperson)
        self._after_commit()
        activity = self._activities(revenue, BEHIND, user=self.salesperson)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn(activity, revenue.with_user(self.salesperson).activity_ids)
        # Why, as of now: 40 + 60 won since it fell behind at 0
        self.assertIn(f"100{NBSP}₫ where 250{NBSP}₫", html2plaintext(activity.note))

    def test_done_alerts_do_not_count_as_activities_done(self):
        activities_done = self._new_auto_key_result(
            self.sprint, "activities_done", scope="owner", target_value=20.0
        )
        deal = self._win(300.0)
        revenue = self._new_revenue()
        deal.stage_id = self.open_stage
        self._commit_point()
        alert = self._activities(revenue, BEHIND)
        deal.action_set_won()
        self._commit_point()
        self.assertFalse(alert.active, "done: back on track")
        self.assertEqual(activities_done.current_value, 0.0)
        call = self._new_deal().activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesperson.id
        )
        call.action_done()
        self._commit_point()
        self.assertEqual(activities_done.current_value, 1.0)

    def test_a_failing_alert_never_fails_the_deal(self):
        deal = self._win(300.0)
        revenue = self._new_revenue()

        def broken(key_result):
            raise RuntimeError("mail server on fire")

        with (
            patch.object(OkrKeyResult, "_okr_update_alert", broken),
            mute_logger("odoo.addons.okr_sales.models.okr_key_result_pace"),
        ):
            deal.stage_id = self.open_stage
            self._commit_point()
        self.assertEqual(revenue.current_value, 0.0)
        self.assertEqual(revenue.status, "off_track")
        self.assertFalse(self._activities(revenue, BEHIND))


@tagged("post_install", "-at_install")
class TestCheckinReminder(AlertCase, OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["okr.key.result"]._okr_today()
        cls.objective = cls._new_objective(
            date_start=cls.today - timedelta(days=20),
            date_end=cls.today + timedelta(days=20),
        )

    def _run_cron(self):
        self.env["okr.key.result"]._cron_checkin_reminder()

    def test_one_reminder_after_a_week_without_check_in(self):
        quiet = self._new_key_result(self.objective, name="Trainings")
        self._check_in(quiet, 10, date=self.today - timedelta(days=8))
        never = self._new_key_result(self.objective, name="Reviews")
        recent = self._new_key_result(self.objective, name="Referrals")
        self._check_in(recent, 10, date=self.today - timedelta(days=2))
        self._run_cron()
        self._run_cron()
        reminder = self._activities(quiet, REMINDER)
        self.assertEqual(len(reminder), 1, "one open reminder at most")
        self.assertEqual(reminder.user_id, self.salesperson)
        self.assertEqual(len(self._activities(never, REMINDER)), 1)
        self.assertFalse(self._activities(recent, REMINDER))

    def test_no_reminder_outside_a_running_active_objective(self):
        upcoming = self._new_objective(
            date_start=self.today + timedelta(days=10),
            date_end=self.today + timedelta(days=40),
        )
        archived = self._new_objective(
            date_start=self.today - timedelta(days=20),
            date_end=self.today + timedelta(days=20),
        )
        later = self._new_key_result(upcoming)
        shelved = self._new_key_result(archived)
        archived.active = False
        self._run_cron()
        self.assertFalse(self._activities(later, REMINDER))
        self.assertFalse(self._activities(shelved, REMINDER))

    def test_check_in_answers_the_reminder(self):
        key_result = self._new_key_result(self.objective)
        self._run_cron()
        reminder = self._activities(key_result, REMINDER)
        self.assertEqual(len(reminder), 1)
        self._check_in(key_result, 30)
        self.assertFalse(reminder.active, "done")
        self._run_cron()
        self.assertFalse(self._activities(key_result, REMINDER))
