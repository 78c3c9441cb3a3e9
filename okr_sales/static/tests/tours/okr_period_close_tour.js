/**
 * An OKR manager closes a quarter and starts the next: OKRs > Configuration
 * > Close Period, the quarter's dates, the objectives it lists (her
 * company's only), the next quarter prepared from this one (its dates with
 * their year), Close Period, then the next quarter's objectives open.
 * tests/test_ui_tours.py passes the dates (as she types them) and the names
 * of the objectives to be listed; it checks the scores counted by hand, the
 * archive and the copies in the database.
 *
 * Params (tourParams): date_start, date_end, next_date_start, objectives
 * (names), objective (the one the next quarter opens on).
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
        const { date_start, date_end, next_date_start, objectives, objective } = tourParams();
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
                content: "the next quarter follows: prepared from this one",
                trigger: `.modal .o_field_widget[name="prepare_next"] input:checked`,
            },
            {
                content: "the next quarter's dates, with their year",
                trigger: `.modal .o_field_widget[name="next_date_start"] button`,
                run() {
                    if (textOf(this.anchor) !== next_date_start) {
                        throw new Error(
                            `the next quarter starts ${textOf(this.anchor)}, not ${next_date_start}`
                        );
                    }
                },
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
                content: "the next quarter's objectives open, to start it",
                trigger: `.o_kanban_view .o_kanban_record:contains("${objective}")`,
            },
            {
                content: "a copy for the new quarter: no score yet",
                trigger: `.o_kanban_view .o_kanban_record:contains("${objective}"):not(:has(.o_okr_closing_score))`,
            },
        ];
    },
});
