import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

from .common import require_demo

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
