"""What an automatic key result counts, as the engine sees it: its
definition built from its fields (plain, immutable data), the sources it may
count, the check at save, and the errors of a definition that cannot be
built.

The engine itself is in ``engine/``; ``okr_key_result_engine.py`` runs it.
"""

import logging
from dataclasses import replace

import psycopg2
from psycopg2 import errors

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..engine.contributions import contribution_query
from ..engine.definitions import (
    COUNTING_SOURCES,
    KeyResultDefinition,
    definition_attributes,
    definition_fields,
)
from ..engine.dependencies import definition_dependencies, dependency_map
from ..engine.domains import parse_domain
from ..engine.engine import EngineInputs, engine_env
from ..engine.sources import CRM_SOURCES

_logger = logging.getLogger(__name__)


# precommit data key (see okr_key_result_changes.py): {kr id: error} of
# definitions that failed to build
BROKEN_KEY = "okr_sales.broken_definitions"
# Key result fields whose change may change what it counts: those of its
# definition and whether it is live at all; and its baseline, the value of a
# key result that has no data (an average of no records).
DEFINITION_TRIGGERS = frozenset(
    {*definition_fields(), "active", "objective_id", "baseline_value"}
)


def _frozen(value):
    """Lists to tuples, all the way down: definitions are immutable."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # SOURCES
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

    # ------------------------------------------------------------------
    # DEFINITIONS
    # ------------------------------------------------------------------

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
        # The names of the counted model's fields, cached by Odoo: no read of
        # ir.model.fields (administrators only) each time a status asks.
        field_names = {
            field_id: fname
            for fname, field_id in self.env["ir.model.fields"]
            ._get_ids(self.source_model)
            .items()
        }
        for name, fname, _kind, _parse in definition_attributes():
            value = self[fname]
            if isinstance(value, models.BaseModel) and value._name == "ir.model.fields":
                # A field's name, as the system: ir.model.fields is read by
                # administrators only, the definition by all its readers.
                value = field_names.get(value.id) or value.sudo().name
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

    # ------------------------------------------------------------------
    # BROKEN DEFINITIONS
    # ------------------------------------------------------------------

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
    # THE ENGINE'S INPUTS
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
