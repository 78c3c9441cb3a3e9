/**
 * A manager's round: OKRs (which open on her own OKRs of the period), all the
 * objectives at risk, one of them, an automatic key result added to it from
 * a preset in the key result's dialog, its value, then the alignment tree.
 * tests/test_ui_tours.py passes the objective's name, the preset and the key
 * result to add, and the value its records give (a hand count); it checks
 * the key result in the database.
 *
 * Params (tourParams): my_okrs, current_period, at_risk (the filters'
 * labels), objective, preset ({name, description}), key_result ({name,
 * target, value: what its value shows, e.g. "11.1B"}).
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import {
    ensureFilter,
    ensureFilterOff,
    keyResultRowCell,
    openApp,
    openFormTab,
    openMenu,
    textOf,
    tourParams,
} from "@okr_sales/../tests/tours/okr_tour_utils";

/** Add an automatic key result from a preset, in the key result's dialog. */
function addKeyResultFromPreset(preset, { name, target }) {
    return [
        {
            content: "add a key result",
            trigger: '.o_field_widget[name="key_result_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            content: "its form opens in a dialog",
            trigger: '.modal .o_form_view .o_field_widget[name="source"]',
        },
        {
            content: "it counts records automatically",
            trigger: '.modal .o_field_widget[name="source"] input[data-value="automatic"]',
            run: "click",
        },
        {
            content: "open the preset picker",
            trigger: '.modal .o_field_widget[name="preset_id"] .o_select_menu_toggler',
            run: "click",
        },
        {
            content: `pick the preset ${preset.name}`,
            trigger: `.o_select_menu_menu .o_select_menu_item:contains("${preset.name}")`,
            async run({ click, queryAll }) {
                // by its whole name: "Won revenue" is in "B2B won revenue" too
                const item = queryAll(".o_select_menu_menu .o_select_menu_item").find(
                    (element) => textOf(element) === preset.name
                );
                if (!item) {
                    throw new Error(`no preset named ${preset.name} in the picker`);
                }
                await click(item);
            },
        },
        {
            content: "the preset says what it counts",
            trigger: `.modal .o_field_widget[name="preset_description"]:contains("${preset.description}")`,
        },
        {
            content: "the key result is named after the preset",
            trigger: '.modal .o_field_widget[name="name"] textarea',
            run() {
                if (this.anchor.value !== preset.name) {
                    throw new Error(`named "${this.anchor.value}", not after the preset`);
                }
            },
        },
        {
            content: "name it",
            trigger: '.modal .o_field_widget[name="name"] textarea',
            run: `edit ${name}`,
        },
        {
            content: "set its target",
            trigger: '.modal .o_field_widget[name="target_value"] input',
            run: `edit ${target}`,
        },
        {
            content: "keep it",
            trigger: ".modal .o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "the dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "the key result is a line of the objective",
            trigger: keyResultRowCell(name, "value_display"),
        },
    ];
}

registry.category("web_tour.tours").add("okr_sales_manager", {
    url: "/odoo",
    steps: () => {
        const { my_okrs, current_period, at_risk, objective, preset, key_result } =
            tourParams();
        const card = `.o_kanban_view .o_kanban_record:contains("${objective}")`;
        return [
            ...openApp("okr_sales.okr_menu_root"),
            {
                content: "the objectives are shown",
                trigger: ".o_kanban_view .o_kanban_renderer",
            },
            // All the objectives at risk, not only hers. Current Period is
            // in At Risk's group of filters, which Odoo joins with "or".
            ...ensureFilterOff(my_okrs),
            ...ensureFilterOff(current_period),
            ...ensureFilter(at_risk),
            {
                content: "open an objective at risk",
                trigger: card,
                run: "click",
            },
            ...openFormTab("key_results"),
            ...addKeyResultFromPreset(preset, key_result),
            ...stepUtils.saveForm(),
            // Its records are counted when the objective is saved: read again.
            {
                content: "back to the objectives",
                trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a",
                run: "click",
            },
            {
                content: "open the objective again",
                trigger: card,
                run: "click",
            },
            ...openFormTab("key_results"),
            {
                content: "the new key result shows the value of its records",
                trigger: `${keyResultRowCell(key_result.name, "value_display")}:contains("${key_result.value}")`,
            },
            ...openMenu("okr_sales.okr_menu_alignment"),
            {
                content: "the objective is in the alignment tree",
                trigger: `.o_hierarchy_view .o_hierarchy_node:contains("${objective}")`,
            },
        ];
    },
});
