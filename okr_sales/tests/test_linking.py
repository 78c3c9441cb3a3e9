"""Linking a record to a "linked" key result moves that key result: only
who may change the key result links records to it, or unlinks them."""

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestLinking(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        definition = {
            "source": "linked",
            "source_model": "crm.lead",
            "date_field_id": cls.env.ref("crm.field_crm_lead__create_date").id,
            "measure": "count",
            "target_value": 3,
        }
        cls.strategic = cls._new_key_result(
            cls.department, name="Strategic deals", **definition
        )
        cls.mine = cls._new_key_result(
            cls.my_objective, name="My strategic deals", **definition
        )
        cls.deal = cls._new_deal()

    def test_she_cannot_link_her_deal_to_a_managers_key_result(self):
        as_lan = self.deal.with_user(self.salesperson)
        for vals in (
            {"okr_linked_key_result_ids": [Command.link(self.strategic.id)]},
            {"okr_linked_key_result_ids": [Command.set(self.strategic.ids)]},
            {"okr_linked_key_result_ids": self.strategic.ids},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                as_lan.write(vals)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env["crm.lead"].with_user(self.salesperson).create(
                {
                    "name": "Mine",
                    "okr_linked_key_result_ids": [Command.link(self.strategic.id)],
                }
            )
        self.env.invalidate_all()
        self.assertFalse(self.deal.okr_linked_key_result_ids)

    def test_she_cannot_unlink_her_deal_from_a_managers_key_result(self):
        self.deal.with_user(self.director).okr_linked_key_result_ids = self.strategic
        self._commit_point()
        self.assertEqual(self.strategic.current_value, 1.0)
        with self.assertRaises(AccessError):
            self.deal.with_user(self.salesperson).write(
                {"okr_linked_key_result_ids": [Command.unlink(self.strategic.id)]}
            )

    def test_she_links_her_deal_to_her_own_key_result(self):
        as_lan = self.deal.with_user(self.salesperson)
        as_lan.okr_linked_key_result_ids = [Command.link(self.mine.id)]
        self._commit_point()
        self.assertEqual(self.mine.current_value, 1.0)
        # a save that leaves the links as they are changes nothing
        self.deal.with_user(self.director).okr_linked_key_result_ids = [
            Command.link(self.strategic.id)
        ]
        as_lan.write(
            {
                "name": "Renamed",
                "okr_linked_key_result_ids": [
                    Command.set((self.mine | self.strategic).ids)
                ],
            }
        )
        as_lan.okr_linked_key_result_ids = [Command.unlink(self.mine.id)]
        self._commit_point()
        self.assertEqual(self.mine.current_value, 0.0)
        self.assertEqual(self.strategic.current_value, 1.0)
