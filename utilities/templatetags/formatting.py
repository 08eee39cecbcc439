"""Template filters for money, counts and changes: ``{% load formatting %}`` then
``{{ amount|money }}`` (``9,860.47``), ``{{ clicks|count }}`` (``12,345``) and
``{{ change|signed_percent }}`` (``+12.5%``). See ``utilities.formatting``."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..formatting import format_count, format_money, format_signed_percent

register = template.Library()

register.filter("money", format_money, is_safe=True)
register.filter("count", format_count, is_safe=True)
register.filter("signed_percent", format_signed_percent, is_safe=True)


def _audit_value(value):
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_audit_value(v)}" for k, v in value.items())
    return str(value)


@register.simple_tag
def audit_change(before, after):
    """One line per changed field of an audit entry: ``field: old → new`` (or only one side).

    ``before``/``after`` are the entry's JSON dicts (or ``None``); values are shown as a person
    reads them: lists joined, booleans as Yes/No, nothing as a dash.
    """
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    keys = list(dict.fromkeys([*before, *after]))
    lines = []
    for key in keys:
        if key in before and key in after:
            change = format_html("{} → {}", _audit_value(before[key]), _audit_value(after[key]))
        else:
            change = _audit_value(after[key] if key in after else before[key])
        lines.append(format_html('<div><span class="field">{}</span>{}{}</div>', key, ": " if key else "", change))
    return mark_safe("".join(lines))
