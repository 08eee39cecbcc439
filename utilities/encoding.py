"""The one JSON encoding of everything the project sends to a browser (JSON responses, event streams).

Database values do not all come back as JSON types, and which ones do depends on the backend:
PostgreSQL answers ``SUM`` over an integer column with ``numeric`` (a ``Decimal`` in Python) where
SQLite answers an ``int``; timestamps are ``datetime``; keys may be ``UUID``. ``json.dumps`` raises
on each. Every payload therefore goes through ``ProjectJSONEncoder``: Django's encoder (datetime,
date, time and duration as ISO 8601, UUID and lazy translations as text) and a ``Decimal`` that is a
whole number as that number, so the same payload comes out on both databases.
"""

import decimal
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse as DjangoJsonResponse


class ProjectJSONEncoder(DjangoJSONEncoder):
    """``DjangoJSONEncoder`` with whole ``Decimal`` values as JSON integers (others stay exact text)."""

    def default(self, o):
        if isinstance(o, decimal.Decimal) and o.is_finite() and o == o.to_integral_value():
            return int(o)
        return super().default(o)


def dumps(value, **kwargs):
    """``value`` as JSON text through ``ProjectJSONEncoder`` (non-ASCII kept as is)."""
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(value, cls=ProjectJSONEncoder, **kwargs)


class JsonResponse(DjangoJsonResponse):
    """Django's ``JsonResponse`` encoding through ``ProjectJSONEncoder``: use this one, never Django's."""

    def __init__(self, data, encoder=ProjectJSONEncoder, **kwargs):
        kwargs.setdefault("json_dumps_params", {"ensure_ascii": False})
        super().__init__(data, encoder=encoder, **kwargs)
