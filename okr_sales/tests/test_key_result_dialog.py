from odoo.tests import Form, tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestKeyResultDialog(OkrCrmCase):
    """A key result is built from its objective in one place: the objective's
    Key Results tab opens the key result's form in a dialog, with the preset
    picker."""

    def test_manager_adds_an_automatic_key_result_from_a_preset(self):
        preset = self.env.ref("okr_sales.okr_preset_won_revenue")
        # Lan's deals of this year: 3,000 won, 5,000 open (not counted).
        self._new_deal(amount=3000.0).action_set_won()
        self._new_deal(amount=5000.0)
        self._commit_point()
        objective_form = Form(
            self.env["okr.objective"]
            .with_user(self.director)
            .browse(self.my_objective.id)
        )
        with objective_form.key_result_ids.new() as key_result:
            key_result.source = "automatic"
            key_result.preset_id = preset
            # the preset's plain words are shown beside the picker
            self.assertEqual(key_result.preset_description, preset.description)
            self.assertEqual(key_result.name, preset.name)
            self.assertEqual(key_result.measure, preset.measure)
            key_result.target_value = 10000.0
        objective_form.save()
        self._commit_point()
        created = self.my_objective.key_result_ids.filtered(
            lambda kr: kr.preset_id == preset
        )
        self.assertEqual(len(created), 1)
        self.assertEqual(created.source, "automatic")
        self.assertEqual(created.scope, "owner")  # an individual objective's
        self.assertEqual(created.user_id, self.salesperson)
        # counts Lan's won deal (a hand count: one deal of 3,000)
        self.assertEqual(created.current_value, 3000.0)
        self.assertEqual(created.progress, 30.0)

    def test_the_picker_lists_every_preset(self):
        presets = self.env["okr.key.result.preset"].search([])
        self.assertGreaterEqual(len(presets), 12)
        # what the select asks (name_search with its default limit)
        listed = self.env["okr.key.result.preset"].name_search("")
        self.assertEqual({preset_id for preset_id, _name in listed}, set(presets.ids))

    def test_the_objective_tab_opens_a_dialog(self):
        arch = self.env["okr.objective"].get_view(view_type="form")["arch"]
        # a list without editable="..." opens each row in a form dialog
        self.assertIn("okr_from_objective", arch)
        self.assertNotIn('editable="bottom"', arch)
        kr_arch = self.env["okr.key.result"].get_view(view_type="form")["arch"]
        self.assertIn('name="preset_description"', kr_arch)
