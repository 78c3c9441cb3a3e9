import { markup, reactive, xml } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { escape } from "@web/core/utils/strings";
import { NotificationContainer } from "@web/core/notifications/notification_container";

// The won-deal notice: what a deal just won moved, read in two seconds.
// Sent by the server once the key results moved (okr_key_result_notify.py):
// { type, title, lines: her key results, more: the others as one count }.
// Shown at the bottom of the screen, clear of the view switcher and the
// pipeline panel, for 8 seconds or until closed (held while hovered).

const AUTOCLOSE_DELAY = 8000;

export class OkrWonNoticeContainer extends NotificationContainer {
    static template = xml`
        <div class="o_notification_manager o_okr_won_notices">
            <t t-foreach="notifications" t-as="notification" t-key="notification">
                <Transition leaveDuration="0" immediate="true" name="'o_notification_fade'" t-slot-scope="transition">
                    <Notification t-props="notification_value.props" className="(notification_value.props.className || '') + ' ' + transition.className"/>
                </Transition>
            </t>
        </div>`;
}

/** The notice's body: a line per key result, the count of the others. */
export function wonNoticeBody({ lines, more }) {
    const items = (lines || []).map(
        (line) => `<li class="o_okr_won_notice_line">${escape(line)}</li>`
    );
    const tail = more ? `<div class="text-muted o_okr_won_notice_more">${escape(more)}</div>` : "";
    return markup(`<ul class="list-unstyled mb-0">${items.join("")}</ul>${tail}`);
}

export const okrWonNoticeService = {
    dependencies: ["bus_service"],
    start(env, { bus_service }) {
        let noticeId = 0;
        const notices = reactive({});
        registry.category("main_components").add("OkrWonNoticeContainer", {
            Component: OkrWonNoticeContainer,
            props: { notifications: notices },
        });
        bus_service.subscribe("okr_sales/won_deal", (payload) => {
            const id = ++noticeId;
            notices[id] = {
                id,
                props: {
                    title: payload.title,
                    message: wonNoticeBody(payload),
                    type: payload.type || "success",
                    className: "o_okr_won_notice",
                    autocloseDelay: AUTOCLOSE_DELAY,
                    close: () => delete notices[id],
                },
            };
        });
        bus_service.start();
    },
};

registry.category("services").add("okr_won_notice", okrWonNoticeService);
