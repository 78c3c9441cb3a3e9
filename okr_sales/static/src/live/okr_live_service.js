import { EventBus } from "@odoo/owl";
import { registry } from "@web/core/registry";

/** The bus notification the server sends once per transaction that moved
 * key results (``okr_key_result_live.py``): ids only. */
export const MOVED_NOTIFICATION = "okr_sales/key_results_moved";
export const MOVED_EVENT = "OKR:MOVED";

/**
 * Listens to the OKR users' channel and tells the OKR views which key results
 * and objectives moved; each view re-reads what it shows, with the user's
 * own rights.
 */
export const okrLiveService = {
    dependencies: ["bus_service"],
    start(env, { bus_service }) {
        const bus = new EventBus();
        bus_service.subscribe(MOVED_NOTIFICATION, (payload) => {
            bus.trigger(MOVED_EVENT, {
                "okr.key.result": new Set(payload.key_result_ids || []),
                "okr.objective": new Set(payload.objective_ids || []),
            });
        });
        return { bus };
    },
};

registry.category("services").add("okr_live", okrLiveService);
