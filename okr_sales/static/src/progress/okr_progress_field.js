import { registry } from "@web/core/registry";
import { formatFloat } from "@web/views/fields/formatters";
import { progressBarField } from "@web/views/fields/progress_bar/progress_bar_field";

// Odoo's progress bar, whose group rows in a list read "50.0%", not "50.0":
// the average progress of the group, in percent like the bars above it.
registry.category("fields").add("okr_progressbar", progressBarField);
registry
    .category("formatters")
    .add("okr_progressbar", (value, options = {}) =>
        value === false || value === undefined
            ? ""
            : `${formatFloat(value, { ...options, digits: [16, 1] })}%`
    );
