"""The layout's per-user parts, built in Python and kept per user generation, language and section
(issue 27): the top bar, the sidebar and the mute banner of ``base.html``.

Every page pays for its layout. Through the template language the top bar, the sidebar (the
menu a user sees follows its rights, R-7) and the banner cost more than a small page's content;
they change only when the user row, its rights or its tenant change — which moves the key
``accounts.user_cache`` read from the database for this request — or with the language, or with
the page (the active menu entry). So each is built once per such key and process and kept in a
bounded LRU of strings; a request only fills in its own holes (the CSRF token, the path the
language switch returns to, the unread count). A user object not loaded through the cache (no
``cache_key``: a request factory, a test) gets its parts built afresh.

``topbar(context)``, ``sidebar(user, current)``, ``mute_banner(user)``: HTML-safe strings.
"""

import threading
from collections import OrderedDict

from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

ENTRIES = 4096

_parts = OrderedDict()
_lock = threading.Lock()


def clear():
    """Forget every kept part of this process (tests)."""
    with _lock:
        _parts.clear()


def _kept(key, build):
    """``build()``'s value under ``key`` (kept when ``key`` is not ``None``)."""
    if key is None:
        return build()
    with _lock:
        value = _parts.get(key)
        if value is not None:
            _parts.move_to_end(key)
            return value
    value = build()
    with _lock:
        _parts[key] = value
        while len(_parts) > ENTRIES:
            _parts.popitem(last=False)
    return value


def _user_key(user, *rest):
    key = getattr(user, "cache_key", None)
    return None if key is None else (key, get_language(), get_script_prefix(), *rest)


def _language_options():
    from utilities.templatetags.layout import language_options

    return language_options()


def _topbar_parts(user, authenticated, has_inbox, tenant):
    """The top bar as static parts around its holes: ``(head, between, [badge_tail, tail])``.

    Holes, in order: the CSRF field, the language switch's ``next``, (logged in with an inbox:)
    the unread badge, (logged in:) the CSRF field again."""
    head = [
        format_html('<a class="brand" href="{}">{}</a>', reverse("accounts:dashboard"), gettext("Staffdesk")),
        format_html('<span class="tenant" data-testid="tenant-name">{}</span>', tenant.name) if tenant else "",
        '<div class="topbar-right">',
        format_html('<form class="lang-switch" action="{}" method="post">', reverse("set_language")),
    ]
    between = '<input name="next" type="hidden" value="'
    after_next = [
        '">',
        format_html('<label for="lang-select" class="visually-hidden">{}</label>', gettext("Language")),
        f'<select id="lang-select" name="language">{_language_options()}</select>',
        format_html('<button type="submit" class="button small">{}</button>', gettext("Switch")),
        "</form>",
    ]
    if not authenticated:
        after_next += [
            format_html('<a href="{}">{}</a>', reverse("accounts:login"), gettext("Log in")),
            format_html('<a href="{}">{}</a>', reverse("accounts:signup"), gettext("Sign up")),
            "</div>",
        ]
        return "".join(head), between, ["".join(after_next)]
    if has_inbox:
        after_next.append(format_html('<a href="{}" class="inbox-link">{}', reverse("accounts:inbox"), gettext("Inbox")))
        badge_tail = ["</a>"]
    else:
        badge_tail = []
    badge_tail += [
        format_html('<span class="user" data-testid="current-user">{}</span>', user.label),
        format_html('<form action="{}" method="post" class="inline">', reverse("accounts:logout")),
    ]
    tail = [format_html('<button type="submit" class="button small secondary">{}</button>', gettext("Log out")), "</form>", "</div>"]
    return "".join(head), between, ["".join(after_next), "".join(badge_tail), "".join(tail)]


def topbar(context):
    """The inside of ``<header class="topbar">`` for the template ``context`` (a RequestContext)."""
    request = context.get("request")
    user = context.get("user")
    authenticated = bool(user is not None and user.is_authenticated)
    has_inbox = bool(context.get("has_inbox"))
    tenant = context.get("current_tenant")
    if authenticated:
        key = _user_key(user, "topbar", has_inbox, bool(tenant))
    else:
        key = ("anonymous", get_language(), get_script_prefix(), "topbar")
    head, between, rest = _kept(key, lambda: _topbar_parts(user, authenticated, has_inbox, tenant))
    token = context.get("csrf_token")
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token) if token and token != "NOTPROVIDED" else ""
    path = conditional_escape(request.get_full_path()) if request is not None else ""
    parts = [head, csrf, between, path, rest[0]]
    if authenticated:
        unread = context.get("unread_count")
        if has_inbox:
            parts.append(format_html(' <span class="badge" data-testid="unread-count">{}</span>', unread) if unread else "")
        parts += [rest[1], csrf, rest[2]]
    return mark_safe("".join(parts))


def sidebar(user, current):
    """The ``<nav class="sidebar">`` of ``user`` with the entry of view ``current`` marked, or ``""``
    when the user sees no menu."""
    from utilities.templatetags.layout import sidebar as render_sections

    from .navigation import menu_for

    def build():
        menu = menu_for(user, current)
        if not menu:
            return ""
        return format_html('<nav class="sidebar" aria-label="{}">{}</nav>', gettext("Main menu"), render_sections(menu))

    return _kept(_user_key(user, "sidebar", current), build)


def mute_banner(user):
    """The banner of a muted account (R-17), or ``""``."""
    if not user.is_muted:
        return ""
    context = {"user": user, "perms": PermWrapper(user)}
    return _kept(_user_key(user, "mute"), lambda: mark_safe(render_to_string("accounts/includes/mute_banner.html", context)))
