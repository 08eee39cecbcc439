"""List rows rendered in Python, once per page (issue 27).

The live view lists up to 400 conversations; the template engine spent about 20 µs a row
resolving and escaping its four values, most of the page's rendering. Here each row is one
``str.format`` of values escaped as autoescaping would (``utilities.html.conditional_escape``:
without Django's lazy wrapper, a third of the cost), so the HTML is the same byte for byte as the template loop it
replaces (``tests/chat/test_rows.py``).
"""

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from utilities.html import conditional_escape as _escape

from .models import message_text

# What ``chat/includes/live_panel.html`` wrote per conversation: link, nickname, group, detail.
_CONVERSATION_ITEM = (
    '<li><a href="{}"><span><strong>{}</strong><span class="meta">{} · {}</span></span></a></li>'
)


def conversation_items(rows):
    """Safe HTML: one ``<li>`` per ``(url, nickname, group, detail)`` of ``rows``, each value
    escaped (any value; rendered as ``str``), for a ``chat-list`` of the live view."""
    return mark_safe(
        "".join(_CONVERSATION_ITEM.format(*[_escape(value) for value in row]) for row in rows)
    )


# What ``chat/includes/conversation_list.html`` wrote per conversation of the workbench, line
# breaks and indentation included: pk, url, current mark, nickname, meta, unread badge.
_WORKBENCH_ITEM = (
    '\n  <li data-conversation="{}"><a href="{}"{}>\n'
    '    <span><strong>{}</strong><span class="meta">{}</span></span>\n'
    "    {}\n"
    "  </a></li>\n"
)


def workbench_items(rows, *, current_pk=None):
    """Safe HTML: one ``<li>`` per ``(pk, url, nickname, group_name, is_overflow, last_message_at,
    unread)`` of ``rows`` for the workbench's list of open conversations, ``current_pk`` marked
    as the one open; the time as ``|time:"H:i"`` gives it in the current time zone."""
    overflow = " · " + _escape(_("overflow"))
    badge = '<span class="badge" data-testid="unread" title="' + _escape(_("Unread messages")) + '">{}</span>'
    current = ' class="current" aria-current="true"'
    return mark_safe(
        "".join(
            _WORKBENCH_ITEM.format(
                pk,
                _escape(url),
                current if current_pk is not None and pk == current_pk else "",
                _escape(nickname),
                _escape(group) + (overflow if is_overflow else "") + " · " + timezone.localtime(at).strftime("%H:%M"),
                badge.format(unread) if unread else "",
            )
            for pk, url, nickname, group, is_overflow, at, unread in rows
        )
    )


def thread_items(messages):
    """Safe HTML: one ``<li>`` per message of ``messages`` (``Message`` rows) for a thread, as
    ``chat/includes/thread.html`` wrote them: who and when (``H:i``, current time zone) but for
    system lines, then what it says in the reader's language (``models.message_text``)."""
    parts = []
    for message in messages:
        parts.append(f'<li class="{_escape(message.kind)}" data-id="{message.pk}">')
        if message.kind != "system":
            when = timezone.localtime(message.created_at).strftime("%H:%M")
            parts.append(f'<span class="who">{_escape(message.author_label)} · {when}</span>')
        parts.append(f"{_escape(message_text(message))}</li>\n")
    return mark_safe("".join(parts))
