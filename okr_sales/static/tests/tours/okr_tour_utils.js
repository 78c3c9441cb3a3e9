/**
 * Steps shared by the okr_sales tours. Selectors go by menu xmlids, field and
 * button names wherever Odoo renders them, so the same steps run in any
 * language (the Vietnamese tour reuses them).
 */
import { stepUtils } from "@web_tour/tour_utils";

/**
 * What the Python test passes to its tour (names of its records, figures to
 * enter, terms to look for): OkrTourCase.start_okr_tour stores them in the
 * browser's localStorage before the tour starts, so they survive reloads.
 */
export function tourParams() {
    return JSON.parse(localStorage.getItem("okr_sales.tour_params") || "{}");
}

/** Open an app from the home menu by its root menu's xmlid. */
export function openApp(xmlid) {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: `open the app ${xmlid}`,
            trigger: `.o_app[data-menu-xmlid="${xmlid}"]`,
            run: "click",
        },
    ];
}

/** Open a menu of the current app's top bar (directly or from its dropdown). */
export function openMenu(xmlid, parentXmlid = null) {
    const steps = [];
    if (parentXmlid) {
        steps.push({
            content: `open the menu ${parentXmlid}`,
            trigger: `.o_main_navbar [data-menu-xmlid="${parentXmlid}"]`,
            run: "click",
        });
    }
    steps.push({
        content: `open the menu ${xmlid}`,
        // A menu under another one is in the dropdown, outside the navbar.
        trigger: parentXmlid
            ? `.o-dropdown--menu [data-menu-xmlid="${xmlid}"]`
            : `.o_main_navbar [data-menu-xmlid="${xmlid}"]`,
        run: "click",
    });
    return steps;
}

/**
 * Turn a filter of the search panel on, by its label as the user reads it;
 * left as it is when the action already opens with it.
 */
export function ensureFilter(label) {
    return [
        {
            content: "open the search panel menu",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: `turn the filter ${label} on`,
            trigger: `.o_filter_menu .o_menu_item:contains("${label}")`,
            async run({ click }) {
                if (!this.anchor.classList.contains("selected")) {
                    await click();
                }
            },
        },
        {
            content: `the filter ${label} is on`,
            trigger: `.o_searchview_facet:contains("${label}")`,
        },
        {
            content: "close the search panel menu",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
    ];
}

/**
 * Turn a filter of the search panel off, by its label as the user reads it
 * (an action that opens on *My OKRs*, for a manager who looks at all).
 */
export function ensureFilterOff(label) {
    return [
        {
            content: "open the search panel menu",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: `turn the filter ${label} off`,
            trigger: `.o_filter_menu .o_menu_item:contains("${label}")`,
            async run({ click }) {
                if (this.anchor.classList.contains("selected")) {
                    await click();
                }
            },
        },
        {
            content: `the filter ${label} is off`,
            trigger: `.o_filter_menu .o_menu_item:not(.selected):contains("${label}")`,
        },
        {
            content: "close the search panel menu",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
    ];
}

/** Open a tab of a form's notebook by the page's name attribute. */
export function openFormTab(pageName) {
    return [
        {
            content: `open the tab ${pageName}`,
            trigger: `.o_notebook_headers a.nav-link[name="${pageName}"]`,
            run: "click",
        },
        {
            content: `the tab ${pageName} is shown`,
            trigger: `.o_notebook_headers a.nav-link.active[name="${pageName}"]`,
        },
    ];
}

/** The pipeline panel, opened (it remembers being folded). */
export function openPipelinePanel() {
    return [
        {
            content: "her key results are above the pipeline",
            trigger: ".o_kanban_view .o_okr_pipeline_panel",
        },
        {
            content: "unfold the panel if it is folded",
            trigger: ".o_okr_pipeline_panel .o_okr_pipeline_panel_toggle",
            async run({ click }) {
                if (this.anchor.getAttribute("aria-expanded") === "false") {
                    await click();
                }
            },
        },
        {
            content: "the panel lists her key results",
            trigger: ".o_okr_pipeline_panel .o_okr_pipeline_panel_kr",
        },
    ];
}

/** Keep a value across the steps of a tour, page reloads included. */
export function remember(key, value) {
    localStorage.setItem(`okr_sales.tour_memory.${key}`, JSON.stringify(value));
}

export function recall(key) {
    return JSON.parse(localStorage.getItem(`okr_sales.tour_memory.${key}`) || "null");
}

/**
 * The cell of a key result's row in the objective form's Key Results tab
 * (field ``field`` of the row whose name contains ``name``).
 */
export function keyResultRowCell(name, field) {
    return (
        `.o_field_widget[name="key_result_ids"] .o_data_row:has(td[name="name"]:contains("${name}"))` +
        ` td[name="${field}"]`
    );
}

/** Text of an element, spaces collapsed. */
export function textOf(element) {
    return (element.innerText || element.textContent || "").replace(/\s+/g, " ").trim();
}

/**
 * The visible texts of the screen a user reads: its own text nodes, titles,
 * placeholders and tooltips of the main navbar, the action and the dialogs.
 * Each comes with a short description of where it was read.
 */
export function visibleTexts(root = document.body) {
    const texts = [];
    const scopes = root.querySelectorAll(
        ".o_main_navbar, .o_action_manager, .modal.show, .o-dropdown--menu, .o_notification_manager"
    );
    for (const scope of scopes) {
        const walker = document.createTreeWalker(scope, NodeFilter.SHOW_ELEMENT);
        for (let node = walker.currentNode; node; node = walker.nextNode()) {
            if (!node.checkVisibility || !node.checkVisibility()) {
                continue;
            }
            const own = [...node.childNodes]
                .filter((child) => child.nodeType === Node.TEXT_NODE)
                .map((child) => child.textContent)
                .join(" ")
                .replace(/\s+/g, " ")
                .trim();
            const where = node.className
                ? `${node.tagName.toLowerCase()}.${String(node.className).split(" ")[0]}`
                : node.tagName.toLowerCase();
            for (const value of [
                own,
                node.getAttribute("placeholder"),
                node.getAttribute("title"),
                node.getAttribute("data-tooltip"),
                node.getAttribute("aria-label"),
            ]) {
                if (value && value.trim()) {
                    texts.push([value.replace(/\s+/g, " ").trim(), where]);
                }
            }
        }
    }
    return texts;
}

/**
 * A step that fails when any text the user reads on the screen (see
 * visibleTexts) is one of ``terms`` (the addons' English source strings that
 * have a translation). ``trigger`` says when the screen is ready.
 */
export function checkNoEnglish(screen, trigger, terms) {
    const english = new Set(terms);
    return {
        content: `no English label on ${screen}`,
        trigger,
        run() {
            const found = visibleTexts().filter(([text]) => english.has(text));
            if (found.length) {
                const list = found.map(([text, where]) => `"${text}" (${where})`);
                throw new Error(`English on ${screen}: ${[...new Set(list)].join(", ")}`);
            }
        },
    };
}
