/**
 * A salesperson checks in on one of her manual key results: value,
 * confidence and comment through the check-in dialog. tests/test_ui_tours.py
 * passes the key result's name and the figures, and reads the check-in back
 * from the database.
 */
import { registry } from "@web/core/registry";
import { openApp, openMenu, tourParams } from "@okr_sales/../tests/tours/okr_tour_utils";

registry.category("web_tour.tours").add("okr_sales_checkin", {
    url: "/odoo",
    steps: () => {
        const { key_result, value, confidence, comment } = tourParams();
        return [
            ...openApp("okr_sales.okr_menu_root"),
            ...openMenu("okr_sales.okr_menu_key_results"),
            {
                content: "open her manual key result",
                trigger: `.o_list_renderer .o_data_row td[name="name"]:contains("${key_result}")`,
                run: "click",
            },
            {
                content: "check in from the key result's form",
                trigger: '.o_form_view .o_statusbar_buttons button[name="action_checkin"]',
                run: "click",
            },
            {
                content: "the dialog starts on the value",
                trigger: '.modal .o_field_widget[name="value"] input:focus',
            },
            {
                content: "enter the value",
                trigger: '.modal .o_field_widget[name="value"] input',
                run: `edit ${value}`,
            },
            {
                content: "enter the confidence",
                trigger: '.modal .o_field_widget[name="confidence"] input',
                run: `edit ${confidence}`,
            },
            {
                content: "write a comment",
                trigger: '.modal .o_field_widget[name="comment"] textarea',
                run: `edit ${comment}`,
            },
            {
                content: "save the check-in",
                trigger: ".modal .o_form_button_save:enabled",
                run: "click",
            },
            {
                content: "the dialog is closed",
                trigger: "body:not(:has(.modal))",
            },
            {
                content: "the key result shows the checked-in value",
                trigger: `.o_form_view .o_field_widget[name="current_value"]:contains("${value}")`,
            },
            {
                content: "nothing left unsaved",
                trigger: ".o_form_view .o_form_saved",
            },
        ];
    },
});
