"""Which records count toward a key result, and what each one contributes.

One SQL query per key result answers both questions for any set of records:
``contribution_query(env, definition, record_ids)`` selects, for each
matching record, the bucket its date falls in, its value (converted into the
key result's currency), whether it is in a ratio's numerator, and the value
a distinct count counts. The incremental path runs it on the records a
transaction changed, the full recompute on all records: the same query, so
both always agree on what a record contributes. The SQL is built with the
counted model's query compiler (``_search``, ``_field_to_sql``): no record
is read through the ORM.
"""

from dataclasses import replace
from datetime import timedelta

from odoo.fields import Domain
from odoo.tools import SQL

from .days import UTC, day_start
from .definitions import (
    CADENCE_PERIOD,
    DISTINCT_MEASURES,
    DURATION_HOURS,
    MEASURE_AVERAGE,
    MEASURE_DURATION,
    MEASURE_RATIO,
    MEASURE_SUM,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_TEAM,
    SOURCE_LINKED,
)
from .pg import prepare_statement, prepared_name

# The columns of a contribution row, in the order the query returns them.
CONTRIBUTION_COLUMNS = (
    "res_id",
    "bucket_date",
    "value",
    "in_numerator",
    "distinct_key",
)


def _mentions_field(domain, field_name):
    return any(
        isinstance(item, list | tuple) and item and item[0] == field_name
        for item in domain
    )


def records_domain(model, definition, spec, scope=None):
    """The full domain of the records a key result counts.

    The key result's own domain, plus: active records only unless the domain
    speaks of ``active`` (as Odoo's search does), whose records (scope, or
    the given ``scope`` domain), the dates of the period (the company's
    days), and for linked key results the link itself.
    """
    domain = Domain(list(definition.domain))
    if "active" in model._fields and not _mentions_field(definition.domain, "active"):
        domain &= Domain("active", "=", True)
    if scope is not None:
        domain &= scope
    elif definition.source == SOURCE_LINKED:
        domain &= Domain("okr_linked_key_result_ids", "in", [definition.id])
    else:
        domain &= scope_domain(definition, spec)
    domain &= days_domain(
        model, definition, definition.records_start, definition.date_end
    )
    if definition.measure == MEASURE_DURATION:
        domain &= Domain(definition.duration_start_field, "!=", False)
        domain &= Domain(definition.duration_end_field, "!=", False)
    return domain


def days_domain(model, definition, first_day, last_day=None):
    """The records dated from ``first_day`` to ``last_day`` (or before
    ``first_day`` when ``last_day`` is None), days of the company: a
    datetime field is compared with the company's midnights, in UTC."""
    fname = definition.date_field
    after = last_day + timedelta(days=1) if last_day else None
    if model._fields[fname].type == "datetime":
        first_day = day_start(first_day, definition.tz)
        after = after and day_start(after, definition.tz)
    if last_day is None:
        return Domain(fname, "<", first_day)
    return Domain(fname, ">=", first_day) & Domain(fname, "<", after)


def scope_domain(definition, spec):
    if definition.scope == SCOPE_OWNER:
        return Domain(spec.user_field, "in", [definition.user_id])
    if definition.scope == SCOPE_TEAM:
        return spec.team_domain([definition.team_id])
    if definition.scope == SCOPE_COMPANY:
        return Domain(spec.company_field, "in", [definition.company_id])
    raise ValueError(f"unknown scope {definition.scope!r}")


# Built SQL by (registry, definition): building it (domains, joins) costs
# more than running it on a few records, and a definition is immutable.
_QUERY_CACHE = {}
_QUERY_CACHE_SIZE = 4096  # a few times the key results of a large database


def contribution_query(env, definition, spec, record_ids=None):
    """SQL selecting ``CONTRIBUTION_COLUMNS`` for the matching records.

    ``record_ids`` restricts it to those records (the incremental path);
    None selects every record that counts (the full recompute).
    """
    key = (id(env.registry), definition, spec)
    query = _QUERY_CACHE.get(key)
    if query is None:
        if len(_QUERY_CACHE) >= _QUERY_CACHE_SIZE:
            _QUERY_CACHE.clear()
        query = _QUERY_CACHE[key] = _build_contribution_query(env, definition, spec)
    if record_ids is None:
        return query
    return SQL("SELECT * FROM (%s) AS c WHERE c.res_id IN %s", query, tuple(record_ids))


# A bucket's totals from contribution rows (or the query's): records,
# records in a ratio's numerator, sum of values (as text: read exactly, see
# totals.exact), distinct values.
BUCKET_TOTALS = SQL(
    "bucket_date, count(*), count(*) FILTER (WHERE in_numerator),"
    " COALESCE(sum(value), 0)::text, count(DISTINCT distinct_key)"
)

# Prepared statements of the incremental path: {(registry, definition, spec):
# (name, PREPARE statement)}.
_PREPARED_CACHE = {}


def prepared_contribution_query(env, definition, spec):
    """``(name, PREPARE statement)`` of ``contribution_query`` restricted to
    an array of record ids, its only parameter.

    Planning these queries (joins, currency rates) costs ten times more than
    running them on the few records of a deal: the incremental path plans
    each once per cursor and then only executes it (Odoo's pool resets a
    connection each time it lends it: a request plans it again). The name
    is derived from the text, so a changed definition gets a new statement.
    """
    key = (id(env.registry), definition, spec)
    prepared = _PREPARED_CACHE.get(key)
    if prepared is None:
        if len(_PREPARED_CACHE) >= _QUERY_CACHE_SIZE:
            _PREPARED_CACHE.clear()
        query = contribution_query(env, definition, spec)
        prepared = _PREPARED_CACHE[key] = _prepare(query)
    return prepared


def clear_query_caches():
    """Forget the built queries: built again on their next use. A field
    whose search resolves values when the query is built (a non-stored
    field with a search method) is read afresh so, at least nightly."""
    _QUERY_CACHE.clear()
    _PREPARED_CACHE.clear()


def _build_contribution_query(env, definition, spec, scope=None, scope_columns=()):
    """See ``contribution_query``; ``scope`` replaces the key result's own
    scope, and ``scope_columns`` (fields of the record) are selected too."""
    model = env[definition.model]
    domain = records_domain(model, definition, spec, scope)
    query = model._search(domain, active_test=False)
    query.order = None
    table = query.table

    day = _day_sql(model, table, definition.date_field, query, definition.tz)
    if definition.measure == MEASURE_RATIO:
        numerator = model._search(
            Domain(list(definition.numerator_domain)), active_test=False
        )
        numerator.order = None
        if numerator.is_empty():
            in_numerator = SQL("FALSE")
        elif numerator.table == table and numerator.from_clause == SQL.identifier(
            table
        ):
            # A condition on the record's own row (won_status = 'won'):
            # tested in place.
            where = numerator.where_clause
            in_numerator = SQL("(%s) IS TRUE", where if where.code else SQL("TRUE"))
        else:
            # Correlated on the record: checking a few changed records is an
            # index probe, not a hash of every success in the database.
            in_numerator = SQL(
                "EXISTS (SELECT 1 FROM (%s) AS numerator WHERE numerator.id = %s)",
                numerator.select(),
                SQL.identifier(table, "id"),
            )
    else:
        in_numerator = SQL("FALSE")
    if definition.measure in DISTINCT_MEASURES:
        distinct_key = model._field_to_sql(table, definition.measure_field, query)
        if definition.first_time_only:
            query.add_where(_no_earlier_record(model, definition, spec, distinct_key))
        query.add_where(SQL("%s IS NOT NULL", distinct_key))
    else:
        distinct_key = SQL("NULL::integer")

    columns = (
        SQL.identifier(table, "id"),
        _bucket_sql(definition, day),
        _value_sql(model, definition, table, query, day),
        in_numerator,
        distinct_key,
    )
    return query.select(
        *(
            SQL("%s AS %s", column, SQL.identifier(name))
            for column, name in zip(columns, CONTRIBUTION_COLUMNS, strict=True)
        ),
        *(
            SQL(
                "%s AS %s",
                model._field_to_sql(table, fname, query),
                SQL.identifier(alias),
            )
            for alias, fname in scope_columns
        ),
    )


# The scope columns of a family query: (alias, SourceSpec attribute, scope).
FAMILY_SCOPES = (
    ("scope_user", "user_field", SCOPE_OWNER, "user_id"),
    ("scope_team", "team_field", SCOPE_TEAM, "team_id"),
    ("scope_company", "company_field", SCOPE_COMPANY, "company_id"),
)


def family_key(definition, spec):
    """What key results share when one grouped query can total them all:
    everything but whose records they count. None when they cannot (linked
    records; salesperson, team or company found through another record)."""
    if definition.source == SOURCE_LINKED or any(
        "." in fname for fname in spec.scope_fields()
    ):
        return None
    return replace(definition, id=0, scope="", user_id=0, team_id=0)


def family_query(env, definition, spec):
    """The contribution query of a family (``family_key``), whatever
    records it counts: each row also carries its salesperson, team and
    company (``FAMILY_SCOPES``), and each key result of the family takes
    the rows of its own."""
    family = family_key(definition, spec)
    key = (id(env.registry), "family", family, spec)
    query = _QUERY_CACHE.get(key)
    if query is None:
        if len(_QUERY_CACHE) >= _QUERY_CACHE_SIZE:
            _QUERY_CACHE.clear()
        query = _QUERY_CACHE[key] = _build_contribution_query(
            env,
            family,
            spec,
            scope=Domain.TRUE,
            scope_columns=[
                (alias, getattr(spec, attribute))
                for alias, attribute, _scope, _key in FAMILY_SCOPES
            ],
        )
    return query


def prepared_family_query(env, definition, spec):
    """``(name, PREPARE statement)`` of ``family_query``: one statement,
    and one execution per deal, for a rule at every level."""
    family = family_key(definition, spec)
    key = (id(env.registry), family, spec)
    prepared = _PREPARED_CACHE.get(key)
    if prepared is None:
        if len(_PREPARED_CACHE) >= _QUERY_CACHE_SIZE:
            _PREPARED_CACHE.clear()
        query = family_query(env, definition, spec)
        prepared = _PREPARED_CACHE[key] = _prepare(query)
    return prepared


def prepared_union_query(key, parts):
    """``(name, PREPARE statement)`` running several contribution queries
    on the same records in one statement: ``parts`` are ``(query, whether
    it has the family's scope columns)``. Each row starts with the index of
    its part, and has the scope columns (NULL for a key result's own
    query), then the value as text, as ``prepare_statement``'s rows.
    ``key`` says what the parts are, for the cache."""
    key = ("union", key)
    prepared = _PREPARED_CACHE.get(key)
    if prepared is not None:
        return prepared
    selects = []
    for index, (query, scoped) in enumerate(parts):
        if scoped:
            scopes = SQL(", ").join(
                SQL.identifier("c", alias) for alias, *_rest in FAMILY_SCOPES
            )
        else:
            scopes = SQL(", ").join(SQL("NULL::integer") for _scope in FAMILY_SCOPES)
        selects.append(
            SQL(
                "SELECT %s AS okr_part, %s, %s, c.value::text FROM (%s) AS c"
                " WHERE c.res_id = ANY($1)",
                index,
                SQL(", ").join(
                    SQL.identifier("c", name) for name in CONTRIBUTION_COLUMNS
                ),
                scopes,
                query,
            )
        )
    union = SQL(" UNION ALL ").join(selects)
    name = prepared_name(union)
    if len(_PREPARED_CACHE) >= _QUERY_CACHE_SIZE:
        _PREPARED_CACHE.clear()
    prepared = _PREPARED_CACHE[key] = (
        name,
        SQL("PREPARE %s (integer[]) AS %s", SQL.identifier(name), union),
    )
    return prepared


def _prepare(query):
    name = prepared_name(query)
    return name, prepare_statement(name, query)


def family_totals_query(env, family, spec):
    """One query totalling the buckets of several key results of a family
    (``family_key``): their records are selected once, grouped by
    salesperson, team and company (GROUPING SETS), each key result then
    reads its own group. Returns ``(SQL, {scope: alias})``; rows are
    ``(*scope columns, bucket, records, numerator, sum, distinct)``.
    """
    definition = family[0]
    scopes = {d.scope for d in family}
    used = [entry for entry in FAMILY_SCOPES if entry[2] in scopes]
    scope = Domain.OR(
        Domain(
            getattr(spec, attribute),
            "in",
            sorted({getattr(d, key) for d in family if d.scope == name}),
        )
        for _alias, attribute, name, key in used
    )
    query = _build_contribution_query(
        env,
        definition,
        spec,
        scope=scope,
        scope_columns=[
            (alias, getattr(spec, attribute)) for alias, attribute, _n, _k in used
        ],
    )
    aliases = [SQL.identifier(alias) for alias, *_rest in used]
    sql = SQL(
        "SELECT %(columns)s, %(totals)s"
        " FROM (%(query)s) AS c WHERE bucket_date >= %(start)s"
        " GROUP BY GROUPING SETS (%(sets)s)",
        columns=SQL(", ").join(aliases),
        totals=BUCKET_TOTALS,
        query=query,
        start=definition.date_start,
        sets=SQL(", ").join(SQL("(%s, bucket_date)", alias) for alias in aliases),
    )
    return sql, {name: index for index, (_a, _attr, name, _k) in enumerate(used)}


def _day_sql(model, table, field_name, query, tz=UTC):
    """The record's day: a datetime's day in the company's time zone ``tz``."""
    column = model._field_to_sql(table, field_name, query)
    if tz == UTC or model._fields[field_name].type != "datetime":
        return SQL("(%s)::date", column)
    return SQL("((%s) AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", column, tz)


def _bucket_sql(definition, day):
    """First day of the bucket holding ``day``: the SQL twin of
    ``definition.bucket_of`` (``period.bucket_start`` in the period, the
    stretch before it for retention); change both together."""
    if definition.cadence == CADENCE_PERIOD:
        return SQL(
            "(CASE WHEN %s >= %s THEN %s ELSE %s END)",
            day,
            definition.date_start,
            definition.date_start,
            definition.previous_start,
        )
    start = SQL("date_trunc(%s, %s)::date", definition.cadence, day)
    return SQL(
        "(CASE WHEN %s >= %s THEN GREATEST(%s, %s) ELSE %s END)",
        day,
        definition.date_start,
        start,
        definition.date_start,
        start,
    )


def _value_sql(model, definition, table, query, day):
    if definition.measure in (MEASURE_SUM, MEASURE_AVERAGE):
        amount = SQL(
            "COALESCE(%s, 0)",
            model._field_to_sql(table, definition.measure_field, query),
        )
        field = model._fields[definition.measure_field]
        if field.type == "monetary" and definition.currency_id:
            return _converted_amount_sql(model, definition, table, query, amount, day)
        return SQL("(%s)::numeric", amount)
    if definition.measure == MEASURE_DURATION:
        start = model._field_to_sql(table, definition.duration_start_field, query)
        end = model._field_to_sql(table, definition.duration_end_field, query)
        if model._fields[definition.duration_start_field].type == "date":
            days = SQL("((%s)::date - (%s)::date)::numeric", end, start)
        else:
            seconds = SQL(
                "EXTRACT(EPOCH FROM (%s)::timestamp - (%s)::timestamp)::numeric",
                end,
                start,
            )
            if definition.duration_unit == DURATION_HOURS:
                return SQL("(%s / 3600)", seconds)
            return SQL("(%s / 86400)", seconds)
        if definition.duration_unit == DURATION_HOURS:
            return SQL("(%s * 24)", days)
        return days
    return SQL("1::numeric")


def _converted_amount_sql(model, definition, table, query, amount, day):
    """``res.currency._convert`` in SQL: the rate of the record's day, rounded."""
    field = model._fields[definition.measure_field]
    currency_field = model._fields[field.get_currency_field(model)]
    company_currency = SQL(
        "(SELECT currency_id FROM res_company WHERE id = %s)", definition.company_id
    )
    if currency_field.store:
        currency = model._field_to_sql(table, currency_field.name, query)
    elif "company_id" in model._fields and model._fields["company_id"].store:
        # Such as crm.lead's company_currency: the record's company currency,
        # joined (a subquery per record weighs on a full recompute).
        company = query.left_join(
            table, "company_id", "res_company", "id", "okr_company"
        )
        currency = SQL.identifier(company, "currency_id")
    elif "company_id" in model._fields:
        currency = SQL(
            "(SELECT currency_id FROM res_company WHERE id = %s)",
            model._field_to_sql(table, "company_id", query),
        )
    else:
        currency = company_currency
    currency = SQL("COALESCE(%s, %s)", currency, company_currency)
    company = model.env["res.company"].browse(definition.company_id)
    target = model.env["res.currency"].browse(definition.currency_id)
    to_rate = _rate_sql(SQL("%s", target.id), day, company.root_id.id)
    from_rate = _rate_sql(currency, day, company.root_id.id)
    return SQL(
        "(CASE WHEN %(currency)s = %(target)s THEN (%(amount)s)::numeric"
        " ELSE ROUND(((%(amount)s) * %(to_rate)s / %(from_rate)s"
        " / %(rounding)s)::numeric) * %(rounding)s::numeric END)",
        currency=currency,
        target=target.id,
        amount=amount,
        to_rate=to_rate,
        from_rate=from_rate,
        rounding=target.rounding,
    )


def _rate_sql(currency, day, root_company_id):
    """The rate ``res.currency._get_rates`` gives ``currency`` on ``day``."""
    return SQL(
        "COALESCE("
        "(SELECT r.rate FROM res_currency_rate r WHERE r.currency_id = %(currency)s"
        " AND r.name <= %(day)s"
        " AND (r.company_id IS NULL OR r.company_id = %(company)s)"
        " ORDER BY r.company_id, r.name DESC LIMIT 1),"
        "(SELECT r.rate FROM res_currency_rate r WHERE r.currency_id = %(currency)s"
        " AND (r.company_id IS NULL OR r.company_id = %(company)s)"
        " ORDER BY r.company_id, r.name ASC LIMIT 1),"
        " 1.0)",
        currency=currency,
        day=day,
        company=root_company_id,
    )


def _no_earlier_record(model, definition, spec, distinct_key):
    """For "first time ever" counts: no record of the company had this value
    before the period, whoever's it was (a customer is new to the company,
    not to one salesperson).

    Correlated on the value, so that checking one changed record is an index
    probe, whatever the size of the history; the full recompute gets an
    anti-join.
    """
    domain = Domain(list(definition.domain))
    if "active" in model._fields and not _mentions_field(definition.domain, "active"):
        domain &= Domain("active", "=", True)
    domain &= Domain(spec.company_field, "in", [definition.company_id])
    domain &= days_domain(model, definition, definition.date_start)
    earlier = model._search(domain, active_test=False)
    earlier.order = None
    key = model._field_to_sql(earlier.table, definition.measure_field, earlier)
    return SQL(
        "NOT EXISTS (SELECT 1 FROM (%s) AS earlier WHERE earlier.key = %s)",
        earlier.select(SQL("%s AS key", key)),
        distinct_key,
    )
