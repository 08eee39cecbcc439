"""Template filters for money, counts and changes: ``{% load formatting %}`` then
``{{ amount|money }}`` (``9,860.47``), ``{{ clicks|count }}`` (``12,345``) and
``{{ change|signed_percent }}`` (``+12.5%``). See ``utilities.formatting``."""

from django import template

from ..formatting import format_count, format_money, format_signed_percent

register = template.Library()

register.filter("money", format_money, is_safe=True)
register.filter("count", format_count, is_safe=True)
register.filter("signed_percent", format_signed_percent, is_safe=True)

