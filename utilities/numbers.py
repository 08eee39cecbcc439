"""Bounds of numeric columns, the same on every database, so that a number that cannot be stored
is a message on its row or field instead of an overflow from PostgreSQL (or silent on SQLite)."""

from decimal import Decimal

from django.db import models

# PostgreSQL's integer and bigint; SQLite would take more, but the rule must not depend on the backend.
INTEGER_MAX = 2**31 - 1
BIGINTEGER_MAX = 2**63 - 1


def column_bounds(field):
    """Return ``(lowest, highest)`` that ``field`` (a model field instance) can store on every backend.

    Decimal fields: ± (10^(max_digits − decimal_places) − one unit of the last place);
    positive integer fields start at 0. Raise ``TypeError`` for a non-numeric field.
    """
    if isinstance(field, models.DecimalField):
        unit = Decimal(1).scaleb(-field.decimal_places)
        highest = Decimal(10) ** (field.max_digits - field.decimal_places) - unit
        return -highest, highest
    if isinstance(field, (models.PositiveIntegerField, models.PositiveBigIntegerField, models.PositiveSmallIntegerField)):
        highest = BIGINTEGER_MAX if isinstance(field, models.PositiveBigIntegerField) else INTEGER_MAX
        return 0, highest
    if isinstance(field, models.BigIntegerField):
        return -BIGINTEGER_MAX - 1, BIGINTEGER_MAX
    if isinstance(field, models.IntegerField):
        return -INTEGER_MAX - 1, INTEGER_MAX
    raise TypeError(f"{field!r} is not a numeric field")
