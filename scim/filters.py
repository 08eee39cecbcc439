"""SCIM filters (RFC 7644 §3.4.2.2) turned into Django ``Q`` objects.

scim2-models parses the filter and binds each attribute to our resource models (an unknown
attribute or a malformed filter raises ``InvalidFilterException``); this module only maps the
bound attributes to columns, so filtering runs in the database, scoped like every other read.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import Comparison, CompareOperator, FilterVisitor, LogicalExpr, LogicalOperator, Not, Present, ValuePath


# Identity providers look one account up at a time; a filter of hundreds of comparisons is a
# mistake or an attack, and the databases refuse to nest that deep (SQLite stops at 1000).
MAX_COMPARISONS = 100


@dataclass(frozen=True)
class Column:
    field: str
    kind: str = "text"  # text, exact (case-sensitive text), int, bool, datetime
    subquery: object = None  # a callable(lookup dict) -> Q for attributes held in other rows


def _key(urn):
    """``urn:…:User:meta.lastModified`` → ``user:meta.lastmodified``-style keys, case-insensitive."""
    return str(urn).lower()


class _ToQ(FilterVisitor):
    def __init__(self, scim_filter, columns):
        self.filter = scim_filter
        self.columns = columns
        self.comparisons = 0

    def _column(self, attr_path):
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise InvalidFilterException(
                detail=_("This filter has more than %(max)d comparisons; split it into several requests.")
                % {"max": MAX_COMPARISONS}
            )
        binding = self.filter.resolve_comparison(attr_path, strict=True)
        column = self.columns.get(_key(binding.urn))
        if column is None:
            raise InvalidFilterException(detail=_("Filtering on %(attribute)s is not supported.") % {"attribute": attr_path})
        return column

    def visit_logical_expr(self, node: LogicalExpr):
        queries = [self.visit(term) for term in node.terms]
        result = queries[0]
        for query in queries[1:]:
            result = (result & query) if node.op == LogicalOperator.and_ else (result | query)
        return result

    def visit_not(self, node: Not):
        return ~self.visit(node.expr)

    def visit_value_path(self, node: ValuePath):
        # emails[value co "@example.com"]: the inner filter names sub-attributes of the outer one.
        return self._rebased(node.attr_path, node.val_filter)

    def _rebased(self, outer, inner):
        if isinstance(inner, LogicalExpr):
            queries = [self._rebased(outer, term) for term in inner.terms]
            result = queries[0]
            for query in queries[1:]:
                result = (result & query) if inner.op == LogicalOperator.and_ else (result | query)
            return result
        if isinstance(inner, Not):
            return ~self._rebased(outer, inner.expr)
        path = type(outer)(attr=outer.attr, sub_attr=inner.attr_path.attr, uri=outer.uri)
        if isinstance(inner, Present):
            return self.visit_present(Present(attr_path=path))
        return self.visit_comparison(Comparison(attr_path=path, op=inner.op, value=inner.value))

    def visit_present(self, node: Present):
        column = self._column(node.attr_path)
        query = Q(**{f"{column.field}__isnull": False})
        if column.kind in {"text", "exact"}:
            query &= ~Q(**{column.field: ""})
        return self._wrap(column, query)

    def visit_comparison(self, node: Comparison):
        column = self._column(node.attr_path)
        op, value = node.op, node.value
        if column.kind == "int":
            try:
                value = int(str(value))
            except ValueError:
                query = Q(pk__in=[])  # not an id of ours: nothing matches
                return ~query if op == CompareOperator.ne else query
            lookup = {"eq": "exact", "ne": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}.get(op.value)
        elif column.kind == "datetime":
            parsed = parse_datetime(str(value)) if value is not None else None
            if parsed is None:
                raise InvalidFilterException(
                    detail=_("%(attribute)s: %(value)r is not a date and time (RFC 3339).") % {"attribute": node.attr_path, "value": value}
                )
            value = parsed
            lookup = {"eq": "exact", "ne": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}.get(op.value)
        elif column.kind == "bool":
            if not isinstance(value, bool):
                raise InvalidFilterException(detail=_("%(attribute)s takes true or false.") % {"attribute": node.attr_path})
            lookup = {"eq": "exact", "ne": "exact"}.get(op.value)
        else:
            if value is None:
                query = Q(**{f"{column.field}__isnull": True}) | Q(**{column.field: ""})
                return ~query if op == CompareOperator.ne else query
            value = str(value)
            exact = column.kind == "exact"
            lookup = {
                "eq": "exact" if exact else "iexact",
                "ne": "exact" if exact else "iexact",
                "co": "contains" if exact else "icontains",
                "sw": "startswith" if exact else "istartswith",
                "ew": "endswith" if exact else "iendswith",
                "gt": "gt",
                "ge": "gte",
                "lt": "lt",
                "le": "lte",
            }[op.value]
        if lookup is None:
            raise InvalidFilterException(
                detail=_("The operator %(operator)s does not apply to %(attribute)s.") % {"operator": op.value, "attribute": node.attr_path}
            )
        query = self._wrap(column, Q(**{f"{column.field}__{lookup}": value}))
        return ~query if op == CompareOperator.ne else query

    @staticmethod
    def _wrap(column, query):
        return column.subquery(query) if column.subquery else query


def filter_to_q(text, model, columns):
    """Return the ``Q`` for a SCIM filter on ``model``; raise ``InvalidFilterException`` if it is not one."""
    try:
        scim_filter = ScimFilter[model](text)
    except InvalidFilterException:
        raise
    except (ValueError, TypeError) as exc:  # a value the attribute's type cannot take
        raise InvalidFilterException(detail=str(exc)) from exc
    return _ToQ(scim_filter, {_key(k): v for k, v in columns.items()}).visit(scim_filter.ast)


def sort_field(text, model, columns):
    """The column a ``sortBy`` attribute names; raise ``InvalidFilterException`` for one we cannot sort by."""
    scim_filter = ScimFilter[model](f"{text} pr")  # the filter grammar resolves the attribute path for us
    binding = scim_filter.resolve_comparison(scim_filter.ast.attr_path, strict=True)
    column = {_key(k): v for k, v in columns.items()}.get(_key(binding.urn))
    if column is None or column.subquery:
        raise InvalidFilterException(detail=_("Sorting by %(attribute)s is not supported.") % {"attribute": text})
    return column.field
