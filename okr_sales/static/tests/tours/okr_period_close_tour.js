/**
 * An OKR manager closes a quarter: OKRs > Configuration > Close Period, the
 * quarter's dates, the objectives it lists (her company's only), Close
 * Period without preparing the next one, then the closed objectives with
 * their scores. tests/test_ui_tours.py passes the dates (as she types
 * them), the names of the objectives to be listed and the score it counted
 * by hand; it checks the scores and the archive in the database.
 *
 * Params (tourParams): date_start, date_end, objectives (names), objective
 * (the one whose score is read), score (as shown, e.g. "0.60").
 */
import { registry } from "@web/core/registry";
import { openApp, openMenu, textOf, tourParams } from "@okr_sales/../tests/tours/okr_tour_utils";

/**
 * Type a date into a field of the dialog (a button until it is clicked),
 * and leave the field.
 */
function enterDate(fname, value) {
    const field = `.modal .o_field_widget[name="${fname}"]`;
    return [
        {
            content: `open the date ${fname}`,
            trigger: `${field} button`,
            run: "click",
        },
        {
            content: `enter ${value} in ${fname}`,
            trigger: `${field} input`,
            run: `edit ${value} && click .modal-title`,
        },
        {
            content: `${fname} reads ${value}`,
            trigger: `${field} button`,
        },
    ];
}

registry.category("web_tour.tours").add("okr_sales_period_close", {
    url: "/odoo",
    steps: () => {
        const { date_start, date_end, objectives, objective, score } = tourParams();
        const tags = '.modal .o_field_widget[name="objective_ids"] .o_tag';
        return [
            ...openApp("okr_sales.okr_menu_root"),
            ...openMenu("okr_sales.okr_menu_period_close", "okr_sales.okr_menu_configuration"),
            {
                content: "the wizard opens in a dialog",
                trigger: '.modal .o_form_view .o_field_widget[name="date_start"]',
            },
            ...enterDate("date_start", date_start),
            ...enterDate("date_end", date_end),
            {
                content: "the quarter's objectives are listed, and only they",
                trigger: `${tags}:contains("${objectives[0]}")`,
                run({ queryAll }) {
                    const listed = queryAll(tags).map(textOf).sort();
                    const expected = [...objectives].sort();
                    if (JSON.stringify(listed) !== JSON.stringify(expected)) {
                        throw new Error(`listed ${listed.join(", ")}, not ${expected.join(", ")}`);
                    }
                },
            },
            {
                content: "their key results are listed with their progress",
                trigger: '.modal .o_field_widget[name="line_ids"] .o_data_row',
            },
            {
                content: "do not prepare the next period",
                trigger: '.modal .o_field_widget[name="prepare_next"] input:checked',
                run: "click",
            },
            {
                content: "the next period's fields are hidden",
                trigger: '.modal:not(:has(.o_field_widget[name="next_date_start"]))',
            },
            {
                content: "close the period",
                trigger: '.modal .modal-footer button[name="action_close"]',
                run: "click",
            },
            {
                content: "the dialog is closed",
                trigger: "body:not(:has(.modal))",
            },
            {
                content: "the closed objective shows its score",
                trigger: `.o_kanban_view .o_kanban_record:contains("${objective}") .o_okr_closing_score:contains("${score}")`,
            },
        ];
    },
});
