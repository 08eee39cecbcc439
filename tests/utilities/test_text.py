from decimal import Decimal

import pytest
from django.db import models

from utilities.numbers import column_bounds
from utilities.text import is_ascii_digits, normalize_identifier, normalize_mobile


@pytest.mark.parametrize(
    "typed, stored",
    [("１３９", "139"), ("\u3000ａｃｍｅ：ｚｈａｎｇｓａｎ ", "acme:zhangsan"), (None, ""), (123, "123"), ("²³", "23")],
)
def test_identifiers_are_nfkc_normalised_and_stripped(typed, stored):
    assert normalize_identifier(typed) == stored


def test_mobiles_lose_spaces_and_hyphens():
    assert normalize_mobile("139-0000 ０００１") == "13900000001"


@pytest.mark.parametrize("value, expected", [("123", True), ("²³", False), ("٣", False), ("３", False), ("", False), ("1a", False)])
def test_only_ascii_digits_count_as_digits(value, expected):
    assert is_ascii_digits(value) is expected


def test_column_bounds_are_the_same_on_every_backend():
    assert column_bounds(models.DecimalField(max_digits=14, decimal_places=2)) == (
        Decimal("-999999999999.99"),
        Decimal("999999999999.99"),
    )
    assert column_bounds(models.PositiveIntegerField()) == (0, 2**31 - 1)
    assert column_bounds(models.BigIntegerField()) == (-(2**63), 2**63 - 1)
    with pytest.raises(TypeError):
        column_bounds(models.CharField())
