"""Money, counts and changes as pages show them (issue 17 item 3): the same in both languages."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils.translation import override

from utilities.formatting import exact_money, format_count, format_money, format_signed_percent, percent_change


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_filters_read_the_same_in_both_languages(language):
    template = Template(
        "{% load formatting %}{{ amount|money }} {{ fee|money }} {{ clicks|count }} {{ up|signed_percent }} "
        "{{ down|signed_percent }} {{ none|signed_percent }}"
    )
    context = Context(
        {
            "amount": Decimal("9860.46999999999"),
            "fee": Decimal("363.690000000000"),
            "clicks": 1234567,
            "up": Decimal("12.5"),
            "down": Decimal("-3"),
            "none": None,
        }
    )
    with override(language):
        assert template.render(context) == "9,860.47 363.69 1,234,567 +12.5% \u22123.0% —"


def test_exact_money_rounds_half_up_to_cents():
    assert exact_money(Decimal("0.005")) == Decimal("0.01")
    assert str(exact_money(9860.47)) == "9860.47"
    assert str(exact_money(None)) == "0.00"
    assert format_money(Decimal("-1234.5")) == "\u22121,234.50"
    assert format_money(0) == "0.00"
    assert format_count(None) == "0"


def test_percent_change_against_nothing_is_no_number():
    assert percent_change(Decimal("1150"), Decimal("950")) == Decimal("21.1")
    assert percent_change(30, 40) == Decimal("-25.0")
    assert percent_change(5, 0) is None
    assert format_signed_percent(Decimal("0")) == "0.0%"


def test_text_that_is_no_number_is_shown_escaped_not_crashing():
    rendered = Template("{% load formatting %}{{ value|money }}").render(Context({"value": "<b>x</b>"}))
    assert rendered == "&lt;b&gt;x&lt;/b&gt;"
