/**
 * A salesperson wins a deal and sees her revenue key result move: in her
 * pipeline, her panel shows the key result; she opens her opportunity, marks
 * it won, reads the notification of what it moved, finds the key result in
 * the deal's OKRs tab, sees the panel move back in the pipeline, and follows
 * it to *My OKRs*, where her objective shows the new value. The tour fails if
 * the key result did not move; tests/test_ui_tours.py passes the notification
 * and the progress it expects (a hand count) and checks in the database that
 * the value rose by exactly the deal's expected revenue.
 *
 * Params (tourParams): lead, objective, key_result (names as she reads
 * them), key_result_id, notification (the line expected, e.g. "Revenue of
 * 15 bn VND: +3.2B ₫ → 57%"), progress (the panel's after the win, e.g.
 * "57%").
 */
import { registry } from "@web/core/registry";
import {
    keyResultRowCell,
    openApp,
    openFormTab,
    openPipelinePanel,
    recall,
    remember,
    textOf,
    tourParams,
} from "@okr_sales/../tests/tours/okr_tour_utils";

/** Spaces as the user reads them (figures keep their number and unit
 * together with a no-break space). */
function plain(text) {
    return text.replace(/\s+/g, " ").trim();
}

registry.category("web_tour.tours").add("okr_sales_won_deal", {
    url: "/odoo",
    steps: () => {
        const params = tourParams();
        const panelKeyResult = `.o_okr_pipeline_panel .o_okr_pipeline_panel_kr[data-key-result-id="${params.key_result_id}"]`;
        return [
            ...openApp("crm.crm_menu_root"),
            ...openPipelinePanel(),
            {
                content: "read the key result's value in the panel before the deal",
                trigger: `${panelKeyResult} .o_okr_pipeline_panel_kr_value`,
                run() {
                    remember("before", textOf(this.anchor));
                },
            },
            {
                content: "the panel names the key result",
                trigger: `${panelKeyResult}:contains("${params.key_result}")`,
            },
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
            {
                content: "a notification at the foot of the screen, clear of the panel, says which key result the deal moved",
                trigger: `.o_okr_won_notices .o_notification .o_notification_content:contains("${params.key_result}")`,
                run() {
                    const text = plain(textOf(this.anchor));
                    if (!text.includes(plain(params.notification))) {
                        throw new Error(
                            `the notification reads "${text}", not "${params.notification}"`
                        );
                    }
                },
            },
            ...openFormTab("okr"),
            {
                content: "the deal's OKRs tab lists the key result",
                trigger: `.o_field_widget[name="okr_contribution_ids"] .o_data_row:contains("${params.key_result}")`,
            },
            {
                content: "back to her pipeline",
                trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a",
                run: "click",
            },
            ...openPipelinePanel(),
            {
                content: "the panel shows the key result moved",
                trigger: `${panelKeyResult} .o_okr_pipeline_panel_kr_progress:contains("${params.progress}")`,
                run() {
                    const value = this.anchor
                        .closest(".o_okr_pipeline_panel_kr")
                        .querySelector(".o_okr_pipeline_panel_kr_value");
                    const before = recall("before");
                    if (!before || textOf(value) === before) {
                        throw new Error(`the panel did not move: ${before} -> ${textOf(value)}`);
                    }
                    remember("after", textOf(value));
                },
            },
            {
                content: "from the panel to My OKRs",
                trigger: ".o_okr_pipeline_panel .o_okr_pipeline_panel_my_okrs",
                run: "click",
            },
            {
                content: "open her objective",
                trigger: `.o_kanban_view .o_kanban_record:contains("${params.objective}")`,
                run: "click",
            },
            ...openFormTab("key_results"),
            {
                content: "the objective shows the key result's new value",
                trigger: keyResultRowCell(params.key_result, "value_display"),
                run() {
                    const shown = textOf(this.anchor);
                    if (shown !== recall("after") || shown === recall("before")) {
                        throw new Error(
                            `the key result shows ${shown}: before ${recall(
                                "before"
                            )}, in the panel ${recall("after")}`
                        );
                    }
                },
            },
        ];
    },
});
