"""Key result domains are data, never code.

A domain is stored as the text Odoo's domain editor writes. It is read with
Python's parser into literals only: lists, tuples, strings, numbers,
booleans, None, and a few placeholders naming the key result's owner, team,
company and period. Any other expression (a call, an attribute, an operator)
is refused, so nothing in a domain is ever executed. ``check_values`` then
refuses the conditions whose value does not fit the field's type.
"""

import ast
import functools
import threading
from datetime import date, datetime

# Placeholder names a domain may use, filled from the key result; a bridge
# addon adds its own by extending ``okr.key.result._okr_placeholders()``.
PLACEHOLDERS = (
    "owner_id",
    "team_id",
    "company_id",
    "date_start",
    "date_end",
)


# Python's parser can fail on large expressions parsed by several threads at
# once ("AST constructor recursion depth mismatch", CPython gh-106905): the
# engine's parses take turns, and a parse that fails so is tried again.
_PARSE_LOCK = threading.Lock()
PARSE_ATTEMPTS = 3


class DomainSyntaxError(ValueError):
    """The text is not a domain made of literals and placeholders."""


def _parse(text):
    for attempt in range(1, PARSE_ATTEMPTS + 1):
        try:
            with _PARSE_LOCK:
                return ast.parse(text, mode="eval")
        except SystemError:
            if attempt == PARSE_ATTEMPTS:
                raise
    return None  # not reached


# A text's tree, once per process: it is read, never changed, and a status
# or a deal asks for the same few domains again and again. Not a long text:
# the cache's memory stays small.
_parse_cached = functools.lru_cache(maxsize=1024)(_parse)
CACHED_TEXT_LENGTH = 4096


def parse_domain(text, placeholders=None):
    """Return the domain held in ``text`` as a list.

    ``placeholders`` maps the names a domain may use (``PLACEHOLDERS`` and
    those a bridge adds) to their values; when it is None, the names of
    ``PLACEHOLDERS`` are accepted and left as names (to validate a
    definition without a key result at hand).
    """
    text = (text or "").strip() or "[]"
    try:
        tree = _parse_cached(text) if len(text) <= CACHED_TEXT_LENGTH else _parse(text)
    except SyntaxError as error:
        raise DomainSyntaxError(f"not a valid domain: {error.msg}") from error
    value = _literal(tree.body, placeholders)
    if not isinstance(value, list | tuple):
        raise DomainSyntaxError("a domain is a list of conditions")
    return list(value)


def _literal(node, placeholders):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        items = [_literal(item, placeholders) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _literal(node.operand, placeholders)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
    names = PLACEHOLDERS if placeholders is None else placeholders
    if isinstance(node, ast.Name) and node.id in names:
        return node.id if placeholders is None else placeholders[node.id]
    raise DomainSyntaxError(
        f"only values and the placeholders {', '.join(names)} may appear "
        f"in a domain, not “{ast.unparse(node)}”"
    )


class DomainValueError(ValueError):
    """A condition compares a field with a value of another type."""


NUMBER_TYPES = ("integer", "float", "monetary")
TEXT_TYPES = ("char", "text", "html", "selection")
RELATION_TYPES = ("many2one", "one2many", "many2many")
LIKE_OPERATORS = ("like", "not like", "ilike", "not ilike", "=like", "=ilike")
LIST_OPERATORS = ("in", "not in")
SUBDOMAIN_OPERATORS = ("any", "not any")
TREE_OPERATORS = ("child_of", "parent_of")


def check_values(domain, model):
    """Refuse the conditions whose value does not fit the field: a text
    compared with an amount, a text where ``in`` expects a list, a date that
    is not a date, a selection value that does not exist. ``domain`` is a
    parsed domain with its placeholders filled, ``model`` the Odoo model it
    applies to (only its fields are read)."""
    for item in domain:
        if isinstance(item, str):
            continue  # '&', '|', '!'; Odoo's own validation checks them
        if not isinstance(item, list | tuple) or len(item) != 3:
            raise DomainValueError(f"“{item!r}” is not a condition")
        path, operator, value = item
        if not isinstance(path, str) or not isinstance(operator, str):
            raise DomainValueError(f"“{item!r}” is not a condition")
        field, comodel = _field_at(model, path)
        if field is None:
            continue  # an unknown field: Odoo's own validation names it
        operator = operator.lower()
        if operator in SUBDOMAIN_OPERATORS:
            if comodel is None or not isinstance(value, list | tuple):
                raise DomainValueError(
                    f"“{path}” {operator} expects a domain of related records"
                )
            check_values(value, comodel)
            continue
        if operator in LIST_OPERATORS:
            if not isinstance(value, list | tuple):
                raise DomainValueError(
                    f"“{path}” {operator} expects a list of values, not {value!r}"
                )
            for element in value:
                _check_scalar(field, path, operator, element)
            continue
        if operator in LIKE_OPERATORS:
            if not (isinstance(value, str) or value is False):
                raise DomainValueError(
                    f"“{path}” {operator} expects a text, not {value!r}"
                )
            continue
        if operator in TREE_OPERATORS:
            values = value if isinstance(value, list | tuple) else [value]
            if not all(_is_int(element) for element in values):
                raise DomainValueError(
                    f"“{path}” {operator} expects record ids, not {value!r}"
                )
            continue
        _check_scalar(field, path, operator, value)


def _field_at(model, path):
    """The field at the end of ``path`` and, if relational, its comodel."""
    field = None
    for name in path.split("."):
        if model is None:
            return None, None
        field = model._fields.get(name)
        if field is None:
            return None, None
        model = model.env[field.comodel_name] if field.relational else None
    return field, model


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_scalar(field, path, operator, value):
    if value is False or value is None:
        return  # "is not set", for every type
    kind = field.type
    if kind in NUMBER_TYPES:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        expected = "a number"
    elif kind == "boolean":
        ok = isinstance(value, bool) or value in (0, 1)
        expected = "True or False"
    elif kind in ("date", "datetime"):
        ok = isinstance(value, str) and _is_date_text(value, kind)
        expected = "a date (YYYY-MM-DD)" if kind == "date" else "a date and time"
    elif kind == "selection" and isinstance(field.selection, list | tuple):
        ok = value in {key for key, _label in field.selection}
        expected = "one of " + ", ".join(repr(key) for key, _l in field.selection)
    elif kind in TEXT_TYPES:
        ok = isinstance(value, str)
        expected = "a text"
    elif kind in RELATION_TYPES:
        # a record id, or a name to look for
        ok = _is_int(value) or isinstance(value, str)
        expected = "a record id or name"
    else:
        return
    if not ok:
        raise DomainValueError(f"“{path}” {operator} expects {expected}, not {value!r}")


def _is_date_text(value, kind):
    try:
        if kind == "date":
            date.fromisoformat(value[:10])
        else:
            datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
