import csv
import re

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

from .common import OkrCrmCase, require_demo

# The addons of the repository: every term of those installed is translated.
ADDONS = ("okr_sales", "okr_sales_helpdesk", "okr_sales_survey", "okr_sales_sale")
LANG = "vi_VN"


@tagged("post_install", "-at_install")
class TestVietnamese(TransactionCase):
    """Our users work in Vietnamese: no screen, message or error of the
    addons stays in English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = cls.env["ir.module.module"].search(
            [("name", "in", ADDONS), ("state", "=", "installed")]
        )
        cls.env["res.lang"]._activate_lang(LANG)
        cls.modules._update_translations(LANG)

    def test_every_term_of_the_addons_is_translated(self):
        """Read from the addons' code, views and data as Odoo's export does,
        not from the template: a new string without its translation fails."""
        reader = TranslationModuleReader(
            self.env.cr, self.modules.mapped("name"), lang=LANG
        )
        missing = sorted(
            {
                (module, source)
                for module, _type, _name, _res_id, source, value, _comments in reader
                if source and source.strip() and not value
            }
        )
        # Kept as they are on purpose (OKR, Lead, Q1): Odoo reads a translation
        # equal to its source as none.
        missing = [term for term in missing if term not in self._kept_as_is()]
        self.assertEqual(self.modules.mapped("name").count("okr_sales"), 1)
        self.assertFalse(
            missing,
            f"{len(missing)} term(s) without a Vietnamese translation "
            f"(i18n/vi.po): {missing[:20]}",
        )

    def _kept_as_is(self):
        kept = set()
        for module in self.modules.mapped("name"):
            po = polib.pofile(f"{get_module_path(module)}/i18n/vi.po")
            kept |= {(module, e.msgid) for e in po if e.msgstr == e.msgid}
        return kept

    def test_one_term_per_concept(self):
        """The glossary (okr_sales/i18n/glossary.csv): a text speaking of a
        concept uses its one Vietnamese term (Odoo's own where Odoo has one:
        CRM's "Đạt" for Won), and no text uses a term set aside."""
        with open(
            f"{get_module_path('okr_sales')}/i18n/glossary.csv", encoding="utf-8"
        ) as glossary:
            rows = list(csv.DictReader(glossary))
        terms = [row for row in rows if row["kind"] == "term"]
        avoided = [row["vietnamese"] for row in rows if row["kind"] == "avoid"]
        self.assertTrue(terms and avoided)
        wrong = []
        for module in self.modules.mapped("name"):
            for entry in polib.pofile(f"{get_module_path(module)}/i18n/vi.po"):
                text = entry.msgstr.lower()
                if not text:
                    continue
                for row in terms:
                    if re.search(
                        rf"\b{re.escape(row['english'])}\b", entry.msgid, re.I
                    ) and (row["vietnamese"] not in text):
                        wrong.append((module, entry.msgid[:60], row["vietnamese"]))
                wrong += [
                    (module, entry.msgid[:60], f"not {term}")
                    for term in avoided
                    if term in text
                ]
        self.assertFalse(wrong, f"{len(wrong)} text(s) off the glossary: {wrong[:15]}")

    def test_screens_and_messages_read_in_vietnamese(self):
        env = self.env(context=dict(self.env.context, lang=LANG))
        fields_info = env["okr.key.result"].fields_get(["target_value", "status"])
        self.assertNotEqual(fields_info["target_value"]["string"], "Target")
        statuses = dict(fields_info["status"]["selection"])
        self.assertNotEqual(statuses["on_track"], "On track")
        menu = env.ref("okr_sales.okr_menu_period_close")
        self.assertNotEqual(menu.name, "Close Period")
        message = (
            env["okr.key.result"]._fields["forecast_domain"]._description_string(env)
        )
        self.assertNotEqual(message, "Open Pipeline")

    def test_the_demo_speaks_the_seeds_words(self):
        require_demo(self.env)
        key_result = self.env.ref("okr_sales.okr_kr_dept_b2b_revenue")
        self.assertEqual(
            key_result.with_context(lang=LANG).name,
            "Tăng doanh thu bán hàng B2B lên 450 tỷ đồng",
        )
        self.assertEqual(
            key_result.with_context(lang="en_US").name, "B2B revenue up to 450 bn VND"
        )


# Words an English text of the addons may keep in Vietnamese: borrowed terms.
BORROWED = {"check", "webhook", "sales"}


@tagged("post_install", "-at_install")
class TestVietnameseAtRunTime(OkrCrmCase):
    """The texts the addons write as things happen (the won-deal
    notification, the behind-pace activity, alignment warnings) read in
    the reader's language, with her number format, no English word left."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(LANG)
        cls.env["ir.module.module"].search(
            [("name", "in", ADDONS), ("state", "=", "installed")]
        )._update_translations(LANG)
        cls.salesperson.lang = LANG
        cls.vnd = cls.env.ref("base.VND")
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            name="Doanh thu cá nhân",
            currency_id=cls.vnd.id,
            target_value=15_000_000_000,
        )

    def assertVietnamese(self, render, names=()):
        """``render(env)`` in English and in Vietnamese: they differ, and no
        English word of the first (its record names aside) is in the second."""
        english = render(self.env(context=dict(self.env.context, lang="en_US")))
        vietnamese = render(self.env(context=dict(self.env.context, lang=LANG)))
        self.assertNotEqual(english, vietnamese)
        text = vietnamese
        for name in names:
            english, text = english.replace(name, ""), text.replace(name, "")
        words = {word.lower() for word in re.findall(r"[A-Za-z]{4,}", english)}
        left = {word.lower() for word in re.findall(r"[A-Za-z]{4,}", text)}
        self.assertFalse(left & (words - BORROWED), f"English in {vietnamese!r}")
        return vietnamese

    def test_the_won_deal_notification(self):
        deal = self._new_deal(amount=3_200_000_000)
        moved = {self.revenue.id: (3_200_000_000.0, False)}

        def render(env):
            payload = (
                env["okr.key.result"]
                .with_user(self.salesperson)
                ._okr_won_message([(deal.id, {}, moved)])
            )
            others = env["okr.key.result"]._okr_won_others(5, True)
            return "\n".join([payload["title"], *payload["lines"], others])

        text = self.assertVietnamese(render, names=[deal.name, self.revenue.name])
        # CRM's own word, short money in her format
        self.assertIn(f"Đạt: {deal.name}", text)
        self.assertIn("+3,2 tỷ", text)

    def test_the_behind_pace_activity_and_its_recovery(self):
        self._new_deal(amount=1_000_000_000).action_set_won()
        self.env.cr.flush()
        self.assertTrue(self.revenue.status)
        for reason in ("_okr_behind_reason", "_okr_recovery_reason"):
            text = self.assertVietnamese(
                lambda env, reason=reason: getattr(
                    self.revenue.with_env(env), reason
                )(),
                names=[self.revenue.name],
            )
            self.assertIn("1 tỷ", text)

    def test_alignment_warnings(self):
        team_scoped = self._new_auto_key_result(
            self.my_objective, "won_revenue", name="Team-wide", scope="team"
        )
        text = self.assertVietnamese(
            lambda env: team_scoped.with_env(env).alignment_warning,
            names=[team_scoped.name],
        )
        self.assertIn("cả nhóm kinh doanh", text)
        # a sum whose children aim at more: its figures short, in her format
        self._new_auto_key_result(
            self.team_objective,
            "won_revenue",
            name="Parent",
            scope="team",
            currency_id=self.vnd.id,
            target_value=1_000_000_000,
        ).child_ids = self.revenue
        parent = self.revenue.parent_id
        self.assertTrue(parent)
        text = self.assertVietnamese(
            lambda env: parent.with_env(env).alignment_warning,
            names=[parent.name],
        )
        self.assertIn("15 tỷ", text)
