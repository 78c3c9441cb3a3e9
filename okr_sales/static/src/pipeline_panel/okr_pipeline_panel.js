import { Component, onWillStart, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useOkrMoved } from "../live/okr_live_views";

const COLLAPSED_KEY = "okr_sales.pipeline_panel.collapsed";

/**
 * The salesperson's own key results of the current period, above her
 * pipeline: one RPC, refreshed when one of them moves. Never in the way of
 * the pipeline: it shows nothing on any failure.
 */
export class OkrPipelinePanel extends Component {
    static template = "okr_sales.OkrPipelinePanel";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({
            keyResults: [],
            collapsed: this.initiallyCollapsed(),
        });
        // Not awaited: the pipeline does not wait for the panel.
        onWillStart(() => {
            this.load();
        });
        useOkrMoved(this.env, "okr.key.result", (ids) => {
            if (this.state.keyResults.some((kr) => ids.has(kr.id))) {
                this.load();
            }
        });
    }

    async load() {
        try {
            if (!(await user.hasGroup("okr_sales.group_okr_user"))) {
                return;
            }
            this.state.keyResults = await this.orm.silent.call(
                "okr.key.result",
                "get_pipeline_panel_data",
                []
            );
        } catch {
            this.state.keyResults = [];
        }
    }

    get averageProgress() {
        const krs = this.state.keyResults;
        return Math.round(krs.reduce((sum, kr) => sum + kr.progress, 0) / krs.length);
    }

    /** As she left it; on a phone collapsed until opened: the pipeline first. */
    initiallyCollapsed() {
        const stored = browser.localStorage.getItem(COLLAPSED_KEY);
        return stored === null ? Boolean(this.env.isSmall) : stored === "1";
    }

    toggle() {
        this.state.collapsed = !this.state.collapsed;
        browser.localStorage.setItem(COLLAPSED_KEY, this.state.collapsed ? "1" : "0");
    }

    openMyOkrs() {
        this.action.doAction("okr_sales.okr_objective_action", {
            additionalContext: { search_default_my_okrs: 1, search_default_current_period: 1 },
        });
    }

    openKeyResult(keyResultId) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "okr.key.result",
            res_id: keyResultId,
            views: [[false, "form"]],
        });
    }
}
