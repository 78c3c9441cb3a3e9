"""Training attendance: the accepted invitees of a team leader's "Sales
Training" meetings and their share, counted by hand; an invitee's answer is
his own (a kept fact with a voice): the organizer cannot give it."""

from datetime import datetime, time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestTrainingAttendance(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.training = cls.env.ref("okr_sales.calendar_event_type_training")
        cls.leader_objective = cls._new_objective(
            name="Coach the team",
            level="team",
            user_id=cls.leader.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        cls.attendees = cls._new_auto_key_result(
            cls.leader_objective, "training_attendees", scope="owner", target_value=50
        )
        cls.share = cls._new_auto_key_result(
            cls.leader_objective,
            "training_attendance_share",
            scope="owner",
            target_value=90,
        )
        cls.key_results = cls.attendees | cls.share
        cls.outsider = cls.env["res.partner"].create(
            {"name": "Khách mời", "email": "khach@example.com"}
        )
        cls.day = datetime.combine(cls.period_start, time(9, 0)).replace(
            month=max(cls.period_start.month, 6)
        )

    def _meeting(self, tagged_training=True, invitees=None):
        """A meeting the leader organizes, as he does."""
        invitees = invitees or (self.salesperson.partner_id | self.colleague.partner_id)
        event = (
            self.env["calendar.event"]
            .with_user(self.leader)
            .create(
                {
                    "name": "Negotiation skills",
                    "user_id": self.leader.id,
                    "start": self.day,
                    "stop": self.day.replace(hour=11),
                    "categ_ids": [
                        Command.set(self.training.ids if tagged_training else [])
                    ],
                    "partner_ids": [
                        Command.set((invitees | self.leader.partner_id).ids)
                    ],
                }
            )
        )
        self._commit_point()
        return event.with_user(self.env.user)

    def _rolled_back(self):
        """A refused request's changes are rolled back with it."""
        return self.env.cr.savepoint()

    def _attendee(self, event, partner):
        return event.attendee_ids.filtered(lambda a: a.partner_id == partner)

    def assertValues(self, attendees, share):
        self.env.invalidate_all()
        self.assertEqual(self.attendees.current_value, attendees)
        self.assertAlmostEqual(self.share.current_value, share, places=2)

    def test_accepted_invitees_of_trainings_count(self):
        training = self._meeting(
            invitees=(
                self.salesperson.partner_id | self.colleague.partner_id | self.outsider
            )
        )
        other = self._meeting(tagged_training=False)
        # nobody answered yet: the organizer's own acceptance is no attendance
        self.assertEqual(
            self._attendee(training, self.leader.partner_id).state, "accepted"
        )
        self.assertValues(0, 0.0)
        # Lan accepts in her calendar, Hung declines in his, the guest by the
        # invitation link (as the superuser, as the page runs)
        self._attendee(training, self.salesperson.partner_id).with_user(
            self.salesperson
        ).do_accept()
        self._attendee(training, self.colleague.partner_id).with_user(
            self.colleague
        ).do_decline()
        self._attendee(training, self.outsider).sudo().do_accept()
        self._attendee(other, self.salesperson.partner_id).with_user(
            self.salesperson
        ).do_accept()
        self._commit_point()
        # by hand: 2 accepted of the training's 3 invitees
        self.assertValues(2, 200.0 / 3)
        # the training untagged: none of it counts
        training.categ_ids = False
        self._commit_point()
        self.assertValues(0, 0.0)

    def test_the_organizer_cannot_answer_for_an_invitee(self):
        training = self._meeting()
        lan = self._attendee(training, self.salesperson.partner_id)
        as_leader = lan.with_user(self.leader)
        for attempt in (
            as_leader.do_accept,
            lambda: as_leader.write({"state": "accepted"}),
        ):
            with self.assertRaisesRegex(AccessError, "Status"), self._rolled_back():
                attempt()
        with self.assertRaisesRegex(AccessError, "Status"), self._rolled_back():
            self.env["calendar.attendee"].with_user(self.leader).create(
                {
                    "event_id": training.id,
                    "partner_id": self.outsider.id,
                    "state": "accepted",
                }
            )
        # a declined invitee removed would raise the share: refused too
        self._attendee(training, self.colleague.partner_id).with_user(
            self.colleague
        ).do_decline()
        with self.assertRaisesRegex(AccessError, "Status"), self._rolled_back():
            self._attendee(training, self.colleague.partner_id).with_user(
                self.leader
            ).unlink()
        self._commit_point()
        self.assertValues(0, 0.0)

    def test_a_meeting_moved_withdraws_the_answers(self):
        """Calendar sets answers back to "needs action" when a meeting moves
        (the organizer's own when someone else moves it): a withdrawn answer
        never adds to a count, so it is not refused."""
        training = self._meeting()
        lan = self._attendee(training, self.salesperson.partner_id)
        lan.with_user(self.salesperson).do_accept()
        self._commit_point()
        self.assertValues(1, 50.0)
        lan.with_user(self.leader).write({"state": "needsAction"})
        # a colleague moves the leader's training: calendar resets his answer
        training.with_user(self.colleague).write(
            {"start": self.day.replace(hour=14), "stop": self.day.replace(hour=16)}
        )
        self._commit_point()
        self.assertEqual(
            self._attendee(training, self.leader.partner_id).state, "needsAction"
        )
        self.assertValues(0, 0.0)

    def test_a_sales_manager_corrects_it_and_the_meeting_tells(self):
        training = self._meeting()
        lan = self._attendee(training, self.salesperson.partner_id)
        lan.with_user(self.director).write({"state": "accepted"})
        self._commit_point()
        self.assertValues(1, 50.0)
        self.assertIn(
            "corrected by Director", training.message_ids[:1].body.striptags()
        )

    def test_rebuilt_from_erased_state_gives_the_same(self):
        training = self._meeting()
        self._attendee(training, self.salesperson.partner_id).with_user(
            self.salesperson
        ).do_accept()
        self._commit_point()
        self._erase_engine_state(self.key_results)
        self._recomputed_values(self.key_results)
        self.assertValues(1, 50.0)
