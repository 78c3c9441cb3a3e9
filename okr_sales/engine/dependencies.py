"""What a key result's value reads, field by field: the dependency map.

A key result counts records of one model, but its rule, date, measure and
scope may read fields of other records through relations: the B2B revenue
reads whether the deal's customer (or its parent company) is a company, a
team's meetings read which teams their organiser belongs to, a converted
amount reads the currency of the deal's company. ``definition_dependencies``
lists them from a definition as ``Dependency`` records:

- a field of the counted records themselves (``path`` empty): a change of
  it re-evaluates those records;
- a field of a record the counted records reach through ``path``
  (``partner_id.commercial_partner_id``): a change of it on record R
  re-evaluates the counted records whose ``path`` leads to R, found with
  one search for all the changed records (``affected_domain``);
- a link (``link=True``): the field that puts a record in a one-to-many of
  another (a team membership's ``user_id``); a change of it re-evaluates
  the counted records whose ``path`` leads to the linked record, before the
  change and after (``affected_domain`` on the link's old and new values);
- a many-to-one of the counted records that deletes them with its record
  (``ondelete="cascade"``): the deletion of that record re-evaluates them;
- currency rates and company currencies, which move converted amounts: they
  recompute the key result itself (``KEY_RESULT``), not records.

The models hold the map (``okr.key.result._okr_dependency_map``) and tell
the engine, at commit, what changed; a write that touches no field in the
map does not run the engine at all.
"""

from dataclasses import dataclass

from odoo.fields import Domain

from .definitions import (
    MEASURE_AVERAGE,
    MEASURE_SUM,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_TEAM,
    SOURCE_LINKED,
)

# Any field of the record: what a computed field that declares no
# dependencies, or a one-to-many's records, may read.
ALL_FIELDS = "*"
# A dependency whose change recomputes the key result instead of records.
KEY_RESULT = "key_result"
# Computed fields followed through their own dependencies this deep; past
# it, any change of the record counts.
MAX_DEPTH = 4


@dataclass(frozen=True)
class Dependency:
    """``source`` records (or key result ``key_result_id``) depend on field
    ``field`` of ``model``'s records, which they reach through ``path``."""

    model: str
    field: str
    source: str
    path: str = ""
    link: bool = False
    key_result_id: int = 0


def affected_domain(path, values):
    """The domain of the counted records a change touches: those whose
    ``path`` leads to ``values``, the changed records' ids or a link's
    values."""
    return Domain(path or "id", "in", sorted(values))


def definition_dependencies(env, definition, spec):
    """The ``Dependency`` set of a definition counting ``spec``'s model."""
    source = definition.model
    paths = set(_domain_paths(definition.domain))
    paths |= set(_domain_paths(definition.numerator_domain))
    paths.add(definition.date_field)
    for fname in (
        definition.measure_field,
        definition.duration_start_field,
        definition.duration_end_field,
    ):
        if fname:
            paths.add(fname)
    model = env[source]
    if "active" in model._fields:
        paths.add("active")
    if definition.source == SOURCE_LINKED:
        paths.add("okr_linked_key_result_ids")
    else:
        paths.add(
            {
                SCOPE_OWNER: spec.user_field,
                SCOPE_TEAM: spec.team_field,
                SCOPE_COMPANY: spec.company_field,
            }[definition.scope]
        )
    dependencies, seen = set(), set()
    for path in paths:
        _walk(env, source, source, path, "", dependencies, seen, 0)
    # A counted record the database deletes with another one (a rating with
    # its chatter message): followed as a reference to that record.
    for field in model._fields.values():
        if field.type == "many2one" and field.store and field.ondelete == "cascade":
            dependencies.add(Dependency(source, field.name, source))
    if definition.measure in (MEASURE_SUM, MEASURE_AVERAGE) and definition.currency_id:
        _currency_dependencies(env, definition, dependencies, seen)
    return dependencies


def _domain_paths(domain, prefix=""):
    """The field paths a parsed domain reads, sub-domains of ``any``
    included (prefixed with the path they apply to)."""
    for item in domain:
        if not isinstance(item, list | tuple) or len(item) != 3:
            continue
        path, operator, value = item
        if not isinstance(path, str):
            continue
        full = f"{prefix}{path}"
        yield full
        if isinstance(operator, str) and operator.lower() in ("any", "not any"):
            if isinstance(value, list | tuple):
                yield from _domain_paths(value, f"{full}.")


def _walk(env, source, model_name, path, prefix, dependencies, seen, depth):
    """Add what reading ``path`` from a ``model_name`` record (reached from a
    ``source`` record through ``prefix``) depends on."""
    model = env[model_name]
    for name in path.split("."):
        field = model._fields.get(name)
        if field is None:
            return  # refused at save; nothing to follow
        _add_field(env, source, model, field, prefix, dependencies, seen, depth)
        if not field.relational:
            return
        prefix = f"{prefix}.{name}" if prefix else name
        model = env[field.comodel_name]


def _add_field(env, source, model, field, prefix, dependencies, seen, depth):
    key = (model._name, field.name, prefix)
    if key in seen:
        return
    seen.add(key)
    if field.type == "one2many":
        # Its records are those whose inverse field links them here: a
        # change of the link moves them, a change of any of their fields
        # may change what is read through them.
        path = f"{prefix}.{field.name}" if prefix else field.name
        dependencies.add(
            Dependency(field.comodel_name, field.inverse_name, source, prefix, True)
        )
        dependencies.add(Dependency(field.comodel_name, ALL_FIELDS, source, path))
    if field.store or field.type == "one2many":
        dependencies.add(Dependency(model._name, field.name, source, prefix))
        return
    # A field computed on the fly: what it is computed from.
    depends = env.registry.field_depends[field]
    if not depends or depth >= MAX_DEPTH:
        dependencies.add(Dependency(model._name, ALL_FIELDS, source, prefix))
        return
    for path in depends:
        _walk(env, source, model._name, path, prefix, dependencies, seen, depth + 1)


def _currency_dependencies(env, definition, dependencies, seen):
    """A converted amount reads the record's currency and the rates."""
    model = env[definition.model]
    field = model._fields[definition.measure_field]
    if field.type != "monetary":
        return
    currency = model._fields[field.get_currency_field(model)]
    _add_field(env, definition.model, model, currency, "", dependencies, seen, 0)
    for model_name, fname in (
        ("res.currency.rate", ALL_FIELDS),
        ("res.company", "currency_id"),
    ):
        dependencies.add(
            Dependency(model_name, fname, KEY_RESULT, key_result_id=definition.id)
        )


@dataclass(frozen=True)
class DependencyMap:
    """The dependencies of all key results, by the model whose change they
    follow: ``fields`` ``{model: {field: frozenset(Dependency)}}``, and
    ``references`` ``{model: frozenset(Dependency)}``, the many-to-one
    fields that point at the model's records (deleting one empties them in
    the database, behind the ORM)."""

    fields: dict
    references: dict

    def of_model(self, model_name):
        return self.fields.get(model_name)


def dependency_map(env, dependencies):
    """The ``DependencyMap`` of ``dependencies``."""
    by_model, references = {}, {}
    for dependency in dependencies:
        by_model.setdefault(dependency.model, {}).setdefault(
            dependency.field, set()
        ).add(dependency)
        field = None
        if dependency.source != KEY_RESULT and dependency.model in env:
            field = env[dependency.model]._fields.get(dependency.field)
        if field is not None and field.type == "many2one":
            references.setdefault(field.comodel_name, set()).add(dependency)
    return DependencyMap(
        fields={
            model: {fname: frozenset(deps) for fname, deps in fields_.items()}
            for model, fields_ in by_model.items()
        },
        references={model: frozenset(deps) for model, deps in references.items()},
    )


def dependencies_of_change(field_map, fnames):
    """The dependencies of one model's map that a change of ``fnames``
    (``ALL_FIELDS`` for a new or deleted record) touches."""
    if ALL_FIELDS in fnames:
        return frozenset().union(*field_map.values())
    touched = set(field_map.get(ALL_FIELDS, ()))
    for fname in fnames:
        touched |= field_map.get(fname, set())
    return touched


def reference_domain(dependency, ids):
    """The counted records whose many-to-one ``dependency`` points at
    ``ids``."""
    path = (
        f"{dependency.path}.{dependency.field}" if dependency.path else dependency.field
    )
    return Domain(path, "in", list(ids))
