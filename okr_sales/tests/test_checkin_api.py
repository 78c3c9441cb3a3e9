"""The check-in other systems send over JSON-2 (``okr.key.result.check_in``),
called through Odoo's RPC dispatch as the caller, as the JSON-2 endpoint
calls it: the same rights as the check-in dialog, clear refusals, and a
repeated external reference applied once."""

import math

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.service.model import get_public_method
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestCheckinApi(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prospects = cls._new_key_result(
            cls.my_objective, name="Meet 50 prospects", target_value=50.0
        )
        cls.automatic = cls._new_auto_key_result(cls.my_objective, "won_revenue")

    def _call(self, user, key_result_ids, **kwargs):
        """As the JSON-2 route: the public method, on the caller's records."""
        records = self.env["okr.key.result"].with_user(user).browse(key_result_ids)
        method = get_public_method(records, "check_in")
        return method(records, **kwargs)

    def test_a_check_in_moves_the_value(self):
        answer = self._call(
            self.salesperson,
            self.prospects.ids,
            value=20,
            confidence=7,
            comment="Fair in Da Nang",
            external_ref="intranet-42",
        )
        checkin = self.env["okr.checkin"].browse(answer["checkin_id"])
        self.assertEqual(checkin.user_id, self.salesperson)
        self.assertEqual(
            (checkin.value, checkin.confidence, checkin.comment),
            (20.0, 7, "Fair in Da Nang"),
        )
        self.assertEqual(self.prospects.current_value, 20.0)
        self.assertEqual(
            answer,
            {
                "checkin_id": checkin.id,
                "key_result_id": self.prospects.id,
                "value": 20.0,
                "progress": 40.0,
                "date": str(checkin.date),
                "external_ref": "intranet-42",
            },
        )

    def test_the_same_external_reference_is_applied_once(self):
        first = self._call(
            self.salesperson, self.prospects.ids, value=20, external_ref="sync-1"
        )
        again = self._call(
            self.salesperson, self.prospects.ids, value=20, external_ref="sync-1"
        )
        self.assertEqual(again, first)
        # a retry with another value is still the same update: not applied
        other = self._call(
            self.salesperson, self.prospects.ids, value=35, external_ref="sync-1"
        )
        self.assertEqual(other, first)
        self.assertEqual(len(self.prospects.checkin_ids), 1)
        self.assertEqual(self.prospects.current_value, 20.0)
        self._call(
            self.salesperson, self.prospects.ids, value=30, external_ref="sync-2"
        )
        self.assertEqual(len(self.prospects.checkin_ids), 2)
        self.assertEqual(self.prospects.current_value, 30.0)

    def test_refusals_change_nothing(self):
        cases = [
            (ValidationError, {"value": "20"}),
            (ValidationError, {"value": True}),
            (ValidationError, {"value": None}),
            (ValidationError, {"value": math.inf}),
            (ValidationError, {"value": math.nan}),
            (ValidationError, {"value": 20, "confidence": "high"}),
            (ValidationError, {"value": 20, "confidence": 11}),
            (ValidationError, {"value": 20, "comment": 12}),
            (ValidationError, {"value": 20, "external_ref": ""}),
            (ValidationError, {"value": 20, "external_ref": 5}),
        ]
        for error, kwargs in cases:
            with self.subTest(kwargs=kwargs), self.assertRaises(error):
                self._call(self.salesperson, self.prospects.ids, **kwargs)
        with self.assertRaises(UserError):  # its value comes from deals
            self._call(self.salesperson, self.automatic.ids, value=5)
        with self.assertRaises(MissingError):  # no such key result
            self._call(self.salesperson, [self.prospects.id + 100000], value=5)
        # a colleague's key result: she may read it, not check in on it
        with self.assertRaises(AccessError):
            self._call(self.colleague, self.prospects.ids, value=5)
        self.assertFalse(self.prospects.checkin_ids)
        self.assertEqual(self.prospects.current_value, 0.0)
        self.assertFalse(self.automatic.checkin_ids)

    def test_a_reference_used_elsewhere_is_not_shown(self):
        # The same reference on a key result she may not check in on says
        # nothing about it: the lookup is per key result.
        self._call(self.salesperson, self.prospects.ids, value=10, external_ref="r")
        with self.assertRaises(AccessError):
            self._call(self.colleague, self.prospects.ids, value=5, external_ref="r")
