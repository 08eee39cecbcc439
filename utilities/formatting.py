"""How numbers read on every page and in every export (issue 17, issue 15).

Money is ``Decimal`` end to end. On SQLite an aggregate over a ``DecimalField`` comes back through
a float (``Sum`` → ``Decimal('9860.46999999999')``), so every figure a report or dashboard sums
passes through ``exact_money`` before it is shown or exported. Pages then show money with
thousands separators and two decimals (``9,860.47``) and changes with their sign (``+12.5%``,
``−3.0%``) in both languages: Chinese finance writes amounts in thousands as well, while Django's
``zh_Hans`` formats would group by four digits with no separator. Exports keep raw numbers.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MINUS = "\u2212"  # the minus sign, not a hyphen: it lines up with "+" in a column
DASH = "—"


def exact_money(value):
    """Return ``value`` (``Decimal``, ``float``, ``int``, ``str`` or ``None``) as a ``Decimal`` with two places.

    ``None`` (a sum over no rows) is ``Decimal("0.00")``. Floats go through ``repr`` so that
    ``9860.47`` stays ``9860.47``. Raises ``decimal.InvalidOperation`` for text that is no number.
    """
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def exact_figures(row, money_keys=("paid_amount", "estimated_service_fee"), count_keys=("clicks", "paid_orders")):
    """Return a copy of the dict ``row`` with its money keys ``exact_money`` and its counts ``int`` (``None`` → 0)."""
    row = dict(row)
    for key in money_keys:
        if key in row:
            row[key] = exact_money(row[key])
    for key in count_keys:
        if key in row:
            row[key] = int(row[key] or 0)
    return row


def format_money(value):
    """``Decimal("9860.469")`` → ``"9,860.47"``; a negative amount gets the minus sign; ``None`` → ``"0.00"``."""
    try:
        amount = exact_money(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{abs(amount):,.2f}"
    return f"{MINUS}{text}" if amount < 0 else text


def format_count(value):
    """``12345`` → ``"12,345"`` (clicks, orders, seats); text that is no number comes back as it is."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return str(value)
    text = f"{abs(number):,}"
    return f"{MINUS}{text}" if number < 0 else text


def percent_change(current, previous):
    """The change from ``previous`` to ``current`` in percent as a ``Decimal`` with one place,
    or ``None`` when there is nothing to compare with (``previous`` is zero or missing)."""
    if not previous:
        return None
    change = (Decimal(str(current or 0)) - Decimal(str(previous))) * 100 / Decimal(str(previous))
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_signed_percent(value):
    """``12.5`` → ``"+12.5%"``, ``-3`` → ``"−3.0%"``, ``0`` → ``"0.0%"``, ``None`` → ``"—"``."""
    if value is None or value == "":
        return DASH
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if number > 0:
        return f"+{number:,}%"
    if number < 0:
        return f"{MINUS}{abs(number):,}%"
    return "0.0%"
