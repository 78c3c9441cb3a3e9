/**
 * A salesperson on a 390 px phone: the deal's OKRs tab shows each key result
 * as a card whose whole name reads; the OKR app lands on her own objectives
 * (one column, hers, no empty "Company" column first); her pipeline opens
 * with the panel folded, the deals first, and unfolds to whole names.
 *
 * Params (tourParams): key_result (a key result her won deal counts in),
 * objective (one of her objectives of the current period).
 */
import { registry } from "@web/core/registry";
import { textOf, tourParams } from "@okr_sales/../tests/tours/okr_tour_utils";

/** Go to ``path`` as a link followed on the phone would (its app menu is a
 * burger, the desktop's app switcher is not there). */
function goTo(path, content) {
    return {
        content,
        trigger: "body",
        run() {
            window.location.assign(path);
        },
        expectUnloadPage: true,
    };
}

/** The innermost element of ``root`` whose text holds ``text``. */
function innermostWith(root, text) {
    let found = root;
    for (const element of root.querySelectorAll("*")) {
        if (element.textContent.includes(text)) {
            found = element;
        }
    }
    return found;
}

/** Throws if ``element``'s text is cut (ellipsis or hidden overflow). */
function assertWhole(element, what) {
    if (element.scrollWidth > element.clientWidth + 1) {
        throw new Error(`${what} is cut: "${textOf(element)}"`);
    }
}

registry.category("web_tour.tours").add("okr_sales_phone", {
    steps: () => {
        const params = tourParams();
        return [
            {
                content: "the deal's OKRs tab is there",
                trigger: '.o_notebook_headers a.nav-link[name="okr"]',
                run: "click",
            },
            {
                content: "each key result is a card with its whole name",
                trigger: `.o_field_widget[name="okr_contribution_ids"] .o_kanban_record:contains("${params.key_result}")`,
                run() {
                    assertWhole(innermostWith(this.anchor, params.key_result), "the key result's name");
                },
            },
            {
                content: "a phone that never folded the panel: forget what a desktop did",
                trigger: "body",
                run() {
                    localStorage.removeItem("okr_sales.pipeline_panel.collapsed");
                },
            },
            goTo("/odoo/action-okr_sales.okr_objective_action_home", "open the OKR app"),
            {
                content: "she lands on her own objectives",
                trigger: `.o_kanban_view .o_kanban_record:contains("${params.objective}")`,
                run() {
                    const groups = document.querySelectorAll(".o_kanban_view .o_kanban_group");
                    const first = groups[0];
                    if (!first || !first.contains(this.anchor)) {
                        throw new Error("her objectives are not in the first column");
                    }
                    for (const group of groups) {
                        if (!group.querySelector(".o_kanban_record")) {
                            throw new Error(`an empty column: ${textOf(group)}`);
                        }
                    }
                },
            },
            {
                content: "the objective's card names it whole",
                trigger: `.o_kanban_view .o_kanban_record:contains("${params.objective}")`,
                run: "click",
            },
            {
                content: "its title wraps: the whole name reads",
                trigger: '.o_form_view .oe_title [name="name"]',
                run() {
                    const field = this.anchor.querySelector("textarea, span") || this.anchor;
                    assertWhole(field, "the objective's title");
                },
            },
            goTo("/odoo/action-crm.crm_lead_action_pipeline", "open her pipeline"),
            {
                content: "the pipeline opens with the panel folded: the deals first",
                trigger: ".o_kanban_view .o_okr_pipeline_panel.o_okr_pipeline_panel_collapsed",
            },
            {
                content: "unfold it",
                trigger: ".o_okr_pipeline_panel .o_okr_pipeline_panel_toggle",
                run: "click",
            },
            {
                content: "her key results, one a line, their names whole",
                trigger: ".o_okr_pipeline_panel .o_okr_pipeline_panel_kr",
                run() {
                    for (const name of document.querySelectorAll(
                        ".o_okr_pipeline_panel_kr_name"
                    )) {
                        assertWhole(name, "a key result's name in the panel");
                    }
                },
            },
        ];
    },
});
