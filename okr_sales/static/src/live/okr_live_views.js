import { _t } from "@web/core/l10n/translation";
import { useBus } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { ListController } from "@web/views/list/list_controller";
import { MOVED_EVENT } from "./okr_live_service";

const LIVE_MODELS = ["okr.key.result", "okr.objective"];

/**
 * Calls ``onMoved(ids)`` with the ids of ``resModel`` records that moved,
 * while the view is shown; nothing for other models.
 */
export function useOkrMoved(env, resModel, onMoved) {
    const okrLive = env.services.okr_live;
    if (!okrLive || !LIVE_MODELS.includes(resModel)) {
        return;
    }
    useBus(okrLive.bus, MOVED_EVENT, ({ detail }) => {
        const ids = detail[resModel];
        if (ids && ids.size) {
            onMoved(ids);
        }
    });
}

/** Kanban and list: reload when a shown record moved, unless a line is being
 * edited (an editable list). */
function setupMultiRecordRefresh(controller) {
    useOkrMoved(controller.env, controller.props.resModel, async (ids) => {
        const root = controller.model.root;
        if (!root || root.editedRecord || !root.records.some((r) => ids.has(r.resId))) {
            return;
        }
        await root.load();
    });
}

patch(KanbanController.prototype, {
    setup() {
        super.setup(...arguments);
        setupMultiRecordRefresh(this);
    },
});

patch(ListController.prototype, {
    setup() {
        super.setup(...arguments);
        setupMultiRecordRefresh(this);
    },
});

patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        if (this.env.inDialog) {
            // a line of another form, saved with it
            return;
        }
        useOkrMoved(this.env, this.props.resModel, async (ids) => {
            const record = this.model.root;
            if (!record || !record.resId || !ids.has(record.resId)) {
                return;
            }
            if (await record.isDirty()) {
                // Never the user's edits: she sees the new values once saved.
                this.env.services.notification.add(
                    _t("These figures changed meanwhile: save or discard to see them."),
                    { type: "info" }
                );
                return;
            }
            await record.load();
        });
    },
});
