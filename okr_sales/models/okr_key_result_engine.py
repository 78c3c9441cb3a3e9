"""The key result's side of the progress engine: its definition, the work a
transaction leaves for its commit, and the scheduled actions.

``okr_key_result.py`` says what a key result is; this file how an automatic
one moves. The engine itself is in ``engine/`` (start with its docstring).
"""

import logging
import time
from dataclasses import replace
from datetime import timedelta
from functools import partial

import psycopg2
from psycopg2 import errors

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..engine.contributions import clear_query_caches, contribution_query
from ..engine.definitions import (
    COUNTING_SOURCES,
    SOURCE_ROLLUP,
    UPDATE_BACKGROUND,
    UPDATE_MODE_PARAM,
    UPDATE_TRANSACTION,
    KeyResultDefinition,
    definition_attributes,
    definition_fields,
)
from ..engine.dependencies import (
    KEY_RESULT,
    affected_domain,
    definition_dependencies,
    dependency_map,
    reference_domain,
)
from ..engine.domains import parse_domain
from ..engine.engine import EngineInputs, ProgressEngine, engine_env
from ..engine.forecast import can_forecast, forecast_domain, weighted_total
from ..engine.pg import engine_settings
from ..engine.progress import key_result_progress
from ..engine.queue import process_after_commit
from ..engine.sources import CRM_SOURCES
from ..tools.amount_field import Amount
from .okr_source_mixin import OLD_KEYS_KEY, PENDING_KEY

_logger = logging.getLogger(__name__)

# precommit data keys: whether the transaction's engine work is registered;
# the ids of key results whose definition may have changed; and the changes
# of fields key results read through relations, {Dependency: ids or values}
REGISTERED_KEY = "okr_sales.registered"
DEFINITIONS_KEY = "okr_sales.changed_definitions"
CHANGES_KEY = "okr_sales.dependency_changes"
# ... and {kr id: error} of definitions that failed to build
BROKEN_KEY = "okr_sales.broken_definitions"
# Key result fields whose change may change what it counts: those of its
# definition and whether it is live at all; and its baseline, the value of a
# key result that has no data (an average of no records).
DEFINITION_TRIGGERS = frozenset(
    {*definition_fields(), "active", "objective_id", "baseline_value"}
)
# Queue rows the scheduled action processes per committed batch.
PENDING_BATCH = 1000
# Seconds the scheduled action waits, once woken, for more queued changes.
GATHER_SECONDS = 0.5


def _frozen(value):
    """Lists to tuples, all the way down: definitions are immutable."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

    pending_change_count = fields.Integer(
        "Changes Waiting",
        compute="_compute_pending_change_count",
        help="Changes of records queued for the engine and not yet counted "
        "(see OKRs > Configuration > Settings): the value follows within "
        "moments.",
    )
    definition_key = fields.Char(
        readonly=True,
        copy=False,
        help="Digest of the definition the stored contributions were counted "
        "with: a key result whose definition no longer gives it is rebuilt.",
    )

    forecast_value = Amount(
        "Forecast",
        currency_field="currency_id",
        compute="_compute_forecast",
        help="The current value plus the open opportunities expected to close "
        "in the period (Open Pipeline), each weighted by its probability.",
    )
    forecast_progress = fields.Float(compute="_compute_forecast", digits=(16, 1))
    forecast_summary = fields.Char(compute="_compute_forecast")
    forecast_count = fields.Integer(
        "Open Opportunities",
        compute="_compute_forecast_count",
        help="Open opportunities behind the forecast that you may read.",
    )
    has_hidden_pipeline = fields.Boolean(
        compute="_compute_forecast_count",
        help="Some open opportunities the forecast counts are not readable by "
        "the current user: said so, never how many nor which.",
    )

    def _compute_forecast(self):
        # Computed when shown, never stored: the pipeline moves with every
        # opportunity's stage, amount and date; a stored forecast would lag.
        # An aggregate, as the current value: the same for every reader (a
        # non-stored field is cached per record, not per user).
        for key_result in self:
            value = key_result._okr_forecast(key_result._okr_today())
            if value is None:
                key_result.update(
                    {
                        "forecast_value": 0.0,
                        "forecast_progress": 0.0,
                        "forecast_summary": False,
                    }
                )
                continue
            progress = key_result_progress(
                key_result.baseline_value, key_result.target_value, value
            )
            key_result.update(
                {
                    "forecast_value": value,
                    "forecast_progress": progress,
                    "forecast_summary": self.env._(
                        "Forecast: %(value)s of %(target)s (%(progress)s%%)",
                        value=key_result._okr_format_value(value),
                        target=key_result._okr_format_value(key_result.target_value),
                        progress=round(100.0 * value / key_result.target_value)
                        if key_result.target_value
                        else 0,
                    ),
                }
            )

    @api.depends_context("uid")
    def _compute_forecast_count(self):
        # Those the viewer may read, as the Open Pipeline list opens them.
        for key_result in self:
            pipeline = key_result._okr_open_pipeline(key_result._okr_today())
            readable, hidden = pipeline or (None, False)
            key_result.forecast_count = len(readable or ())
            key_result.has_hidden_pipeline = hidden

    def _okr_forecast_records(self, today):
        """``(definition, domain)`` of the open records this key result's
        forecast takes, or None without a forecast."""
        self.ensure_one()
        if not (self._okr_is_live() and (self.forecast_domain or "").strip()):
            return None
        try:
            definition = self._okr_definition()
            spec = self._okr_sources()[definition.model]
            rule = parse_domain(self.forecast_domain, self._okr_placeholders())
        except AccessError:
            raise  # a right the code lacks, not a broken definition
        except Exception:  # noqa: BLE001 - a broken definition says so itself
            return None
        if not can_forecast(definition, spec):
            return None
        model = self.env[definition.model]
        try:
            domain = forecast_domain(model, definition, spec, rule, today)
            domain.validate(model)
        except (ValueError, TypeError, KeyError):
            return None  # a rule of other records (the measured ones changed)
        return definition, domain

    def _okr_forecast(self, today):
        """The forecast value (the current value plus the weighted open
        pipeline), or None without a forecast."""
        found = self._okr_forecast_records(today)
        if found is None:
            return None
        definition, domain = found
        return self.current_value + self._okr_weighted_pipeline(
            definition, domain, today
        )

    def _okr_weighted_pipeline(self, definition, domain, today):
        """The open records' amounts (or count) weighted by probability, in
        the key result's currency. Counted as the system, as the value is:
        every record in the key result's scope, whoever reads it. Only the
        total leaves this method, never a record."""
        spec = self._okr_sources()[definition.model]
        model = self.env[definition.model].sudo().with_context(active_test=False)
        measure_field = definition.measure_field
        field = model._fields.get(measure_field) if measure_field else None
        currency_key = None
        if field is not None and field.type == "monetary":
            currency_field = model._fields[field.get_currency_field(model)]
            if currency_field.store:
                currency_key = currency_field.name
            elif "company_id" in model._fields and model._fields["company_id"].store:
                currency_key = "company_id"  # crm.lead's company_currency
        groupby = [spec.probability_field, *([currency_key] if currency_key else [])]
        sums = [f"{measure_field}:sum"] if field is not None else []
        target = self.currency_id
        rows = []
        for group in model._read_group(domain, groupby, [*sums, "__count"]):
            amount = group[len(groupby)] if sums else 0.0
            if amount and currency_key:
                currency = group[1]
                if currency._name == "res.company":
                    currency = currency.currency_id
                currency = currency or self.company_id.currency_id
                if target and currency and currency != target:
                    amount = currency._convert(amount, target, self.company_id, today)
            rows.append((amount, group[0] or 0.0, group[-1]))
        return weighted_total(definition.measure, rows)

    def _okr_open_pipeline(self, today):
        """``(open records the viewer may read, whether some are hidden)``
        behind the forecast, or None without a forecast."""
        found = self._okr_forecast_records(today)
        if found is None:
            return None
        definition, domain = found
        model = self.env[definition.model].with_context(active_test=False)
        readable = model.search(domain) if model.has_access("read") else model
        # Whether she reads them all: a count as the system, never shown.
        hidden = model.sudo().search_count(domain) > len(readable)
        return readable, hidden

    def action_open_forecast(self):
        """The open opportunities behind the forecast, with the viewer's
        own rights: those she may read (the forecast counts them all)."""
        self.ensure_one()
        self.check_access("read")
        pipeline = self._okr_open_pipeline(self._okr_today())
        if pipeline is None:
            return False
        readable, hidden = pipeline
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pipeline behind: %(name)s", name=self.name),
            "res_model": readable._name,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", readable.ids)],
            "context": {"create": False},
            "help": self._okr_pipeline_help(readable, hidden),
        }

    def _okr_pipeline_help(self, model, hidden):
        """What an Open Pipeline list says when empty: nothing expected, or
        open records the viewer may not read (not how many)."""
        if hidden:
            return self.env._(
                "<p>There are open %(records)s in this forecast that you may "
                "not see: your access rights do not include them.</p>",
                records=model._description,
            )
        return self.env._(
            "<p>No open %(records)s are expected to close in this period.</p>",
            records=model._description,
        )

    def _compute_pending_change_count(self):
        # Queued changes are records, not key results: whether this one is
        # among those they touch is known once they are processed.
        count = self.env["okr.pending.change"].sudo().search_count([])
        for key_result in self:
            key_result.pending_change_count = (
                count if key_result.source in COUNTING_SOURCES else 0
            )

    # ------------------------------------------------------------------
    # DEFINITIONS
    # ------------------------------------------------------------------

    @api.model
    def _okr_sources(self):
        """``{model name: SourceSpec}`` of the records key results can count.

        The extension point: a bridge addon adds its model here and mixes
        ``okr.source.mixin`` into it.
        """
        return {spec.model: spec for spec in CRM_SOURCES}

    def _okr_placeholders(self):
        return {
            "owner_id": self.user_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "date_start": fields.Date.to_string(self.date_start),
            "date_end": fields.Date.to_string(self.date_end),
        }

    def _okr_definition(self):
        """This key result as the engine sees it; raises if it is broken."""
        self.ensure_one()
        if self.source not in COUNTING_SOURCES:
            raise ValueError(f"key result {self.id} counts no records")
        if not self.date_field_id or not self.measure or not self.source_model:
            raise ValueError(
                self.env._("the definition is incomplete (a field was removed?)")
            )
        values = {}
        for name, fname, _kind, _parse in definition_attributes():
            value = self[fname]
            if isinstance(value, models.BaseModel) and value._name == "ir.model.fields":
                # A field's name, as the system: ir.model.fields is read by
                # administrators only, the definition by all its readers.
                value = value.sudo().name
            elif isinstance(value, models.BaseModel):
                value = value.id
            values[name] = value
        placeholders = self._okr_placeholders()
        return KeyResultDefinition.build(
            self.id,
            values,
            lambda text: _frozen(parse_domain(text, placeholders)),
            tz=self._okr_tz(),
        )

    @api.model
    def _okr_definitions(self, model_name):
        """``{key result id: definition}`` of the live automatic key results
        counting records of ``model_name``.

        A key result whose definition fails to build is never cached as left
        out: it is tried again at each call (a failure may pass: Python's
        parser under threads), and while it fails, its error is recorded on
        it and logged when the transaction commits (``_okr_record_broken``).
        """
        definitions, broken = self._okr_built_definitions(model_name)
        if not broken:
            return definitions
        definitions, errors = dict(definitions), {}
        for key_result in self.sudo().browse(sorted(broken)).exists():
            try:
                definitions[key_result.id] = key_result._okr_definition()
            except Exception as error:  # noqa: BLE001 - a broken KR must not block
                errors[key_result.id] = str(error) or error.__class__.__name__
        if len(errors) < len(broken):
            self.env.registry.clear_cache()  # it passed: build them again
        if errors:
            self._okr_precommit_data(BROKEN_KEY, {}).update(errors)
        return definitions

    @api.model
    @tools.ormcache("model_name")
    def _okr_built_definitions(self, model_name):
        """``({key result id: definition}, frozenset of broken ids})`` of the
        live automatic key results counting ``model_name``, cached until one
        changes."""
        key_results = (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("source", "in", COUNTING_SOURCES),
                    ("source_model", "=", model_name),
                    ("objective_id.active", "=", True),
                ]
            )
        )
        definitions, broken = {}, set()
        for key_result in key_results:
            try:
                definitions[key_result.id] = key_result._okr_definition()
            except Exception:  # noqa: BLE001 - tried again at each call
                broken.add(key_result.id)
        return definitions, frozenset(broken)

    @api.model
    def _okr_record_broken(self, failures):
        """Show on each key result why its definition cannot be built
        (``{kr id: error}``), and log it the first time. Never the deal's
        failure: a key result another transaction is writing is left for
        the next one."""
        for key_result in self.sudo().browse(sorted(failures)).exists():
            message = self.env._(
                "The definition cannot be used: %(error)s. Fix it and save.",
                error=failures[key_result.id],
            )
            if key_result.computation_error == message:
                continue
            _logger.warning(
                "Key result %s is left out of automatic updates: %s",
                key_result.id,
                failures[key_result.id],
            )
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL(
                            "SELECT id FROM okr_key_result WHERE id = %s"
                            " FOR UPDATE NOWAIT",
                            key_result.id,
                        ),
                        log_exceptions=False,
                    )
                    key_result.with_context(
                        tracking_disable=True
                    ).computation_error = message
            except (errors.LockNotAvailable, errors.SerializationFailure):
                continue

    def _okr_check_counting(self):
        """Refuse at save a definition whose records the engine cannot count:
        its query is built and planned (EXPLAIN, nothing runs), so that what
        the checks of the fields do not foresee (a type PostgreSQL refuses)
        is said now, not at the next deal."""
        self.ensure_one()
        try:
            definition = self._okr_definition()
            # a preset's sample belongs to nobody yet: anyone's records will do
            definition = replace(
                definition,
                id=self._origin.id or 0,
                user_id=definition.user_id or self.env.uid,
                team_id=definition.team_id or 0,
                company_id=definition.company_id or self.env.company.id,
            )
            spec = self._okr_sources()[definition.model]
            query = contribution_query(engine_env(self.env), definition, spec)
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL("EXPLAIN %s", query), log_exceptions=False)
        except psycopg2.Error as error:
            raise ValidationError(
                self.env._(
                    "The records cannot be counted with this definition: %(error)s",
                    error=error.diag.message_primary or error,
                )
            ) from error
        except (ValueError, TypeError, KeyError) as error:
            raise ValidationError(
                self.env._(
                    "The records cannot be counted with this definition: %(error)s",
                    error=error,
                )
            ) from error

    @api.model
    @tools.ormcache()
    def _okr_dependency_map(self):
        """The ``DependencyMap`` of every live automatic key result: which
        fields of which models their values read (see
        ``engine/dependencies.py``), cached until a definition changes."""
        dependencies = set()
        for model_name, spec in self._okr_sources().items():
            if model_name not in self.env:
                continue
            for definition in self._okr_definitions(model_name).values():
                dependencies |= definition_dependencies(self.env, definition, spec)
        # The OKRs' own records are the engine's to write, not to follow.
        dependencies = {d for d in dependencies if not d.model.startswith("okr.")}
        return dependency_map(self.env, dependencies)

    @api.model
    def _okr_fields_removed(self, removed, field_records):
        """Fields ``removed`` (``{(model, field name)}``, the
        ``ir.model.fields`` ``field_records``) are being deleted, by an
        uninstall or by hand: the live automatic key results that read them
        are shown in error and logged now, not at the next deal
        (see ``ir_model_fields.py``)."""
        key_results = self.sudo().search([("source", "in", COUNTING_SOURCES)])
        field_refs = [
            fname
            for fname in definition_fields()
            if self._fields[fname].comodel_name == "ir.model.fields"
        ]
        failures = {}
        for key_result in key_results.filtered(lambda kr: kr._okr_is_live()):
            gone = {
                f"{key_result[fname].model}.{key_result[fname].name}"
                for fname in field_refs
                if key_result[fname] in field_records
            }
            try:
                definition = key_result._okr_definition()
                spec = self._okr_sources()[definition.model]
                read = definition_dependencies(self.env, definition, spec)
                gone |= {
                    f"{model}.{fname}"
                    for model, fname in removed & {(d.model, d.field) for d in read}
                }
            except Exception:  # noqa: BLE001 - broken already: it says so
                _logger.debug("Key result %s: no definition", key_result.id)
            if gone:
                failures[key_result.id] = self.env._(
                    "a field it reads is removed (%(fields)s)",
                    fields=", ".join(sorted(gone)),
                )
        if failures:
            self.env.registry.clear_cache()
            self._okr_record_broken(failures)

    def _okr_is_live(self):
        """Whether this key result counts records now."""
        self.ensure_one()
        return (
            self.source in COUNTING_SOURCES and self.active and self.objective_id.active
        )

    # ------------------------------------------------------------------
    # THE TRANSACTION'S WORK, DONE AT ITS COMMIT
    # ------------------------------------------------------------------

    @api.model
    def _okr_precommit_data(self, key, default):
        """The transaction's value under ``key`` (``default`` the first
        time), with the engine's run registered for the commit."""
        data = self.env.cr.precommit.data
        if REGISTERED_KEY not in data:
            data[REGISTERED_KEY] = True
            self.env.cr.precommit.add(
                self.env["okr.key.result"].sudo()._okr_process_pending
            )
        return data.setdefault(key, default)

    def _okr_write_current_values(self, values):
        """Write the engine's values (``{kr id: value}``) in one statement,
        not one ORM write per key result: the deal's transaction pays for
        the values, not for the write method's checks and tracking, which
        are the system's to skip (the engine counts; nobody types). What
        follows a value still follows: progress, status and the objective's
        progress are marked for recompute (``modified``), and what reacts to
        a value in ``_write_multi`` is told here: the day's history point,
        the roll-ups over them, the live refresh message."""
        if not values:
            return
        key_results = self.sudo().browse(sorted(values))
        field = self._fields["current_value"]
        rows = [
            SQL(
                "(%s, %s::numeric)",
                key_result.id,
                field.convert_to_cache(values[key_result.id], key_result),
            )
            for key_result in key_results
        ]
        self.env.cr.execute(
            SQL(
                "UPDATE okr_key_result k SET current_value = v.value,"
                " write_uid = %s, write_date = %s"
                " FROM (VALUES %s) AS v(id, value) WHERE k.id = v.id",
                self.env.uid,
                self.env.cr.now(),
                SQL(", ").join(rows),
            )
        )
        key_results.invalidate_recordset(["current_value", "write_uid", "write_date"])
        key_results.modified(["current_value"])
        key_results._okr_note_history()
        key_results._okr_note_rollup_children()
        key_results._okr_note_moved(key_results.ids)

    def _okr_note_definition_change(self):
        """These key results may count something else now: compared with
        what they counted (``definition_key``) when the transaction commits."""
        if self.ids:
            self._okr_precommit_data(DEFINITIONS_KEY, set()).update(self.ids)

    def _write_multi(self, vals_list):
        # Every stored change goes through here, also those the ORM
        # recomputes (a team or dates following the objective's).
        super()._write_multi(vals_list)
        if any(DEFINITION_TRIGGERS.intersection(vals) for vals in vals_list):
            self._okr_note_definition_change()
        return None  # as the ORM's

    @api.model
    def _okr_note_dependency_change(
        self, records, dependencies, link_values, resolve_now=False
    ):
        """Fields that ``dependencies`` follow changed on ``records``; the
        counted records they touch are found when the transaction commits
        (``_okr_resolve_changes``), or now if ``records`` are being deleted
        (``resolve_now``: nothing leads to them afterwards)."""
        changes = {}
        for dependency in dependencies:
            if dependency.link:
                values = link_values.get(dependency.field, set())
            else:
                values = set(records.ids)
            if values:
                changes.setdefault(dependency, set()).update(values)
        if resolve_now:
            # records reached through them, found while they are still there
            now = {
                dep: ids
                for dep, ids in changes.items()
                if dep.path and not dep.link and dep.source != KEY_RESULT
            }
            self._okr_resolve_changes(now, self._okr_precommit_data(PENDING_KEY, {}))
            changes = {dep: ids for dep, ids in changes.items() if dep not in now}
        stored = self._okr_precommit_data(CHANGES_KEY, {})
        for dependency, values in changes.items():
            stored.setdefault(dependency, set()).update(values)

    @api.model
    def _okr_note_references(self, records, references):
        """``records`` are being deleted: the counted records whose
        many-to-one points at them lose it, in the database."""
        pending = self._okr_precommit_data(PENDING_KEY, {})
        for dependency in references:
            model = self.env[dependency.source].sudo().with_context(active_test=False)
            found = model.search(reference_domain(dependency, records.ids))
            pending.setdefault(dependency.source, set()).update(found.ids)

    @api.model
    def _okr_resolve_changes(self, changes, pending):
        """Add to ``pending`` the counted records ``changes`` touch, one search
        per path however many records changed; returns the ids of the key
        results to recompute (a currency rate changed)."""
        recompute, by_path = set(), {}
        for dependency, values in changes.items():
            if dependency.source == KEY_RESULT:
                recompute.add(dependency.key_result_id)
            elif not dependency.path:
                pending.setdefault(dependency.source, set()).update(values)
            else:
                by_path.setdefault((dependency.source, dependency.path), set()).update(
                    values
                )
        for (source, path), values in by_path.items():
            model = self.env[source].sudo().with_context(active_test=False)
            found = model.search(affected_domain(path, values))
            pending.setdefault(source, set()).update(found.ids)
        return recompute

    @api.model
    def _okr_update_mode(self):
        return (
            self.env["ir.config_parameter"].sudo().get_param(UPDATE_MODE_PARAM)
            or UPDATE_TRANSACTION
        )

    @api.model
    def _okr_process_pending(self):
        """Run the engine on what the transaction changed (see the engine's
        docstring); called when the transaction commits."""
        # First what the flush itself changes (fields the ORM recomputes).
        self.env.flush_all()
        data = self.env.cr.precommit.data
        data.pop(REGISTERED_KEY, None)
        changed = data.pop(DEFINITIONS_KEY, None) or set()
        pending = data.pop(PENDING_KEY, None) or {}
        old_keys = data.pop(OLD_KEYS_KEY, None) or {}
        changes = data.pop(CHANGES_KEY, None) or {}
        broken = data.pop(BROKEN_KEY, None) or {}
        if broken:
            self._okr_record_broken(broken)
        if changed:
            # A manager's edit: rebuilt in the manager's transaction, in
            # both modes.
            with engine_settings(self.env.cr):
                self._okr_sync_definitions(changed)
        recompute = self._okr_resolve_changes(changes, pending)
        if recompute:
            # A rate or a company's currency: amounts converted again, in
            # the transaction that changed it.
            key_results = self.browse(recompute).exists()
            with engine_settings(self.env.cr):
                key_results._okr_recompute(key_results.ids)
        if pending:
            self._okr_process_records(pending, old_keys)
        # Then the roll-ups over every value that moved.
        self._okr_roll_up_pending()
        # And the winners of deals hear what their deals moved.
        self._okr_notify_won_deals()

    @api.model
    def _okr_process_records(self, pending, old_keys):
        """Count the changed records now, or queue them (background mode)."""
        if self._okr_update_mode() == UPDATE_BACKGROUND:
            # Only queued, for the scheduled action: none of the engine's
            # queries run in the deal's transaction.
            self._okr_engine(counting=False).defer(pending, old_keys)
            self.env.ref("okr_sales.ir_cron_okr_fold_pending")._trigger()
            return
        # No engine_settings: the engine sets them with its locks.
        self._okr_run_engine(pending, old_keys)

    @api.model
    def _okr_sync_definitions(self, key_result_ids):
        """Rebuild the key results whose definition changed, forget those that
        no longer count records."""
        key_results = (
            self.sudo().with_context(active_test=False).browse(key_result_ids).exists()
        )
        rebuild, clear, keys, unchanged = [], [], {}, {}
        for key_result in key_results:
            if not key_result._okr_is_live():
                if key_result.definition_key:
                    clear.append(key_result.id)
                    keys[key_result.id] = None
                continue
            try:
                key = key_result._okr_definition().key
            except Exception:  # noqa: BLE001 - the recompute records it
                key = None
            # In error, a save rebuilds it whatever changed: the error may
            # have cost it changes.
            if (
                key is None
                or key != key_result.definition_key
                or key_result.computation_error
            ):
                rebuild.append(key_result.id)
                keys[key_result.id] = key
            else:
                unchanged[key_result.id] = key_result._okr_definition()
        engine = self._okr_engine(counting=False)
        self._okr_apply_engine_result(engine.refresh(unchanged))
        if not keys:
            return
        # Every worker's cached definitions change with them.
        self.env.registry.clear_cache()
        engine.clear(clear)
        self._okr_recompute(rebuild, rebuild=True, engine=engine)
        self.env.cr.execute(
            SQL(
                "UPDATE okr_key_result k SET definition_key = v.key"
                " FROM (VALUES %s) AS v(id, key) WHERE k.id = v.id",
                SQL(", ").join(SQL("(%s, %s)", *item) for item in keys.items()),
            )
        )
        key_results.invalidate_recordset(["definition_key"])

    @api.model
    def _okr_run_engine(self, pending, old_keys):
        """Update the key results of the changed records in this transaction,
        or queue them for right after the commit if one is busy."""
        engine = self._okr_engine()
        try:
            result = engine.run_in_savepoint(pending, old_keys, nowait=True)
        except (errors.LockNotAvailable, errors.SerializationFailure) as busy:
            # A shared key result is busy: process after the commit.
            _logger.debug("OKR changes deferred after commit: %s", busy)
        except Exception:
            # Never the deal's failure: its records stay queued, and the
            # processing after the commit (or its scheduled action) retries.
            _logger.exception("OKR changes could not be processed; deferred")
        else:
            self._okr_apply_engine_result(result)
            return
        engine.defer(pending, old_keys)
        self.env.cr.postcommit.add(
            partial(process_after_commit, self.env.registry, _process_queue)
        )

    # ------------------------------------------------------------------
    # THE ENGINE'S INPUTS AND WHAT IT RETURNS
    # ------------------------------------------------------------------

    @api.model
    def _okr_engine_inputs(self):
        """``EngineInputs``: the definitions of the live automatic key
        results of every source, the sources and the roll-up graph, as
        plain data (cached: no query unless a definition or the tree
        changed)."""
        sources = self._okr_sources()
        return EngineInputs(
            definitions={name: self._okr_definitions(name) for name in sources},
            sources=sources,
            rollup_graph=self._okr_rollup_graph_now(),
        )

    @api.model
    def _okr_engine(self, counting=True):
        """A ``ProgressEngine`` on this environment's cursor, with its
        inputs; only the sources unless it is to count changed records
        (``counting``): a recompute or a refresh is handed its
        definitions."""
        if counting:
            return ProgressEngine(self.env, self._okr_engine_inputs())
        return ProgressEngine(self.env, EngineInputs(sources=self._okr_sources()))

    @api.model
    def _okr_apply_engine_result(self, result):
        """Write what the engine returned (``EngineResult``): the values that
        moved, in one statement; errors cleared by a full recompute; and the
        errors, shown on their key results and logged."""
        self._okr_write_current_values(result.values)
        if result.cleared:
            self.sudo().with_context(active_test=False).browse(
                sorted(result.cleared)
            ).exists().filtered("computation_error").with_context(
                tracking_disable=True
            ).computation_error = False
        if result.errors:
            self._okr_record_errors(result.errors)

    @api.model
    def _okr_record_errors(self, failures):
        """Show on each key result the error (``{kr id: exception}``) that
        kept it from being updated, and log it. Never the caller's failure:
        a key result another transaction holds is left as it is (the error
        comes back at its next update)."""
        for kr_id, error in sorted(failures.items()):
            _logger.error("Key result %s could not be updated", kr_id, exc_info=error)
            key_result = (
                self.sudo()
                .with_context(tracking_disable=True, active_test=False)
                .browse(kr_id)
                .exists()
            )
            if not key_result:
                continue
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL(
                            "SELECT id FROM okr_key_result WHERE id = %s"
                            " FOR UPDATE NOWAIT",
                            kr_id,
                        ),
                        log_exceptions=False,
                    )
                    key_result.computation_error = (
                        str(error) or error.__class__.__name__
                    )
            except (errors.LockNotAvailable, errors.SerializationFailure):
                continue

    @api.model
    def _okr_recompute(self, key_result_ids, rebuild=False, engine=None):
        """Recompute these key results from all their records (see the
        engine's ``recompute``), write the result and return the drift,
        ``{kr id: (old value, new value)}``."""
        self.env.flush_all()
        definitions, failures = {}, {}
        key_results = self.sudo().with_context(active_test=False)
        for key_result in key_results.browse(key_result_ids):
            try:
                definitions[key_result.id] = key_result._okr_definition()
            except Exception as error:  # noqa: BLE001 - shown on the KR
                failures[key_result.id] = error
        engine = engine or self._okr_engine(counting=False)
        result = engine.recompute(definitions, rebuild=rebuild)
        result.errors.update(failures)
        self._okr_apply_engine_result(result)
        return result.drift

    @api.model
    def _okr_process_queue(self, limit=None):
        """Process the queued changes (``okr.pending.change``), the oldest
        ``limit`` rows or all, and write their values; returns the number
        of queue rows processed."""
        processed, result = self._okr_engine().process_pending(limit=limit)
        self._okr_apply_engine_result(result)
        return processed

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_recompute(self):
        """Rebuild the selected automatic key results and say what changed."""
        if not (self.env.su or self.env.user._okr_is_manager()):
            raise AccessError(
                self.env._("Only OKR managers can recompute key results.")
            )
        self.check_access("read")
        automatic = self.filtered(lambda kr: kr.source in COUNTING_SOURCES)
        self.env.flush_all()
        drift = self._okr_recompute(automatic.ids)
        automatic._okr_post_drift(drift)
        # and the roll-ups from their key results, when the transaction commits
        self._okr_note_rollup_targets()
        message = self.env._(
            "%(count)s key result(s) recomputed; %(drift)s value(s) corrected.",
            count=len(automatic),
            drift=len(drift),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if drift else "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_breakdown(self):
        """Pivot and graph of the records behind the value, beside the same
        period last year (``okr.breakdown.line``)."""
        self.ensure_one()
        return self.env["okr.breakdown.line"]._okr_open(self)

    def _okr_post_drift(self, drift):
        """Say on each key result, and log, the value a recompute corrected:
        a drift the incremental updates had let in."""
        for key_result in self.browse(list(drift)):
            old, new = drift[key_result.id]
            _logger.warning(
                "Key result %s drifted: %s instead of %s, corrected by recompute",
                key_result.id,
                old,
                new,
            )
            key_result.message_post(
                body=self.env._(
                    "Recompute corrected the value from %(old)s to %(new)s.",
                    old=old,
                    new=new,
                ),
            )

    # ------------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------------

    @api.model
    def _cron_fold_pending(self):
        """Process the queued changes (``okr.pending.change``): all of them
        in the background mode, otherwise what a deal's transaction deferred
        and the processing after its commit could not take. In batches, each
        committed when run as the scheduled action."""
        in_cron = "cron_id" in self.env.context
        if in_cron and self._okr_update_mode() == UPDATE_BACKGROUND:
            # Woken by a deal: let the deals of the next moments queue up too.
            # A batch costs little more than one deal, so a busy floor's deals
            # cost a fraction of their own processing. Committed first: no
            # transaction stays open meanwhile, and the next one sees them.
            self.env["ir.cron"]._commit_progress()
            time.sleep(GATHER_SECONDS)
        while True:
            try:
                with self.env.cr.savepoint(), engine_settings(self.env.cr):
                    processed = self._okr_process_queue(
                        limit=PENDING_BATCH if in_cron else None
                    )
                # the winners of the deals just processed hear of them
                self._okr_notify_queued_wins()
            except (errors.DeadlockDetected, errors.SerializationFailure):
                # REPEATABLE READ, unlike the processing after a commit: a key
                # result changed meanwhile. The changes stay queued for next time.
                _logger.info("OKR changes left queued for the next run")
                return
            if not (processed and in_cron):
                return
            remaining = self.env["okr.pending.change"].search_count([])
            time_left = self.env["ir.cron"]._commit_progress(
                processed, remaining=remaining
            )
            if not (remaining and time_left):
                return

    @api.model
    def _cron_recompute_all(self):
        """Nightly: rebuild every automatic key result of the running periods
        (the current month moves on; changes made in raw SQL are caught up)."""
        # whichever company's today it is
        earliest, _latest = self.env["res.company"]._okr_today_range()
        key_results = self.search(
            [
                ("source", "in", COUNTING_SOURCES),
                ("date_end", ">=", earliest - timedelta(days=1)),
            ]
        )
        clear_query_caches()
        drift = self._okr_recompute(key_results.ids)
        key_results._okr_post_drift(drift)
        # Roll-ups too: amounts of other currencies follow today's rates.
        self.search([("source", "=", SOURCE_ROLLUP)])._okr_note_rollup_targets()


def _process_queue(env):
    """What ``process_after_commit`` runs in each of its cursors: the queue
    processed with inputs built from that cursor's environment."""
    env["okr.key.result"].sudo()._okr_process_queue()
