"""The won-deal notification: "Doanh thu cá nhân: +3,2 tỷ ₫ → 57%".

When a user wins deals (a button, a stage dragged, a write: crm's
``_handle_won_lost`` sees them all), the deals and their winner are noted
in the transaction's change list (``okr_key_result_changes.py``). The engine
returns what it counted of the deals, their contributions before and after
(``EngineResult.records``, nothing read again). Once the engine and the
roll-ups have run at the commit, a reaction of the one commit callback
compares: the contributions that appeared or changed are the key results
the deals moved. Their winner gets one notification on the bus for the
whole transaction, in her language: her own key results a line each with
their new progress, those of her team and company she may read as one
count (shown at the bottom of the screen for 8 seconds, clear of the
pipeline panel: ``static/src/won_notice``). The webhook outbox, written
after it, tells which deal moved them.

The bus message is a row written in the transaction and announced after
the commit: a rolled-back win sends nothing. A failure here is logged, never
the deal's. When the deal's changes are queued instead (the background
mode, or a key result busy in another transaction), the key results move
later: the deal's transaction keeps an ``okr.won.notice`` with the
contributions as they stand (read then, before they are counted), and
whatever processes the queue (the scheduled action, the processing right
after the commit) sends the notification once the deal's changes are
processed (``_okr_notify_queued_wins``).
"""

import json
import logging
from functools import partial

from odoo import SUPERUSER_ID, api, models
from odoo.tools import SQL

from ..engine.definitions import MEASURE_COUNT, MEASURE_SUM, UPDATE_BACKGROUND
from ..engine.queue import DEFERRED_KEY
from ..tools.figures import format_number
from ..webhook.events import note_progress

_logger = logging.getLogger(__name__)

# The winner's own key results listed one a line, at most (a deal moves a
# handful; an import of won deals would list hundreds).
MAX_LINES = 5
# Shown by the won-deal notice service (static/src/won_notice).
BUS_TYPE = "okr_sales/won_deal"


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # THE DEALS WON IN THE TRANSACTION
    # ------------------------------------------------------------------

    @api.model
    def _okr_contribution_rows(self, lead_ids):
        """``{lead id: {kr id: (value, in numerator)}}`` as stored."""
        rows = self.env.execute_query(
            SQL(
                "SELECT res_id, key_result_id, value, in_numerator"
                " FROM okr_contribution WHERE res_model = 'crm.lead'"
                " AND res_id IN %s",
                tuple(lead_ids),
            )
        )
        found = {lead_id: {} for lead_id in lead_ids}
        for lead_id, kr_id, value, in_numerator in rows:
            found[lead_id][kr_id] = (float(value or 0.0), bool(in_numerator))
        return found

    @api.model
    def _okr_note_won_deals(self, leads):
        """``leads`` were just won by the current user: she hears what the
        win moved once the engine has counted them (what they contributed
        before and after comes with what it returns: nothing is read
        here)."""
        if self.env.uid == SUPERUSER_ID or not leads.ids:
            return
        won = self.env["okr.key.result"]._okr_changes().won
        for lead_id in leads.ids:
            won.setdefault(lead_id, {"uid": self.env.uid})

    @api.model
    def _okr_notify_won_deals(self, changes):
        """Send each winner one notification of the key results her deals
        moved (the deals won in ``changes``, the change list); called once
        the engine has run, in the deal's transaction."""
        won, changes.won = changes.won, {}
        counted, changes.counted = changes.counted, {}
        if not (won.keys() & counted.keys()) and not self.env.cr.postcommit.data.get(
            DEFERRED_KEY
        ):
            return  # none counted, none queued: nothing moved, nothing to keep
        try:
            with self.env.cr.savepoint(flush=False):
                queued = self._okr_queued_leads(list(won))
                if queued:
                    # not counted yet: what they contribute now is the before
                    before = self._okr_contribution_rows(sorted(queued))
                    self._okr_keep_won_notices(
                        {i: dict(won[i], before=before[i]) for i in queued}
                    )
                # a deal the engine did not count moved nothing
                now = {
                    i: dict(noted, before=counted[i][0])
                    for i, noted in won.items()
                    if i not in queued and i in counted
                }
                if now:
                    self._okr_send_won_notifications(
                        now, after={i: counted[i][1] for i in now}
                    )
        except Exception:
            # never the deal's failure
            _logger.exception("Won-deal notification of key results failed")

    # ------------------------------------------------------------------
    # DEALS WHOSE CHANGES WERE QUEUED
    # ------------------------------------------------------------------

    @api.model
    def _okr_queued_leads(self, lead_ids):
        """Those of ``lead_ids`` whose changes wait in the engine's queue:
        their key results have not moved yet. Asked only if the transaction
        queued records (in most deals it queues none)."""
        if not self.env.cr.postcommit.data.get(DEFERRED_KEY):
            return set()
        rows = self.env.execute_query(
            SQL(
                "SELECT lead_id FROM unnest(%s::int[]) AS lead_id WHERE EXISTS ("
                " SELECT 1 FROM okr_pending_change p WHERE p.res_model = 'crm.lead'"
                " AND p.res_ids @> to_jsonb(lead_id))",
                lead_ids,
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _okr_keep_won_notices(self, won):
        """Keep the notification of queued deals for when they are processed."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO okr_won_notice (user_id, lead_id, before) VALUES %s",
                SQL(", ").join(
                    SQL(
                        "(%s, %s, %s::jsonb)",
                        noted["uid"],
                        lead_id,
                        json.dumps(
                            {
                                str(kr_id): list(row)
                                for kr_id, row in noted["before"].items()
                            }
                        ),
                    )
                    for lead_id, noted in won.items()
                ),
            )
        )
        if self._okr_update_mode() != UPDATE_BACKGROUND:
            # processed right after the commit (see _okr_run_engine): told
            # right after that
            self.env.cr.postcommit.add(partial(notify_after_commit, self.env.registry))

    @api.model
    def _okr_notify_queued_wins(self):
        """Send the notifications of queued won deals whose changes have
        been processed; called by whatever processes the queue, which a
        failure here never stops (logged)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self._okr_send_queued_wins()
        except Exception:
            _logger.exception("Won-deal notification of key results failed")

    @api.model
    def _okr_send_queued_wins(self):
        rows = self.env.execute_query(
            SQL(
                "SELECT n.id, n.user_id, n.lead_id, n.before FROM okr_won_notice n"
                " WHERE NOT EXISTS (SELECT 1 FROM okr_pending_change p"
                " WHERE p.res_model = 'crm.lead' AND p.res_ids @> to_jsonb(n.lead_id))"
                " ORDER BY n.id FOR UPDATE OF n SKIP LOCKED"
            )
        )
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                "DELETE FROM okr_won_notice WHERE id IN %s",
                tuple(row[0] for row in rows),
            )
        )
        won = {
            lead_id: {
                "uid": uid,
                "before": {
                    int(kr_id): (float(value), bool(in_numerator))
                    for kr_id, (value, in_numerator) in (before or {}).items()
                },
            }
            for _id, uid, lead_id, before in rows
        }
        self._okr_send_won_notifications(won)

    # ------------------------------------------------------------------
    # THE NOTIFICATION
    # ------------------------------------------------------------------

    @api.model
    def _okr_send_won_notifications(self, won, after=None):
        """Tell the winners of ``won`` (``{lead id: {"uid", "before"}}``)
        what their deals moved: ``after`` their contributions now (read when
        not given)."""
        if after is None:
            after = self._okr_contribution_rows(list(won))
        by_user = {}
        deal_of = {}
        for lead_id, noted in won.items():
            moved = {
                kr_id: row
                for kr_id, row in after[lead_id].items()
                if noted["before"].get(kr_id) != row
            }
            if moved:
                by_user.setdefault(noted["uid"], []).append(
                    (lead_id, noted["before"], moved)
                )
                deal_of.update(dict.fromkeys(moved, lead_id))
        # what the webhooks tell of these key results: the deal that moved them
        note_progress(self.env, list(deal_of), deal_of)
        for uid, deals in by_user.items():
            user = self.env["res.users"].browse(uid)
            context = {"lang": user.lang}
            if "allowed_company_ids" in self.env.context:
                context["allowed_company_ids"] = self.env.context["allowed_company_ids"]
            env = self.env(user=user, su=False, context=context)
            payload = env["okr.key.result"]._okr_won_message(deals)
            if payload:
                user._bus_send(BUS_TYPE, payload)

    @api.model
    def _okr_won_message(self, deals):
        """The notification of ``deals`` to the current user (their winner),
        in her language, or None if they moved nothing she may read: her own
        key results a line each, heaviest first; the others (her team's,
        her company's) as one count."""
        gains = self._okr_won_gains(deals)
        if not gains:
            return None
        mine = [kr for kr in gains if kr.user_id == self.env.user]
        others = len(gains) - len(mine)
        lines = [kr._okr_won_line(gains[kr]) for kr in mine[:MAX_LINES]]
        if len(mine) > MAX_LINES:
            lines.append(
                self.env._("and %(count)s more of yours", count=len(mine) - MAX_LINES)
            )
        return {
            "type": "success",
            # CRM's own word for a won deal ("Won", "Đạt")
            "title": self._okr_won_title([deal[0] for deal in deals]),
            "lines": lines,
            "more": self._okr_won_others(others, bool(lines)) if others else False,
        }

    @api.model
    def _okr_won_title(self, lead_ids):
        leads = self.env["crm.lead"].browse(lead_ids)
        readable = leads._filtered_access("read")
        if len(leads) == 1 and readable:
            return self.env._("Won: %(deal)s", deal=readable.name)
        return self.env._("Deals won: %(count)s", count=len(leads))

    @api.model
    def _okr_won_others(self, count, after_lines):
        """The key results of her team and company the win moved, counted."""
        if after_lines:
            if count == 1:
                return self.env._("and 1 key result of your team or company")
            return self.env._(
                "and %(count)s key results of your team and company", count=count
            )
        if count == 1:
            return self.env._("It moved 1 key result of your team or company.")
        return self.env._(
            "It moved %(count)s key results of your team and company.", count=count
        )

    @api.model
    def _okr_won_gains(self, deals):
        """``{key result: what the deals added to it}`` of the key results
        ``deals`` moved that the current user may read, heaviest first."""
        gains = {}
        for _lead_id, before, moved in deals:
            for kr_id, (value, _in_numerator) in moved.items():
                old = before.get(kr_id, (0.0, False))[0]
                gains[kr_id] = gains.get(kr_id, 0.0) + value - old
        readable = self.browse(list(gains))._filtered_access("read")
        return {
            key_result: gains[key_result.id]
            for key_result in readable.sorted(lambda kr: (-kr.weight, kr.id))
        }

    def _okr_won_line(self, gain):
        """ "Revenue of 15 bn VND: +3.2B ₫ → 57%": what a sum or a count
        gained; where the key result is no sum (a rate, an average, a count
        of customers), where it stands now."""
        self.ensure_one()
        if self.measure in (MEASURE_SUM, MEASURE_COUNT):
            figure = self._okr_value_display(gain, sign=True)
        else:
            figure = self.env._(
                "now %(value)s", value=self._okr_value_display(self.current_value)
            )
        progress = format_number(self.progress, self._okr_locale(), decimals=0)
        return f"{self.name}: {figure} → {progress}%"


def notify_after_commit(registry):
    """Tell the winners of deals processed right after the commit
    (``process_after_commit`` runs first); what is still queued is told by
    the scheduled action that processes it."""
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["okr.key.result"]._okr_notify_queued_wins()
    except Exception:
        _logger.exception("Won-deal notification of key results failed")
