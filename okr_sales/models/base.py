from odoo import api, models
from odoo.tools import SQL

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from ..engine.dependencies import (
    ALL_FIELDS,
    KEY_RESULT,
    dependencies_of_change,
)

# Context key of the OKRs' own changes of counted models (the activities of
# alerts and reminders): the engine does not follow them.
UNTRACKED_KEY = "okr_sales_untracked"


class Base(models.AbstractModel):
    """Every model tells the progress engine when a field a key result reads
    changes (see ``engine/dependencies.py``): a deal's customer becoming a
    company, a salesperson moving to another team, a currency rate. A model
    or field no key result reads costs a look-up in a cached map."""

    _inherit = "base"

    def _okr_tracking(self):
        """Whether changes of this model's records are followed: not while
        modules are installed or uninstalled (the nightly recompute catches
        up), nor for the OKRs' own records and the activities they give their
        owners (``UNTRACKED_KEY``: alerts and reminders no rule counts)."""
        return (
            self.pool.ready
            and not self._name.startswith("okr.")
            and not self.env.context.get(MODULE_UNINSTALL_FLAG)
            and not self.env.context.get(UNTRACKED_KEY)
        )

    def _okr_field_map(self):
        """``{field: dependencies}`` of this model, or None."""
        if not self._okr_tracking():
            return None
        return self.env["okr.key.result"]._okr_dependency_map().of_model(self._name)

    def _okr_link_values(self, dependencies):
        """``{field: values}`` of the link fields among ``dependencies``, as
        the database holds them (read before and after a change)."""
        values = {}
        for dependency in dependencies:
            if dependency.link and dependency.field not in values and self.ids:
                rows = self.env.execute_query(
                    SQL(
                        "SELECT DISTINCT %s FROM %s WHERE id IN %s",
                        SQL.identifier(dependency.field),
                        SQL.identifier(self._table),
                        tuple(self.ids),
                    )
                )
                values[dependency.field] = {row[0] for row in rows if row[0]}
        return values

    def _okr_note_change(self, fnames):
        """Note for the engine that ``fnames`` of these records changed."""
        field_map = self._okr_field_map()
        touched = field_map and dependencies_of_change(field_map, fnames)
        if touched:
            self.env["okr.key.result"]._okr_note_dependency_change(
                self, touched, self._okr_link_values(touched)
            )

    def _okr_before_write(self, fnames):
        """Hook of ``_write_multi``, before the rows change: what a model
        keeps of its records as they were (``okr.source.mixin``: what "first
        time ever" counts look at)."""

    def _write_multi(self, vals_list):
        # Every stored change goes through here, also those the ORM
        # recomputes (a contact's commercial partner after its parent's).
        # The only override of it for the records key results count.
        fnames = set().union(*vals_list)
        self._okr_before_write(fnames)
        field_map = self._okr_field_map()
        touched = field_map and dependencies_of_change(field_map, fnames)
        if not touched:
            return super()._write_multi(vals_list)
        before = self._okr_link_values(touched)
        super()._write_multi(vals_list)
        for fname, values in self._okr_link_values(touched).items():
            before.setdefault(fname, set()).update(values)
        self.env["okr.key.result"]._okr_note_dependency_change(self, touched, before)
        return None  # as the ORM's

    def write(self, vals):
        result = super().write(vals)
        # Many-to-many rows are written here, not in _write_multi.
        many2many = {
            fname
            for fname in vals
            if fname in self._fields and self._fields[fname].type == "many2many"
        }
        if many2many and self._okr_field_map():
            self._okr_note_change(many2many)
        return result

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        field_map = records._okr_field_map()
        if field_map:
            # A new record matters if it joins a one-to-many (a team
            # membership: its links), or to key results themselves (a rate).
            touched = {
                dep
                for deps in field_map.values()
                for dep in deps
                if dep.link or dep.source == KEY_RESULT
            }
            if touched:
                self.env["okr.key.result"]._okr_note_dependency_change(
                    records, touched, records._okr_link_values(touched)
                )
        return records

    def unlink(self):
        if self.ids and self._okr_tracking():
            self._okr_note_removal()
        return super().unlink()

    def _okr_note_removal(self):
        """What the deletion of these records changes, found before they go:
        the records reaching them, their links, and the records whose
        many-to-one pointing at them the database empties."""
        dependency_map = self.env["okr.key.result"]._okr_dependency_map()
        key_results = self.env["okr.key.result"]
        field_map = dependency_map.of_model(self._name)
        if field_map:
            touched = dependencies_of_change(field_map, {ALL_FIELDS})
            key_results._okr_note_dependency_change(
                self, touched, self._okr_link_values(touched), resolve_now=True
            )
        references = dependency_map.references.get(self._name)
        if references:
            key_results._okr_note_references(self, references)
