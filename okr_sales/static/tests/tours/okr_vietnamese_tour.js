/**
 * The salesperson in Vietnamese: the OKR kanban, a key result's form, the
 * check-in dialog, her pipeline's panel, the notification of a deal she wins
 * and the deal's OKRs tab show none of the addons' English source strings. tests/test_ui_tours.py activates vi_VN, loads the terms,
 * sets her language and passes the English strings read from the addons'
 * i18n/vi.po (so the list follows the translations), and the names of the
 * records to open.
 *
 * Params (tourParams): terms, key_result (automatic), manual_key_result,
 * lead (an open deal of hers, which she wins), won_title (the English title
 * of its notification, which she must not read).
 */
import { registry } from "@web/core/registry";
import {
    checkNoEnglish,
    openApp,
    openFormTab,
    openMenu,
    openPipelinePanel,
    textOf,
    tourParams,
} from "@okr_sales/../tests/tours/okr_tour_utils";

registry.category("web_tour.tours").add("okr_sales_vietnamese", {
    url: "/odoo",
    steps: () => {
        const { terms, key_result, manual_key_result, lead, won_title } = tourParams();
        return [
            ...openApp("okr_sales.okr_menu_root"),
            checkNoEnglish("the objectives kanban", ".o_kanban_view .o_kanban_record", terms),
            ...openMenu("okr_sales.okr_menu_key_results"),
            checkNoEnglish("the key results list", ".o_list_renderer .o_data_row", terms),
            {
                content: "open an automatic key result",
                trigger: `.o_list_renderer .o_data_row td[name="name"]:contains("${key_result}")`,
                run: "click",
            },
            checkNoEnglish(
                "an automatic key result's form",
                `.o_control_panel .o_breadcrumb:contains("${key_result}")`,
                terms
            ),
            ...openMenu("okr_sales.okr_menu_key_results"),
            {
                content: "open a manual key result",
                trigger: `.o_list_renderer .o_data_row td[name="name"]:contains("${manual_key_result}")`,
                run: "click",
            },
            checkNoEnglish(
                "a manual key result's form",
                '.o_form_view .o_statusbar_buttons button[name="action_checkin"]',
                terms
            ),
            {
                content: "open the check-in dialog",
                trigger: '.o_form_view .o_statusbar_buttons button[name="action_checkin"]',
                run: "click",
            },
            checkNoEnglish("the check-in dialog", '.modal .o_field_widget[name="value"] input', terms),
            {
                content: "close the dialog without checking in",
                trigger: ".modal .o_form_button_cancel",
                run: "click",
            },
            {
                content: "the dialog is closed",
                trigger: "body:not(:has(.modal))",
            },
            ...openApp("crm.crm_menu_root"),
            ...openPipelinePanel(),
            checkNoEnglish(
                "the pipeline panel",
                ".o_okr_pipeline_panel .o_okr_pipeline_panel_kr",
                terms
            ),
            {
                content: "open her opportunity",
                trigger: `.o_kanban_record:contains("${lead}")`,
                run: "click",
            },
            {
                content: "mark it won",
                trigger: '.o_form_view .o_statusbar_buttons button[name="action_set_won_rainbowman"]',
                run: "click",
            },
            {
                content: "the won-deal notification",
                trigger: ".o_notification .o_notification_content",
            },
            checkNoEnglish("the won-deal notification", ".o_notification", terms),
            {
                content: "the won-deal notification is in Vietnamese",
                trigger: ".o_notification .o_notification_content",
                run() {
                    const text = textOf(this.anchor);
                    if (text.startsWith(won_title)) {
                        throw new Error(`English on the won-deal notification: ${text}`);
                    }
                },
            },
            ...openFormTab("okr"),
            checkNoEnglish(
                "the deal's OKRs tab",
                '.o_field_widget[name="okr_contribution_ids"] .o_data_row',
                terms
            ),
        ];
    },
});
