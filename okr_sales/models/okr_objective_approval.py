"""Approval: what an objective commits to is the manager's.

An objective is drafted by its owner, then approved by an OKR manager. Once
approved, everything that moves its progress or its closing score changes
only by an OKR manager: its period, team and company
(``APPROVED_OBJECTIVE_FIELDS``), which key results it has, and each key
result's weight, numbers, dates, roll-up and what it counts
(``okr_key_result_access.py``). A manager's change leaves a trace in the
chatter: tracked fields, or a note naming the others. Check-ins, and the
values automatic key results count, go on as before: they are progress, not
commitment.

Refusals are checked on the server, whatever the path (a form, JSON-RPC, an
import): ``AccessError`` naming the fields.
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Command

STATE_DRAFT = "draft"
STATE_APPROVED = "approved"
STATE_SELECTION = [(STATE_DRAFT, "Draft"), (STATE_APPROVED, "Approved")]

# What moves an approved objective's progress or score: an OKR manager's
# to change. Its period; its team and company, whose records its key results
# count; whether it counts; which key results it has (each one's own fields:
# ``okr_key_result_access.py``).
APPROVED_OBJECTIVE_FIELDS = (
    "date_start",
    "date_end",
    "period_type",
    "team_id",
    "company_id",
    "active",
    "key_result_ids",
)


def _x2many_ids(record, fname, value):
    """The ids ``value`` (commands, ids or records) leaves in ``record``'s
    x2many ``fname``, a new line as a new object. Unlike the field's
    ``convert_to_cache``, it applies no command to the cache."""
    if isinstance(value, models.BaseModel):
        return set(value.ids)
    ids = set(record[fname].ids)
    for command in value or ():
        if isinstance(command, dict):
            ids.add(object())
        elif not isinstance(command, (list, tuple)):
            ids.add(command)
        elif command[0] == Command.CREATE:
            ids.add(object())
        elif command[0] in (Command.UPDATE, Command.LINK):
            ids.add(command[1])
        elif command[0] in (Command.DELETE, Command.UNLINK):
            ids.discard(command[1])
        elif command[0] == Command.CLEAR:
            ids.clear()
        elif command[0] == Command.SET:
            ids = set(command[2])
    return ids


def changed_fields(records, vals, fnames):
    """The fields of ``fnames`` that ``vals`` would change on ``records``
    (a client sending a field back unchanged changes nothing)."""
    changed = set()
    for fname in fnames:
        if fname not in vals:
            continue
        field = records._fields[fname]
        for record in records:
            if field.type in ("one2many", "many2many"):
                moved = _x2many_ids(record, fname, vals[fname]) != set(
                    record[fname].ids
                )
            else:
                new = field.convert_to_record(
                    field.convert_to_cache(vals[fname], record), record
                )
                moved = new != record[fname]
            if moved:
                changed.add(fname)
                break
    return changed


def _display(record, fname):
    """``record``'s ``fname`` in words, for a note in the chatter."""
    field = record._fields[fname]
    value = record[fname]
    if field.type in ("many2one", "one2many", "many2many"):
        return ", ".join(value.mapped("display_name")) or "-"
    if field.type == "selection":
        return dict(field._description_selection(record.env)).get(value, "-")
    if value is False and field.type != "boolean":
        return "-"
    return str(value)


def untracked_values(records, fnames):
    """``{record id: {field: value in words}}`` of ``fnames`` the chatter's
    tracking does not follow: what ``note_changes`` compares."""
    fnames = [
        fname
        for fname in fnames
        if not getattr(records._fields[fname], "tracking", None)
    ]
    return {
        record.id: {fname: _display(record, fname) for fname in fnames}
        for record in records.sudo()
    }


def note_changes(records, before):
    """Post on each of ``records`` a note of its changes after approval:
    ``before``, ``untracked_values`` before the write, against now."""
    after = untracked_values(records, next(iter(before.values()), ()))
    for record in records:
        lines = [
            (record._fields[fname].string, old, after[record.id][fname])
            for fname, old in before.get(record.id, {}).items()
            if old != after[record.id][fname]
        ]
        if lines:
            note_after_approval(
                record,
                Markup("<ul>%s</ul>")
                % Markup().join(
                    Markup("<li>%s: %s → %s</li>") % line for line in lines
                ),
            )


def note_after_approval(records, body):
    """A note in the chatter of ``records`` of what an OKR manager changed
    after the approval (``body``: what)."""
    for record in records:
        record.message_post(
            body=Markup("<p>%s</p>%s")
            % (record.env._("Changed after approval:"), body),
            subtype_xmlid="mail.mt_note",
        )


class OkrObjective(models.Model):
    _inherit = "okr.objective"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    state = fields.Selection(
        STATE_SELECTION,
        "Approval",
        required=True,
        default=STATE_DRAFT,
        copy=False,
        index=True,
        tracking=True,
        help="Draft: its owner shapes it. Approved: what moves its progress "
        "or score (its period, its key results, their weights, targets and "
        "what they count) changes only by an OKR manager.",
    )
    commitment_locked = fields.Boolean(
        compute="_compute_commitment_locked",
        help="Approved, and the current user is no OKR manager: what moves "
        "its progress or score is read-only for her.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_commitment_locked(self):
        manager = self.env.su or self.env.user._okr_is_manager()
        for objective in self:
            objective.commitment_locked = (
                not manager and objective.state == STATE_APPROVED
            )

    # ------------------------------------------------------------------
    # APPROVAL
    # ------------------------------------------------------------------

    def _okr_check_approval_access(self, fnames):
        """Refuse changing ``fnames`` of approved objectives to non-managers."""
        if not fnames or self.env.su or self.env.user._okr_is_manager():
            return
        if any(objective.state == STATE_APPROVED for objective in self.sudo()):
            raise AccessError(
                self.env._(
                    "%(fields)s: objective “%(name)s” is approved; only OKR "
                    "managers change it now (back to draft first).",
                    fields=", ".join(
                        sorted(self._fields[fname].string for fname in fnames)
                    ),
                    name=next(
                        obj.name for obj in self.sudo() if obj.state == STATE_APPROVED
                    ),
                )
            )

    def _okr_check_state_access(self):
        if self.env.su or self.env.user._okr_is_manager():
            return
        raise AccessError(
            self.env._(
                "%(field)s: only OKR managers approve objectives or send them "
                "back to draft.",
                field=self._fields["state"].string,
            )
        )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # The input checks first, as when this lock came after them.
        for vals in vals_list:
            self._okr_check_input(vals)
        if any(vals.get("state", STATE_DRAFT) != STATE_DRAFT for vals in vals_list):
            self._okr_check_state_access()
        return super().create(vals_list)

    def write(self, vals):
        # The input checks first, as when this lock came after them:
        # ``changed_fields`` converts the values it compares.
        self._okr_check_input(vals)
        if "state" in vals:
            self._okr_check_state_access()
        fnames = changed_fields(self, vals, APPROVED_OBJECTIVE_FIELDS)
        self._okr_check_approval_access(fnames)
        approved = self.filtered(lambda obj: obj.sudo().state == STATE_APPROVED)
        if not (fnames and approved) or self.env.su:
            return super().write(vals)
        # a manager's change: noted (key results added or removed note
        # themselves)
        before = untracked_values(approved, fnames - {"key_result_ids"})
        result = super().write(vals)
        note_changes(approved, before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        if self.env.su or self.env.user._okr_is_manager():
            return
        if any(objective.state == STATE_APPROVED for objective in self):
            raise AccessError(
                self.env._("Only OKR managers can delete an approved objective.")
            )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_approve(self):
        self._okr_check_state_access()
        self.filtered(lambda obj: obj.state != STATE_APPROVED).write(
            {"state": STATE_APPROVED}
        )
        return True

    def action_draft(self):
        self._okr_check_state_access()
        self.filtered(lambda obj: obj.state != STATE_DRAFT).write(
            {"state": STATE_DRAFT}
        )
        return True
