"""Key result domains are data, never code.

A domain is stored as the text Odoo's domain editor writes. It is read with
Python's parser into literals only: lists, tuples, strings, numbers,
booleans, None, and a few placeholders naming the key result's owner, team,
company and period. Any other expression (a call, an attribute, an operator)
is refused, so nothing in a domain is ever executed.
"""

import ast

# Placeholder names a domain may use, filled from the key result.
PLACEHOLDERS = (
    "owner_id",
    "team_id",
    "company_id",
    "date_start",
    "date_end",
)


class DomainSyntaxError(ValueError):
    """The text is not a domain made of literals and placeholders."""


def parse_domain(text, placeholders=None):
    """Return the domain held in ``text`` as a list.

    ``placeholders`` maps the names of ``PLACEHOLDERS`` to their values; when
    it is None, placeholders are accepted and left as their names (to
    validate a definition without a key result at hand).
    """
    text = (text or "").strip() or "[]"
    try:
        tree = ast.parse(text, mode="eval")
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
    if isinstance(node, ast.Name) and node.id in PLACEHOLDERS:
        return node.id if placeholders is None else placeholders[node.id]
    raise DomainSyntaxError(
        f"only values and the placeholders {', '.join(PLACEHOLDERS)} may appear "
        f"in a domain, not “{ast.unparse(node)}”"
    )
