from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# precommit data keys: {model name: set of record ids} changed in the
# transaction, and {model name: {(field name, date field name): set of
# (id, day)}}: the values "first time ever" counts look at, with the record's
# day, as they were before the change
PENDING_KEY = "okr_sales.pending_records"
OLD_KEYS_KEY = "okr_sales.pending_old_keys"
# The records' hand-made links to "linked" key results.
LINKS_FIELD = "okr_linked_key_result_ids"


class OkrSourceMixin(models.AbstractModel):
    """Reports a model's records to the progress engine.

    Mixed into every model key results can count (crm.lead, calendar.event,
    mail.activity; bridge addons add theirs). It notes the records created
    and deleted, and what "first time ever" counts looked at before a
    change; the engine runs once, when the transaction commits. Changes of
    the fields key results read, here and on related records, are noted
    by the dependency map (``models/base.py``).
    """

    _name = "okr.source.mixin"
    _description = "OKR Source"

    okr_linked_key_result_ids = fields.Many2many(
        "okr.key.result",
        string="Linked Key Results",
        domain=lambda self: [
            ("source", "=", "linked"),
            ("source_model", "=", self._name),
        ],
        copy=False,
        help="Key results this record counts toward because it was linked by hand.",
    )
    okr_contribution_ids = fields.One2many(
        "okr.contribution",
        compute="_compute_okr_contributions",
        string="OKR Contributions",
    )
    okr_key_result_ids = fields.Many2many(
        "okr.key.result",
        compute="_compute_okr_contributions",
        string="Key Results",
        help="The key results this record counts toward.",
    )
    okr_key_result_count = fields.Integer(compute="_compute_okr_contributions")

    @api.depends_context("uid")
    def _compute_okr_contributions(self):
        # the records are the viewer's to read, so are their contributions
        # (for a user with OKR rights: meetings are everyone's)
        contributions = self.env["okr.contribution"]
        if contributions.has_access("read"):
            contributions = contributions.search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)]
            )
        by_record = contributions.grouped("res_id")
        for record in self:
            mine = by_record.get(record.id, contributions.browse())
            # Contributions are shown as far as the key results may be read.
            key_results = mine.key_result_id.with_env(self.env)._filtered_access("read")
            record.okr_contribution_ids = mine.filtered(
                lambda c, krs=key_results: c.key_result_id in krs
            )
            record.okr_key_result_ids = key_results
            record.okr_key_result_count = len(key_results)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._okr_check_kept_fields(vals)
        records = super().create(vals_list)
        if any(vals.get(LINKS_FIELD) for vals in vals_list):
            records._okr_check_link_access({}, records._okr_links())
        records._okr_notify_changed()
        return records

    def write(self, vals):
        self._okr_check_kept_fields(vals)
        if LINKS_FIELD not in vals:
            return super().write(vals)
        before = self._okr_links()
        result = super().write(vals)
        self._okr_check_link_access(before, self._okr_links())
        return result

    def _okr_links(self):
        """``{record id: ids of its linked key results}``, archived ones too."""
        records = self.sudo().with_context(active_test=False)
        return {record.id: set(record[LINKS_FIELD].ids) for record in records}

    def _okr_check_link_access(self, before, after):
        """Linking a record to a key result, or unlinking it, moves that key
        result: only who may change the key result does it (its owner, an
        OKR manager), whatever the record's rights. ``before``, ``after``:
        ``_okr_links`` around the change."""
        if self.env.su:
            return
        changed = set()
        for record_id in before.keys() | after.keys():
            changed |= before.get(record_id, set()) ^ after.get(record_id, set())
        key_results = self.env["okr.key.result"].browse(changed)
        if key_results - key_results._filtered_access("write"):
            raise AccessError(
                self.env._(
                    "%(field)s: only who may change a key result (its owner, "
                    "an OKR manager) links records to it or unlinks them.",
                    field=self._fields[LINKS_FIELD].string,
                )
            )

    @api.model
    def _okr_check_kept_fields(self, vals):
        """The fields a bridge computes for the rules to read (a ticket's
        resolution time, a rating's ticket: ``okr_*``, computed, read-only)
        are never set by a user, over any path: a value set by hand would
        count until the next recompute."""
        if self.env.su:
            return
        for fname in vals:
            field = self._fields.get(fname)
            if (
                field is not None
                and fname.startswith("okr_")
                and field.compute
                and field.readonly
            ):
                raise AccessError(
                    self.env._(
                        "%(field)s is computed for the key results and cannot be set.",
                        field=field.string,
                    )
                )

    # A change of a field some key result reads is noted by the dependency
    # map (see models/base.py), for these records as for related ones.

    def _write_multi(self, vals_list):
        pairs = self._okr_first_time_pairs() if self._okr_tracking() else ()
        fnames = set().union(*vals_list)
        if any(fnames.intersection(pair) for pair in pairs):
            self._okr_remember_keys(pairs)
        return super()._write_multi(vals_list)

    def unlink(self):
        # Noted before: the engine then finds the ids gone and withdraws them.
        if self._okr_tracking():
            pairs = self._okr_first_time_pairs()
            if pairs:
                self.flush_recordset()
                self._okr_remember_keys(pairs)
            self._okr_notify_changed()
        return super().unlink()

    @api.model
    def _okr_check_rule(self, domain, key_result):
        """Refuse, with ``DomainValueError``, a rule of ``key_result`` that
        Odoo accepts but this model cannot count as meant (a threshold out
        of range, a field that needs a setting the company lacks). ``domain``
        is parsed, with its placeholders filled; ``key_result`` may be a
        preset's throwaway key result. Sources with such rules override it."""

    def _okr_first_time_pairs(self):
        """``{(field, date field)}`` that "first time ever" counts of this
        model look at."""
        definitions = self.env["okr.key.result"]._okr_definitions(self._name)
        return {
            (d.measure_field, d.date_field)
            for d in definitions.values()
            if d.first_time_only
        }

    def _okr_remember_keys(self, pairs):
        """Keep what "first time ever" counts look at, before a change: the
        value counted and the record's day (only a record dated before a
        period can make a value not new in it), as the database holds them
        (the cache already holds the new values)."""
        if not self.ids:
            return
        old_keys = self.env["okr.key.result"]._okr_precommit_data(OLD_KEYS_KEY, {})
        for fname, date_fname in pairs:
            rows = self.env.execute_query(
                SQL(
                    "SELECT %s, (%s)::date FROM %s WHERE id IN %s",
                    SQL.identifier(fname),
                    SQL.identifier(date_fname),
                    SQL.identifier(self._table),
                    tuple(self.ids),
                )
            )
            old_keys.setdefault(self._name, {}).setdefault(
                (fname, date_fname), set()
            ).update((key, day) for key, day in rows if key and day)

    def _okr_notify_changed(self):
        if not self.ids or not self._okr_tracking():
            return
        if not self.env["okr.key.result"]._okr_definitions(self._name):
            return
        pending = self.env["okr.key.result"]._okr_precommit_data(PENDING_KEY, {})
        pending.setdefault(self._name, set()).update(self.ids)

    def _okr_contribution_noun(self):
        """What one of these records is called in a contribution's "+1 ...":
        the model's name ("+1 activity")."""
        self.ensure_one()
        return self.env["ir.model"].sudo()._get(self._name).name.lower()

    def action_open_okr_key_results(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "okr_sales.okr_key_result_action"
        )
        action["domain"] = [("id", "in", self.okr_key_result_ids.ids)]
        action["context"] = {}
        return action
