from datetime import date

from freezegun import freeze_time

from .common import OkrCase

LEVELS = ["company", "department", "team", "individual"]


class TestNaturalOrder(OkrCase):
    """Pivots and graphs list levels from the company down and statuses from
    the worst up, not alphabetically."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One objective per level, in an order that is neither alphabetical
        # nor natural; one key result each, of a known status on 1 July:
        # 50% expected, so 10 is off track, 40 at risk, 50 on track, 100
        # achieved; an ended quarter missed.
        cls.objectives = cls.env["okr.objective"]
        for level, value in (
            ("team", 40.0),
            ("individual", 10.0),
            ("company", 100.0),
            ("department", 50.0),
        ):
            objective = cls._new_objective(
                name=f"{level} objective",
                level=level,
                user_id=cls.director.id,
                date_start=date(2026, 1, 1),
                date_end=date(2026, 12, 31),
            )
            cls._check_in(cls._new_key_result(objective), value)
            cls.objectives |= objective
        ended = cls._new_objective(
            name="Q1 objective",
            level="team",
            user_id=cls.director.id,
            date_start=date(2026, 1, 1),
            date_end=date(2026, 3, 31),
        )
        cls._check_in(cls._new_key_result(ended), 20.0)
        cls.objectives |= ended

    def _statuses_on_july_first(self, model):
        records = self.env[model].search(
            [("id", "in", self.objectives.ids)]
            if model == "okr.objective"
            else [("objective_id", "in", self.objectives.ids)]
        )
        with freeze_time(date(2026, 7, 1)):
            self.env.add_to_compute(records._fields["status"], records)
            records.flush_recordset(["status"])
        return records

    def test_pivot_rows_by_level_from_the_company_down(self):
        for model, domain in (
            ("okr.objective", [("id", "in", self.objectives.ids)]),
            ("okr.key.result", [("objective_id", "in", self.objectives.ids)]),
        ):
            # as the pivot asks: one grouping set per header
            (groups,) = self.env[model].formatted_read_grouping_sets(
                domain, [["level"]], ["__count"]
            )
            self.assertEqual([group["level"] for group in groups], LEVELS, model)
            groups = self.env[model].formatted_read_group(
                domain, ["level"], ["__count"]
            )
            self.assertEqual([group["level"] for group in groups], LEVELS, model)
            # and the other way round when asked
            groups = self.env[model].formatted_read_group(
                domain, ["level"], ["__count"], order="level desc"
            )
            self.assertEqual([group["level"] for group in groups], LEVELS[::-1], model)

    def test_pivot_columns_by_status_from_the_worst_up(self):
        key_results = self._statuses_on_july_first("okr.key.result")
        # the statuses a hand count gives on 1 July
        self.assertEqual(
            sorted(key_results.mapped("status")),
            sorted(["at_risk", "off_track", "achieved", "on_track", "missed"]),
        )
        expected = ["missed", "off_track", "at_risk", "on_track", "achieved"]
        domain = [("id", "in", key_results.ids)]
        (rows, cells) = self.env["okr.key.result"].formatted_read_grouping_sets(
            domain, [["level"], ["level", "status"]], ["progress:avg"]
        )
        self.assertEqual([row["level"] for row in rows], LEVELS)
        self.assertEqual(
            [(cell["level"], cell["status"]) for cell in cells],
            [
                ("company", "achieved"),
                ("department", "on_track"),
                ("team", "missed"),
                ("team", "at_risk"),
                ("individual", "off_track"),
            ],
        )
        groups = self.env["okr.key.result"].formatted_read_group(
            domain, ["status"], ["__count"]
        )
        self.assertEqual([group["status"] for group in groups], expected)

    def test_a_list_sorted_by_level_or_status(self):
        key_results = self._statuses_on_july_first("okr.key.result")
        domain = [("id", "in", key_results.ids)]
        ordered = self.env["okr.key.result"].search(domain, order="status, id")
        self.assertEqual(
            ordered.mapped("status"),
            ["missed", "off_track", "at_risk", "on_track", "achieved"],
        )
        ordered = self.env["okr.objective"].search(
            [("id", "in", self.objectives.ids)], order="level desc, id"
        )
        self.assertEqual(
            ordered.mapped("level"),
            ["individual", "team", "team", "department", "company"],
        )
