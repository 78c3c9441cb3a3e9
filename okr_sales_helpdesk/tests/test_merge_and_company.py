"""Tickets merged with helpdesk_mgmt_merge, and tickets moved to another
company, move the key results that counted them."""

from odoo.tests import tagged

from .common import HelpdeskOkrCase


@tagged("post_install", "-at_install")
class TestMergeAndCompany(HelpdeskOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_helpdesk_key_result
        cls.company_solved = new(cls.department, "tickets_solved", scope="company")
        cls.my_solved = new(cls.my_objective, "tickets_solved", scope="owner")
        cls.colleague_objective = cls._new_colleague_objective()
        cls.colleague_solved = new(
            cls.colleague_objective, "tickets_solved", scope="owner"
        )

    def test_merged_tickets_stop_counting_and_the_result_counts_for_its_user(self):
        # make test installs helpdesk_mgmt_merge: the merge is tested, not skipped
        self.assertIn(
            "helpdesk.ticket.merge", self.env, "install helpdesk_mgmt_merge to test"
        )
        first, second = (self._new_ticket(opened_hours_ago=h) for h in (2, 3))
        (first | second).stage_id = self.stage_done
        self._commit_point()
        self.assertEqual(self.my_solved.current_value, 2)
        wizard = (
            self.env["helpdesk.ticket.merge"]
            .with_context(
                active_ids=(first | second).ids, active_model="helpdesk.ticket"
            )
            .create(
                {
                    "ticket_ids": [(6, 0, (first | second).ids)],
                    "dst_ticket_id": first.id,
                    "user_id": self.colleague.id,
                }
            )
        )
        wizard.merge_tickets()
        self._commit_point()
        self.assertFalse(second.active, "helpdesk_mgmt_merge archives merged tickets")
        self.assertEqual(first.user_id, self.colleague)
        self.assertEqual(self.my_solved.current_value, 0)
        self.assertEqual(self.colleague_solved.current_value, 1)
        self.assertEqual(self.company_solved.current_value, 1)
        self._assert_rebuild_agrees(
            self.my_solved | self.colleague_solved | self.company_solved
        )

    def test_a_ticket_moved_to_another_company_leaves_this_one(self):
        ticket = self._new_ticket(opened_hours_ago=1)
        ticket.stage_id = self.stage_done
        self._commit_point()
        self.assertEqual(self.company_solved.current_value, 1)
        other = self.env["res.company"].create({"name": "Other branch"})
        self.env.user.company_ids |= other
        ticket.with_context(allowed_company_ids=[self.company.id, other.id]).write(
            {"company_id": other.id, "team_id": False}
        )
        self._commit_point()
        self.assertEqual(self.company_solved.current_value, 0)
