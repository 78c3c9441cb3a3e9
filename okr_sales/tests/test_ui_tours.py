"""Browser tours (static/tests/tours): the demo's people use the screens in
headless Chromium, and the database is checked afterwards.

They need the demo data (``make test`` installs it), Chromium and the
``websocket-client`` package. Without a browser they are skipped locally and
fail in CI (``CI=true``): a green CI run has always run them.
"""

import json
import os
import shutil
import unittest
from datetime import timedelta
from unittest.mock import patch

import polib

from odoo.modules.module import get_module_path
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from .common import require_demo, skip_or_fail

# Where Odoo's HttpCase looks for a browser (odoo.tests.common._find_executable).
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
# localStorage key the tours read their parameters from (okr_tour_utils.js).
PARAMS_KEY = "okr_sales.tour_params"
# The addons whose screens the tours walk through, and their language.
ADDONS = ("okr_sales", "okr_sales_helpdesk", "okr_sales_survey", "okr_sales_sale")
LANG = "vi_VN"


def browser_missing():
    """Why the tours cannot run here, or None."""
    try:
        import websocket  # noqa: F401, PLC0415 (only the tours need it)
    except ImportError:
        return "the Python package websocket-client is not installed"
    path = os.environ.get("ODOO_BROWSER_BIN")
    if path and os.path.exists(path):
        return None
    if any(shutil.which(name) for name in BROWSERS):
        return None
    return "no Chromium found (Debian: apt-get install chromium)"


def translated_english_terms(modules):
    """The English source strings of the addons' vi.po that read differently
    in Vietnamese: none of them may show on a Vietnamese screen."""
    terms = set()
    for module in modules:
        for entry in polib.pofile(f"{get_module_path(module)}/i18n/{LANG[:2]}.po"):
            if entry.obsolete or entry.fuzzy or not entry.msgstr:
                continue
            if entry.msgstr.strip() != entry.msgid.strip():
                terms.add(" ".join(entry.msgid.split()))
    return sorted(terms)


def no_browser(reason):
    """Skip the tour, or fail it under CI (``skip_or_fail``)."""
    skip_or_fail(f"browser tours cannot run: {reason}")


class OkrTourCase(HttpCase):
    """Runs a tour as a demo user; a tour that cannot start fails under CI."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The tours walk through the demo data.
        require_demo(cls.env)
        cls.lan = cls.env.ref("okr_sales.okr_user_lan")

    def setUp(self):
        super().setUp()
        reason = browser_missing()
        if reason:
            no_browser(reason)

    def _new_manual_key_result(self):
        """A manual key result of hers (the demo's become automatic with the
        bridges), added by her manager."""
        key_result = self.env["okr.key.result"].create(
            {
                "objective_id": self.env.ref(
                    "okr_sales.okr_objective_lan_relationships"
                ).id,
                "name": "Visit 12 key accounts in person",
                "user_id": self.lan.id,
                "source": "manual",
                "unit": "number",
                "baseline_value": 0,
                "target_value": 12,
            }
        )
        return key_result

    def start_okr_tour(self, url_path, tour_name, login, **params):
        """Odoo's start_tour, with ``params`` handed to the tour (tourParams()
        in okr_tour_utils.js) through localStorage before it starts."""
        # The ready code runs in a try block until it yields true.
        stored = json.dumps(json.dumps(params))
        ready = (
            f"localStorage.setItem({json.dumps(PARAMS_KEY)}, {stored}); "
            f"odoo.isTourReady({json.dumps(tour_name)})"
        )
        try:
            self.start_tour(url_path, tour_name, login=login, ready=ready)
        except unittest.SkipTest as skip:
            # Odoo skips when Chromium does not start or answer.
            no_browser(str(skip))
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestManagerTour(OkrTourCase):
    def test_manager_adds_an_automatic_key_result_to_an_objective_at_risk(self):
        objective = self.env["okr.objective"].search(
            [("status", "in", ("at_risk", "off_track")), ("level", "=", "department")],
            order="id",
            limit=1,
        )
        self.assertTrue(objective, "the demo has objectives at risk")
        self.assertNotEqual(objective.user_id, self.env.ref("base.user_admin"))
        preset = self.env.ref("okr_sales.okr_preset_won_revenue")
        before = objective.key_result_ids
        # What the preset counts for a department's objective, by hand: the
        # expected revenue of the company's deals won in the objective's
        # period (the demo's one currency).
        won = (
            self.env["crm.lead"]
            .search(
                [
                    ("won_status", "=", "won"),
                    ("company_id", "=", objective.company_id.id),
                ]
            )
            .filtered(
                lambda lead: (
                    objective.date_start
                    <= lead.date_closed.date()
                    <= objective.date_end
                )
            )
        )
        self.assertGreater(len(won), 1)
        self.assertEqual(won.company_currency, objective.company_id.currency_id)
        revenue = sum(won.mapped("expected_revenue"))
        # as the objective's tab shows it: three digits, in billions
        self.assertGreater(revenue, 1e10)
        shown = f"{revenue / 1e9:.3g}B"

        self.start_okr_tour(
            "/odoo",
            "okr_sales_manager",
            "admin",
            my_okrs="My OKRs",
            current_period="Current Period",
            at_risk="At Risk",
            objective=objective.name,
            preset={"name": preset.name, "description": preset.description},
            key_result={
                "name": "Company revenue won this year",
                "target": 20_000_000_000,
                "value": shown,
            },
        )
        key_result = objective.key_result_ids - before
        self.assertEqual(len(key_result), 1)
        self.assertEqual(key_result.name, "Company revenue won this year")
        self.assertEqual(key_result.preset_id, preset)
        self.assertEqual(key_result.source, "automatic")
        self.assertEqual(key_result.scope, "company")
        self.assertEqual(key_result.user_id, objective.user_id)
        self.assertEqual(key_result.target_value, 20_000_000_000)
        self.assertEqual(key_result.current_value, revenue)
        self.assertEqual(key_result.contribution_count, len(won))


@tagged("post_install", "-at_install")
class TestCheckinTour(OkrTourCase):
    def test_salesperson_checks_in_on_a_manual_key_result(self):
        key_result = self._new_manual_key_result()
        self.start_okr_tour(
            "/odoo",
            "okr_sales_checkin",
            "lan",
            key_result=key_result.name,
            value=7,
            confidence=8,
            comment="Thép Việt Hưng and Kinh Bắc visited this week",
        )
        checkin = key_result.checkin_ids
        self.assertEqual(len(checkin), 1)
        self.assertEqual(checkin.user_id, self.lan)
        self.assertEqual(checkin.value, 7)
        self.assertEqual(checkin.confidence, 8)
        self.assertEqual(
            checkin.comment, "Thép Việt Hưng and Kinh Bắc visited this week"
        )
        self.assertEqual(key_result.current_value, 7)
        self.assertEqual(key_result.last_confidence, 8)


@tagged("post_install", "-at_install")
class TestWonDealTour(OkrTourCase):
    def test_salesperson_wins_a_deal_and_sees_her_key_result_move(self):
        lead = self.env.ref("okr_sales.okr_demo_lead_lan_open_1")
        key_result = self.env.ref("okr_sales.okr_kr_lan_revenue")
        self.assertEqual(lead.user_id, self.lan)
        self.assertEqual(lead.won_status, "pending")
        # What the deal adds, by hand: its expected revenue, in the company's
        # currency, which is the key result's (the demo's dong).
        self.assertEqual(lead.company_currency, key_result.currency_id)
        self.assertEqual(lead.expected_revenue, 3_200_000_000)
        expected = key_result.current_value + 3_200_000_000
        # Its progress then, by hand: the share of the way from baseline to
        # target, as the notification and her panel round it (at most
        # 100%: in December the demo's Lan passes her target with it).
        progress = min(
            100,
            round(
                100
                * (expected - key_result.baseline_value)
                / (key_result.target_value - key_result.baseline_value)
            ),
        )
        self.assertGreaterEqual(progress, round(key_result.progress))

        self.start_okr_tour(
            "/odoo",
            "okr_sales_won_deal",
            "lan",
            lead=lead.name,
            objective=key_result.objective_id.name,
            key_result=key_result.name,
            key_result_id=key_result.id,
            notification=f"{key_result.name}: +3.2B ₫ → {progress}%",
            progress=f"{progress}%",
        )
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(key_result.current_value, expected)
        self.assertIn(key_result, lead.okr_contribution_ids.key_result_id)


@tagged("post_install", "-at_install")
class TestPeriodCloseTour(OkrTourCase):
    def test_okr_manager_closes_a_quarter_and_starts_the_next(self):
        mai = self.env.ref("okr_sales.okr_user_director")
        self.assertTrue(mai._okr_is_manager())
        self.assertFalse(mai._is_superuser())
        quarter = self.env.ref("okr_sales.okr_objective_q2")
        revenue = self.env.ref("okr_sales.okr_kr_q2_revenue")
        # A second key result, three times as heavy, checked in at half way.
        accounts = self.env["okr.key.result"].create(
            {
                "objective_id": quarter.id,
                "name": "Win 10 new key accounts",
                "source": "manual",
                "unit": "number",
                "baseline_value": 0,
                "target_value": 10,
                "weight": 3.0,
            }
        )
        self.env["okr.checkin"].create(
            {"key_result_id": accounts.id, "value": 5, "date": quarter.date_end}
        )
        # Another company's objective of the same quarter: not hers to close.
        other_company = self.env["res.company"].create({"name": "OKR Branch"})
        branch_director = new_test_user(
            self.env,
            login="okr_branch_director",
            groups="base.group_user,sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        elsewhere = (
            self.env["okr.objective"]
            .with_company(other_company)
            .create(
                {
                    "name": "Q2: the branch's goal",
                    "level": "company",
                    "company_id": other_company.id,
                    "user_id": branch_director.id,
                    "period_type": "custom",
                    "date_start": quarter.date_start,
                    "date_end": quarter.date_end,
                }
            )
        )
        # The scores by hand: the share of the way to the target, 0 to 1,
        # and the objective's weighted by the key results' weights.
        revenue_score = round(
            (revenue.current_value - revenue.baseline_value)
            / (revenue.target_value - revenue.baseline_value),
            2,
        )
        self.assertAlmostEqual(revenue_score, 0.9)
        score = round(
            (revenue_score * revenue.weight + 0.5 * 3) / (revenue.weight + 3), 2
        )
        lang = self.env["res.lang"]._get_data(code=mai.lang or "en_US")

        self.start_okr_tour(
            "/odoo",
            "okr_sales_period_close",
            "mai",
            date_start=quarter.date_start.strftime(lang.date_format),
            date_end=quarter.date_end.strftime(lang.date_format),
            next_date_start=(quarter.date_end + timedelta(days=1)).strftime(
                lang.date_format
            ),
            objectives=[quarter.name],
            objective=quarter.name,
        )
        self.assertFalse(quarter.active)
        self.assertAlmostEqual(revenue.closing_score, revenue_score)
        self.assertAlmostEqual(accounts.closing_score, 0.5)
        self.assertAlmostEqual(quarter.closing_score, score)
        # Nothing else closed: not the other quarters, not the branch's.
        for xmlid in ("okr_objective_q1", "okr_objective_q3", "okr_objective_company"):
            self.assertTrue(self.env.ref(f"okr_sales.{xmlid}").active, xmlid)
        self.assertTrue(elsewhere.active)
        self.assertFalse(elsewhere.closing_score)
        # the next quarter started: the objective again, its key results,
        # the three months after
        started = self.env["okr.objective"].search(
            [
                ("name", "=", quarter.name),
                ("date_start", "=", quarter.date_end + timedelta(days=1)),
            ]
        )
        self.assertEqual(len(started), 1)
        self.assertTrue(started.active)
        self.assertFalse(started.closing_score)
        self.assertEqual(
            sorted(started.key_result_ids.mapped("name")),
            sorted([revenue.name, accounts.name]),
        )


@tagged("post_install", "-at_install")
class TestPhoneTour(OkrTourCase):
    browser_size = "390x844"
    touch_enabled = True

    def test_salesperson_on_a_phone_reads_whole_names(self):
        deal = self.env.ref("okr_sales.okr_demo_lead_lan_won_thep")
        self.assertEqual(deal.user_id, self.lan)
        key_result = self.env.ref("okr_sales.okr_kr_lan_revenue")
        self.assertIn(key_result, deal.okr_contribution_ids.key_result_id)
        objective = key_result.objective_id
        self.assertEqual(objective.user_id, self.lan)
        self.start_okr_tour(
            f"/odoo/action-crm.crm_lead_action_pipeline/{deal.id}",
            "okr_sales_phone",
            "lan",
            key_result=key_result.name,
            objective=objective.name,
        )


@tagged("post_install", "-at_install")
class TestViTour(OkrTourCase):
    def test_salesperson_in_vi_reads_no_english_label(self):
        modules = self.env["ir.module.module"].search([("state", "=", "installed")])
        self.env["res.lang"]._activate_lang(LANG)
        # Odoo's own terms too: the screens mix theirs and ours.
        self.env["ir.module.module"]._load_module_terms(modules.mapped("name"), [LANG])
        self.lan.lang = LANG
        addons = [name for name in ADDONS if name in modules.mapped("name")]
        terms = translated_english_terms(addons)
        # The check is only as good as the list: the labels of these screens.
        self.assertTrue(
            {"Objectives", "Key Results", "At Risk", "Progress"} <= set(terms)
        )
        vi = self.env(context={"lang": LANG})
        key_result = vi.ref("okr_sales.okr_kr_lan_revenue")
        # an open deal of hers, which she wins in the tour
        lead = self.env.ref("okr_sales.okr_demo_lead_lan_open_1")
        self.assertEqual(lead.won_status, "pending")
        self.assertEqual(lead.expected_revenue, 3_200_000_000)
        expected = key_result.current_value + 3_200_000_000
        manual = self._new_manual_key_result()
        manual.with_context(lang=LANG).name = "Gặp trực tiếp 12 khách hàng lớn"

        self.start_okr_tour(
            "/odoo",
            "okr_sales_vietnamese",
            "lan",
            terms=terms,
            key_result=key_result.name,
            manual_key_result=manual.with_context(lang=LANG).name,
            lead=lead.name,
            # the notification's title in English
            won_title=f"Won: {lead.name}",
        )
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(key_result.current_value, expected)
        self.assertIn(key_result, lead.okr_contribution_ids.key_result_id)


@tagged("post_install", "-at_install")
class TestTourPrerequisites(BaseCase):
    """Without Chromium the tours skip on a laptop and fail in CI."""

    def test_a_missing_browser_skips_locally_and_fails_in_ci(self):
        with (
            patch.object(shutil, "which", return_value=None),
            patch.dict(os.environ, {"ODOO_BROWSER_BIN": ""}),
        ):
            reason = browser_missing()
            self.assertIn("apt-get install chromium", reason)
            with patch.dict(os.environ, {"CI": "true"}):
                with self.assertRaisesRegex(AssertionError, "cannot run in CI"):
                    no_browser(reason)
            with patch.dict(os.environ, {"CI": ""}):
                with self.assertRaises(unittest.SkipTest):
                    no_browser(reason)

    def test_the_browser_is_found_here(self):
        reason = browser_missing()
        if reason:
            no_browser(reason)
        self.assertIsNone(browser_missing())
