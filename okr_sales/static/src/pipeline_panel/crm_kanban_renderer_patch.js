import { CrmKanbanRenderer } from "@crm/views/crm_kanban/crm_kanban_renderer";
import { patch } from "@web/core/utils/patch";
import { OkrPipelinePanel } from "./okr_pipeline_panel";

// The panel above the pipeline's columns (crm_kanban views).
patch(CrmKanbanRenderer, {
    template: "okr_sales.CrmKanbanRenderer",
    components: { ...CrmKanbanRenderer.components, OkrPipelinePanel },
});
