"""The parts of ``base.html`` that every page renders: written in Python, not the template language.

The layout is on every page, so what it costs is paid by every request. Through the template
language the language switch (``get_available_languages`` and ``get_language_info_list`` with a
loop) and the sidebar (two nested loops) cost about as much as a whole list page's rows; here the
language options are built once per language and process, and the sidebar in one pass.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info

register = template.Library()


@lru_cache(maxsize=None)
def _language_options(current):
    options = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        selected = " selected" if code == current else ""
        options.append(f'<option value="{conditional_escape(code)}"{selected}>{conditional_escape(info["name_local"])}</option>')
    return mark_safe("".join(options))


@register.simple_tag
def language_options():
    """The ``<option>`` of each language of ``LANGUAGES``, in its own name, the active one selected."""
    return _language_options(get_language())


@register.simple_tag
def sidebar(menu):
    """The sidebar's sections: ``menu`` as ``accounts.navigation.menu_for`` returns it."""
    parts = []
    for section in menu:
        if section["title"]:
            parts.append(f'<h2 class="sidebar-section">{conditional_escape(section["title"])}</h2>')
        parts.append("<ul>")
        for item in section["items"]:
            active = ' class="active" aria-current="page"' if item["active"] else ""
            parts.append(f'<li><a href="{conditional_escape(item["url"])}"{active}>{conditional_escape(item["label"])}</a></li>')
        parts.append("</ul>")
    return mark_safe("".join(parts))

