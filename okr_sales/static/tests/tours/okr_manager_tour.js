/**
 * A manager's round: OKRs, the objectives at risk, one of them, a new key
 * result added to it, its value, then the alignment tree. tests/test_ui_tours.py
 * passes the objective's name and the key result to add, and checks the key
 * result in the database.
 *
 * Today a key result is added as a row of the objective's Key Results tab
 * (addKeyResultRow); the dialog with a preset picker replaces that step.
 *
 * Params (tourParams): at_risk (the filter's label), objective, key_result
 * ({name, target}).
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import {
    ensureFilter,
    keyResultRowCell,
    openApp,
    openFormTab,
    openMenu,
    tourParams,
} from "@okr_sales/../tests/tours/okr_tour_utils";

/** Add a key result as a row of the objective's Key Results tab. */
function addKeyResultRow({ name, target }) {
    return [
        {
            content: "add a key result line",
            trigger: '.o_field_widget[name="key_result_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            content: "name it",
            trigger: '.o_field_widget[name="key_result_ids"] .o_selected_row td[name="name"] input',
            run: `edit ${name}`,
        },
        {
            content: "set its target",
            trigger:
                '.o_field_widget[name="key_result_ids"] .o_selected_row td[name="target_value"] input',
            run: `edit ${target}`,
        },
    ];
}

registry.category("web_tour.tours").add("okr_sales_manager", {
    url: "/odoo",
    steps: () => {
        const { at_risk, objective, key_result } = tourParams();
        return [
            ...openApp("okr_sales.okr_menu_root"),
            {
                content: "the objectives are shown",
                trigger: ".o_kanban_view .o_kanban_record",
            },
            ...ensureFilter(at_risk),
            {
                content: "open an objective at risk",
                trigger: `.o_kanban_view .o_kanban_record:contains("${objective}")`,
                run: "click",
            },
            ...openFormTab("key_results"),
            ...addKeyResultRow(key_result),
            ...stepUtils.saveForm(),
            {
                content: "the new key result shows its value",
                trigger: keyResultRowCell(key_result.name, "current_value"),
            },
            ...openMenu("okr_sales.okr_menu_alignment"),
            {
                content: "the objective is in the alignment tree",
                trigger: `.o_hierarchy_view .o_hierarchy_node:contains("${objective}")`,
            },
        ];
    },
});
