"""The won-deal notification: "+3,2 tỷ ₫: Doanh thu cá nhân 57%".

When a user wins deals (a button, a stage dragged, a write: crm's
``_handle_won_lost`` sees them all), the deals and their winner are noted
in the transaction's change list (``okr_key_result_changes.py``). The engine
returns what it counted of the deals, their contributions before and after
(``EngineResult.records``, nothing read again). Once the engine and the
roll-ups have run at the commit, a reaction of the one commit callback
compares: the contributions that appeared or changed are the key results
the deals moved;
their winner gets one ``simple_notification`` on the bus for the whole
transaction, listing those she may read, in her language, with their new
progress (and the webhook outbox, written after it, tells which deal moved
them).

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

from ..engine.definitions import MEASURE_RATIO, UPDATE_BACKGROUND
from ..engine.queue import DEFERRED_KEY
from ..tools.figures import format_number
from ..webhook.events import note_progress

_logger = logging.getLogger(__name__)

# Lines of one notification, at most (a deal moves a handful; an import of
# won deals would list hundreds).
MAX_LINES = 8


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
                user._bus_send("simple_notification", payload)

    @api.model
    def _okr_won_message(self, deals):
        """The notification of ``deals`` to the current user (their winner),
        in her language, or None if they moved nothing she may read."""
        lines, count = self._okr_won_lines(deals, MAX_LINES)
        if not lines:
            return None
        if count > MAX_LINES:
            lines.append(self.env._("and %(count)s more", count=count - MAX_LINES))
        leads = self.env["crm.lead"].browse([deal[0] for deal in deals])
        readable = leads._filtered_access("read")
        return {
            "type": "success",
            "title": self.env._("Won: %(deal)s", deal=readable.name)
            if len(leads) == 1 and readable
            else self.env._("Deals won: %(count)s", count=len(leads)),
            "message": "; ".join(lines),
        }

    @api.model
    def _okr_won_lines(self, deals, limit):
        """ "+3,2 tỷ ₫: Doanh thu cá nhân 57%" per key result moved, as the
        current user (the winner) may read them: ``(the first limit lines,
        the number of lines)``. Only the lines shown are written out: a deal
        moves a few dozen key results of a big sales floor."""
        moved_krs = [
            (lead_id, before, moved, key_result)
            for lead_id, before, moved in deals
            for key_result in self.browse(list(moved))
            ._filtered_access("read")
            .sorted(lambda kr: (-kr.weight, kr.id))
        ]
        contributions = self.env["okr.contribution"]
        locale = self._okr_locale()
        lines = []
        for lead_id, before, moved, key_result in moved_krs[:limit]:
            value, in_numerator = moved[key_result.id]
            old = before.get(key_result.id)
            if old is None or key_result.measure == MEASURE_RATIO:
                # as the deal's OKRs tab says it: "+1 won deal"
                contribution = contributions.new(
                    {
                        "key_result_id": key_result.id,
                        "res_model": "crm.lead",
                        "res_id": lead_id,
                        "value": value,
                        "in_numerator": in_numerator,
                    }
                )
                added = contribution.value_display
            else:
                added = key_result._okr_value_display(value - old[0], sign=True)
            progress = format_number(key_result.progress, locale, decimals=0)
            lines.append(f"{added}: {key_result.name} {progress}%")
        return lines, len(moved_krs)


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
