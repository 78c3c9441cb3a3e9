from odoo import models
from odoo.tools import SQL


class OkrNaturalOrderMixin(models.AbstractModel):
    """Groups of a selection field in the order of its definition.

    Odoo orders the groups of a selection field by the stored value, which
    lists levels and statuses alphabetically in pivots, graphs and list
    group-bys ("achieved, at risk, off track, on track"). For the fields of
    ``_okr_natural_order``, a group-by orders by the position of the value in
    the selection instead, as a kanban's ``group_expand`` does: company,
    department, team, individual; missed, off track ... achieved. A list
    sorted by one of them (its column header clicked) follows the same order.
    """

    _name = "okr.natural.order.mixin"
    _description = "OKR Groups in Natural Order"

    # selection fields whose groups follow the selection's order
    _okr_natural_order = ("level", "status")

    def _okr_ordinal(self, fname, column):
        """The position of ``column``'s value in ``fname``'s selection."""
        values = self._fields[fname].get_values(self.env)
        return SQL("array_position(%s::varchar[], %s::varchar)", values, column)

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        field = self._fields.get(field_name)
        if field_name in self._okr_natural_order and field.type == "selection":
            column = self._field_to_sql(alias, field_name, query)
            return SQL(
                "%s %s %s", self._okr_ordinal(field_name, column), direction, nulls
            )
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def _read_group_orderby(self, order, groupby_terms, query):
        natural = {
            spec: groupby_terms[spec]
            for spec in self._okr_natural_order
            if spec in groupby_terms and self._fields[spec].type == "selection"
        }
        if not natural:
            return super()._read_group_orderby(order, groupby_terms, query)
        # Ordered by the ordinal, grouped by the column: the ordinal stands in
        # for the column while the ORDER BY is built, then the column is put
        # back for the GROUP BY (Odoo's own day_of_week order works alike).
        for spec, column in natural.items():
            groupby_terms[spec] = self._okr_ordinal(spec, column)
        try:
            return super()._read_group_orderby(order, groupby_terms, query)
        finally:
            groupby_terms.update(natural)
