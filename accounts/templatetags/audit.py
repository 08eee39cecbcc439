"""``{% load audit %}`` then ``{% audit_change entry %}``: an audit entry's change in words (issue 26)."""

from django import template
from django.utils.html import format_html, format_html_join

from ..audit_words import change_lines

register = template.Library()


@register.simple_tag
def audit_change(entry):
    """One line per recorded key: ``Label: before → after`` (or one side), labels and values in words."""
    rows = []
    for label, old, new in change_lines(entry):
        change = format_html("{} → {}", old, new) if old is not None and new is not None else (new if new is not None else old)
        rows.append((label, ": " if label else "", change))
    return format_html_join("", '<div><span class="field">{}</span>{}{}</div>', rows)
