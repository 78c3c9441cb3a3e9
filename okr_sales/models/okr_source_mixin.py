from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
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
        facts = self._okr_kept_facts()
        given = [self._okr_facts_given(facts, vals) for vals in vals_list]
        records = super().create(vals_list)
        if any(vals.get(LINKS_FIELD) for vals in vals_list):
            records._okr_check_link_access({}, records._okr_links())
        if any(given):
            for record, fnames in zip(records, given, strict=True):
                if fnames:
                    record._okr_guard_facts(facts, fnames, before={})
        records._okr_notify_changed()
        return records

    def write(self, vals):
        self._okr_check_kept_fields(vals)
        facts = self._okr_kept_facts()
        fnames = [fname for fname in facts.fields if fname in vals] if facts else ()
        if fnames and facts.withdrawable:
            defaults = self._okr_fact_defaults(facts)
            fnames = [
                f for f in fnames if not self._okr_same_fact(f, vals[f], defaults)
            ]
        links = LINKS_FIELD in vals
        if not (fnames or links):
            return super().write(vals)
        # before: a fact changed; after: a record moved among those it counts
        facts_before = self._okr_guard_facts(facts, fnames) if fnames else None
        links_before = self._okr_links() if links else None
        result = super().write(vals)
        if fnames:
            self._okr_guard_facts(facts, fnames, facts_before)
        if links:
            self._okr_check_link_access(links_before, self._okr_links())
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
        count until the next recompute. The source's kept facts
        (``SourceSpec.kept_facts``) are guarded by ``_okr_guard_facts``."""
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

    # ------------------------------------------------------------
    # Kept facts: what the person measured may not type
    # ------------------------------------------------------------

    def _okr_kept_facts(self):
        """The source's ``KeptFacts`` to guard: None for the superuser (the
        flows that own them run with ``sudo()``), for a source without, and
        while no live key result counts the source: Odoo's rights are then
        as Odoo has them (OCA's helpdesk tests write a rating as the ticket's
        user)."""
        if self.env.su:
            return None
        key_results = self.env["okr.key.result"]
        spec = key_results._okr_sources().get(self._name)
        if not spec or not spec.kept_facts:
            return None
        definitions, broken = key_results._okr_built_definitions(self._name)
        return spec.kept_facts if definitions or broken else None

    def _okr_facts_given(self, facts, vals):
        """The facts a new record is given other than the default: in
        ``vals`` or by a ``default_`` key of the context."""
        if not facts:
            return []
        values = {
            fname: self.env.context[f"default_{fname}"]
            for fname in facts.fields
            if f"default_{fname}" in self.env.context
        }
        values.update((fname, vals[fname]) for fname in facts.fields if fname in vals)
        if not values:
            return []
        defaults = self._okr_fact_defaults(facts)
        return [
            fname
            for fname in self._okr_single_facts(facts)
            if fname in values
            and not self._okr_same_fact(fname, values[fname], defaults)
        ]

    def _okr_single_facts(self, facts):
        """The facts a new or deleted record is checked on: not the lists
        (x2many), which the model's own create fills in (a survey answer's
        questions) and which are guarded on write."""
        return [f for f in facts.fields if not self._fields[f].type.endswith("2many")]

    def _okr_fact_defaults(self, facts):
        """What a new record holds in the facts when given nothing: the
        fields' defaults, without the caller's context."""
        clean = {
            key: value
            for key, value in self.env.context.items()
            if not key.startswith("default_")
        }
        return self.with_env(self.env(context=clean)).default_get(list(facts.fields))

    def _okr_same_fact(self, fname, value, defaults):
        field = self._fields[fname]
        empty = self.browse()
        return field.convert_to_cache(value, empty) == field.convert_to_cache(
            defaults.get(fname, False), empty
        )

    def _okr_facts_scope(self, facts):
        """The records whose fields are facts (``KeptFacts.scope``)."""
        if not facts.scope:
            return self
        return self.filtered_domain(Domain(list(facts.scope)))

    def _okr_facts_refusal(self, facts, fname):
        managers = self.env.ref(facts.managers).sudo()
        return AccessError(
            self.env._(
                "“%(field)s” is counted by key results and is not yours to set: "
                "it is the customer's answer or a fact the system records. Only "
                "%(managers)s can correct it.",
                field=self._fields[fname].string,
                managers=managers.full_name,
            )
        )

    def _okr_guard_facts(self, facts, fnames, before=None):
        """Refuse the change of ``fnames`` on the records they are facts of,
        unless the user manages them. Called before a write (``before``
        None: returns the values it changes, for the message), and after a
        write (with them: a record may have moved among those the facts
        count) or a create (``{}``), where a manager's change is told in the
        chatter."""
        records = self._okr_facts_scope(facts)
        if facts.voice_field:
            # his own answer is the invitee's to give
            me = self.env.user.partner_id
            records = records.filtered(lambda r: r[facts.voice_field] != me)
        if not records:
            return {}
        if not self.env.user.has_group(facts.managers):
            raise records._okr_facts_refusal(facts, fnames[0])
        if before is None:
            return {record.id: {f: record[f] for f in fnames} for record in records}
        records._okr_tell_facts_correction(facts, fnames, before)
        return before

    def _okr_tell_facts_correction(self, facts, fnames, before):
        """Post what a manager changed in the facts on the record's chatter
        (or its ``thread_field``'s)."""
        for record in self:
            thread = record[facts.thread_field] if facts.thread_field else record
            if not thread or not isinstance(thread, self.env.registry["mail.thread"]):
                continue
            old = before.get(record.id, {})
            lines = Markup().join(
                Markup("<li>%s: %s → %s</li>")
                % (
                    self._fields[fname].string,
                    record._okr_fact_display(fname, old.get(fname)),
                    record._okr_fact_display(fname, record[fname]),
                )
                for fname in fnames
            )
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                self.env._(
                    "Counted by key results, corrected by %(user)s (%(record)s):",
                    user=self.env.user.name,
                    record=record.display_name,
                ),
                lines,
            )
            thread.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _okr_guard_facts_unlink(self, facts):
        """Deleting a record that holds facts (a value other than a new
        record's) takes them away: refused, unless the user manages them."""
        defaults = self._okr_fact_defaults(facts)
        for record in self._okr_facts_scope(facts):
            held = [
                fname
                for fname in self._okr_single_facts(facts)
                if not record._okr_same_fact(
                    fname,
                    record._fields[fname].convert_to_write(record[fname], record),
                    defaults,
                )
            ]
            if held:
                record._okr_guard_facts(facts, held)

    def _okr_fact_display(self, fname, value):
        return self._fields[fname].convert_to_display_name(value, self) or "-"

    # A change of a field some key result reads is noted by the dependency
    # map (see models/base.py), for these records as for related ones.

    def _okr_before_write(self, fnames):
        # called by models/base.py's _write_multi, before the rows change
        result = super()._okr_before_write(fnames)
        pairs = self._okr_first_time_pairs() if self._okr_tracking() else ()
        if any(fnames.intersection(pair) for pair in pairs):
            self._okr_remember_keys(pairs)
        return result

    def unlink(self):
        facts = self._okr_kept_facts()
        if facts:
            self._okr_guard_facts_unlink(facts)
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
