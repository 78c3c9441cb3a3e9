import { _t } from "@web/core/l10n/translation";
import { localization } from "@web/core/l10n/localization";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/views/fields/formatters";

// Short figures in charts and pivots as the key result's card writes them
// (tools/figures.py): "450 tỷ", "8,15 tỷ", "450B" - not Odoo's "450,00G".
// Three significant digits; in full below a thousand.

const SIGNIFICANT_DIGITS = 3;

function scales() {
    // the server's own terms (okr_key_result_display.py), translated alike
    return [
        [12, _t("%sT")],
        [9, _t("%sB")],
        [6, _t("%sM")],
        [3, _t("%sK")],
    ];
}

export function okrShortNumber(value) {
    if (value === false || value === null || value === undefined) {
        return "";
    }
    const magnitude = Math.abs(value);
    if (magnitude < 1000) {
        return formatFloat(value, { digits: [16, magnitude % 1 ? 2 : 0] });
    }
    for (const [power, pattern] of scales()) {
        const scale = 10 ** power;
        if (magnitude >= scale) {
            const scaled = value / scale;
            const whole = Math.floor(Math.log10(Math.abs(scaled))) + 1;
            const decimals = Math.max(0, SIGNIFICANT_DIGITS - whole);
            let text = formatFloat(Number(scaled.toFixed(decimals)), {
                digits: [16, decimals],
            });
            if (decimals) {
                // 8.50 -> 8.5, 15.0 -> 15
                const point = `\\${localization.decimalPoint}`;
                text = text
                    .replace(new RegExp(`(${point}\\d*?)0+$`), "$1")
                    .replace(new RegExp(`${point}$`), "");
            }
            return pattern.toString().replace("%s", text);
        }
    }
    return formatFloat(value);
}

registry.category("formatters").add("okr_short", okrShortNumber);
