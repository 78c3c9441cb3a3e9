"""The check-in other systems send over JSON-2 (``okr.key.result.check_in``),
called through Odoo's RPC dispatch as the caller, as the JSON-2 endpoint
calls it: the same rights as the check-in dialog, clear refusals, and a
repeated external reference applied once."""

import math

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.service.model import get_public_method
from odoo.tests import tagged

from ..models.okr_checkin import EXTERNAL_REF_MAX_LENGTH, ExternalRefConflict
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

    def test_edges_are_refused_with_the_parameter_named(self):
        """Finding 9: each answered 500 (an overflow, a singleton error, the
        database's own text) instead of a refusal naming the parameter."""
        too_long = "x" * (EXTERNAL_REF_MAX_LENGTH + 1)
        cases = [
            ("value", self.prospects.ids, {"value": 10**400}),
            ("value", self.prospects.ids, {"value": -(10**400)}),
            ("value", self.prospects.ids, {"value": 1e308}),
            ("confidence", self.prospects.ids, {"value": 1, "confidence": 10**29}),
            ("confidence", self.prospects.ids, {"value": 1, "confidence": -1}),
            ("ids", [], {"value": 1}),
            ("ids", [self.prospects.id, self.prospects.id], {"value": 1}),
            ("ids", [self.prospects.id, self.automatic.id], {"value": 1}),
            ("ids", [10**400], {"value": 1}),
            (
                "external_ref",
                self.prospects.ids,
                {"value": 1, "external_ref": too_long},
            ),
        ]
        for name, ids, kwargs in cases:
            with (
                self.subTest(name=name, ids=ids[:2], kwargs=str(kwargs)[:60]),
                self.assertRaises(ValidationError) as caught,
            ):
                self._call(self.salesperson, ids, **kwargs)
            self.assertTrue(str(caught.exception).startswith(f"{name}:"), caught)
        self.assertFalse(self.prospects.checkin_ids)
        # the longest reference allowed is taken as it is
        longest = "é" * EXTERNAL_REF_MAX_LENGTH
        answer = self._call(
            self.salesperson, self.prospects.ids, value=1, external_ref=longest
        )
        self.assertEqual(answer["external_ref"], longest)
        # and the form's path is bounded too: no database text
        for confidence in (10**29, 1e29):
            with self.assertRaises(ValidationError):
                self.env["okr.checkin"].with_user(self.salesperson).create(
                    {
                        "key_result_id": self.prospects.id,
                        "value": 1,
                        "confidence": confidence,
                    }
                )
        with self.assertRaises(ValidationError):
            self.env["okr.checkin"].with_user(self.salesperson).create(
                {
                    "key_result_id": self.prospects.id,
                    "value": 1,
                    "external_ref": too_long,
                }
            )

    def test_a_reference_of_another_user_is_a_conflict(self):
        """Finding 10: the OKR manager replaying Lan's reference got her
        answer (her value, her check-in) and his value was dropped."""
        first = self._call(
            self.salesperson, self.prospects.ids, value=20, external_ref="lan-1"
        )
        with self.assertRaises(ExternalRefConflict) as caught:
            self._call(
                self.director, self.prospects.ids, value=45, external_ref="lan-1"
            )
        self.assertEqual(caught.exception.http_status, 409)
        message = str(caught.exception)
        self.assertNotIn("20", message)
        self.assertNotIn(str(first["checkin_id"]), message)
        self.assertNotIn(self.salesperson.name, message)
        self.assertEqual(len(self.prospects.checkin_ids), 1)
        self.assertEqual(self.prospects.current_value, 20.0)
        # who may not check in there learns nothing either: refused as ever
        with self.assertRaises(AccessError):
            self._call(
                self.colleague, self.prospects.ids, value=5, external_ref="lan-1"
            )
        # Lan's own retry still gets her first answer
        again = self._call(
            self.salesperson, self.prospects.ids, value=20, external_ref="lan-1"
        )
        self.assertEqual(again, first)
