"""The changed records as the engine reads them: in SQL, never browsed.

Which records are still there, whose they are (salesperson, team, company,
through any path a ``SourceSpec`` names), the key results they are linked
to and, for "first time ever" counts, the value and day they count: one
statement, built by the counted model's own query compiler
(``model._search``, ``model._field_to_sql``) in the engine's superuser
environment. No record is read or written through the ORM, and its cache
is not consulted: the caller has flushed.
"""

from dataclasses import dataclass

from odoo.tools import SQL
from odoo.tools.query import Query

# The field linking a record to key results by hand (okr.source.mixin).
LINKED_FIELD = "okr_linked_key_result_ids"


@dataclass(frozen=True)
class RecordFacts:
    """What the engine needs of the changed records still in the database.

    ``scopes``: ``{record id: (user ids, team ids, company ids)}``;
    ``linked``: ids of the key results they are linked to by hand;
    ``keyed``: ``{(field, date field): {(value id, date or naive UTC
    datetime)}}``: the day is the definition's company's (``days.day_of``).
    """

    scopes: dict
    linked: frozenset
    keyed: dict

    @property
    def ids(self):
        return set(self.scopes)


def path_array_sql(model, alias, path, query):
    """SQL of an ``int[]``: the ids ``path`` (a domain path of relational
    fields) reaches from the row ``alias`` of ``model``; many-to-ones are
    joined to ``query``, lists (x2many) are subqueries on the row."""
    fname, _dot, rest = path.partition(".")
    field = model._fields[fname]
    comodel = model.env[field.comodel_name]
    if field.type == "many2one":
        value = model._field_to_sql(alias, fname, query)
        if not rest:
            return SQL("ARRAY[%s]", value)
        coalias = query.make_alias(alias, fname)
        query.add_join(
            "LEFT JOIN",
            coalias,
            comodel._table,
            SQL("%s = %s", value, SQL.identifier(coalias, "id")),
        )
        return path_array_sql(comodel, coalias, rest, query)
    coalias = Query.make_alias(alias, fname)
    sub = Query(comodel.env, coalias, SQL.identifier(comodel._table))
    if field.type == "one2many":
        inverse = comodel._field_to_sql(coalias, field.inverse_name, sub)
        sub.add_where(SQL("%s = %s", inverse, SQL.identifier(alias, "id")))
    elif field.type == "many2many" and field.store:
        sub.add_where(
            SQL(
                "%s IN (SELECT %s FROM %s WHERE %s = %s)",
                SQL.identifier(coalias, "id"),
                SQL.identifier(field.column2),
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                SQL.identifier(alias, "id"),
            )
        )
    else:
        raise ValueError(f"cannot follow {model._name}.{fname} in SQL")
    if not rest:
        return SQL("ARRAY(%s)", sub.select(SQL.identifier(coalias, "id")))
    inner = path_array_sql(comodel, coalias, rest, sub)
    return SQL("ARRAY(%s)", sub.select(SQL("unnest(%s)", inner)))


def read_record_facts(model, record_ids, spec, keyed_pairs=()):
    """``RecordFacts`` of the records ``record_ids`` of ``model`` (in the
    engine's environment) still in the database, in one statement."""
    query = model._search([("id", "in", sorted(record_ids))], active_test=False)
    query.order = None
    table = query.table
    columns = [
        path_array_sql(model, table, path, query) for path in spec.scope_fields()
    ]
    has_links = LINKED_FIELD in model._fields
    if has_links:
        columns.append(path_array_sql(model, table, LINKED_FIELD, query))
    keyed_pairs = sorted(keyed_pairs)
    for fname, date_fname in keyed_pairs:
        columns.append(model._field_to_sql(table, fname, query))
        columns.append(model._field_to_sql(table, date_fname, query))
    rows = model.env.execute_query(query.select(SQL.identifier(table, "id"), *columns))
    scopes, linked, keyed = {}, set(), {pair: set() for pair in keyed_pairs}
    width = len(spec.scope_fields())
    for record_id, *values in rows:
        scopes[record_id] = tuple(
            frozenset(v for v in values[i] or () if v) for i in range(width)
        )
        rest = values[width:]
        if has_links:
            linked.update(v for v in rest[0] or () if v)
            rest = rest[1:]
        for index, pair in enumerate(keyed_pairs):
            key, moment = rest[2 * index], rest[2 * index + 1]
            if key and moment:
                # as stored: each definition takes its company's day of it
                keyed[pair].add((key, moment))
    return RecordFacts(scopes, frozenset(linked), keyed)
