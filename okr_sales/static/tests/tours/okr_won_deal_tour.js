/**
 * A salesperson wins a deal and sees her revenue key result move: she reads
 * its value in *My OKRs*, marks her open opportunity won, finds the key result
 * in the deal's OKRs tab, and reads the new value in *My OKRs*. The tour fails
 * if the value shown did not change; tests/test_ui_tours.py checks in the
 * database that it rose by exactly the deal's expected revenue.
 *
 * Params (tourParams): lead, objective, key_result (names as she reads them),
 * my_okrs (the filter's label).
 */
import { registry } from "@web/core/registry";
import {
    ensureFilter,
    keyResultRowCell,
    openApp,
    openFormTab,
    openMenu,
    recall,
    remember,
    textOf,
    tourParams,
} from "@okr_sales/../tests/tours/okr_tour_utils";

/** From the CRM app: My OKRs, her objective, the key result's row. */
function openMyObjective({ objective, my_okrs }) {
    return [
        ...openMenu("okr_sales.okr_menu_crm"),
        {
            content: "the objectives are shown",
            trigger: `.o_kanban_view .o_kanban_record:contains("${objective}")`,
        },
        ...ensureFilter(my_okrs),
        {
            content: "open her objective",
            trigger: `.o_kanban_record:contains("${objective}")`,
            run: "click",
        },
        ...openFormTab("key_results"),
    ];
}

registry.category("web_tour.tours").add("okr_sales_won_deal", {
    url: "/odoo",
    steps: () => {
        const params = tourParams();
        const valueCell = keyResultRowCell(params.key_result, "current_value");
        return [
            ...openApp("crm.crm_menu_root"),
            ...openMyObjective(params),
            {
                content: "read the key result's value before the deal",
                trigger: valueCell,
                run() {
                    remember("before", textOf(this.anchor));
                },
            },
            ...openMenu("crm.menu_crm_opportunities", "crm.crm_menu_sales"),
            {
                content: "open her opportunity",
                trigger: `.o_kanban_record:contains("${params.lead}")`,
                run: "click",
            },
            {
                content: "mark it won",
                trigger: '.o_form_view .o_statusbar_buttons button[name="action_set_won_rainbowman"]',
                run: "click",
            },
            {
                content: "the deal is won",
                trigger: ".o_form_view .o_form_saved .ribbon span.text-bg-success",
            },
            ...openFormTab("okr"),
            {
                content: "the deal's OKRs tab lists the key result",
                trigger: `.o_field_widget[name="okr_contribution_ids"] .o_data_row:contains("${params.key_result}")`,
            },
            ...openMyObjective(params),
            {
                content: "the key result moved",
                trigger: valueCell,
                run() {
                    const before = recall("before");
                    const after = textOf(this.anchor);
                    if (!before || after === before) {
                        throw new Error(`the key result did not move: ${before} -> ${after}`);
                    }
                },
            },
        ];
    },
});
