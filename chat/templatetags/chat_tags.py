from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from utilities.html import escape

from ..models import message_text as _message_text
from ..rows import live_member_rows as _live_member_rows
from ..rows import member_rows as _member_rows
from ..rows import thread_items as _thread_items

register = template.Library()


@register.filter
def message_text(message):
    """What a chat message says, system lines in the reader's language."""
    return _message_text(message)


@register.simple_tag
def history_rows(rows):
    """The ``<tr>`` of each ``chat.history.HistoryRow`` of ``chat/history.html``: one f-string per
    row, every value escaped (``utilities.html``). The template's loop over 25 rows of eight cells
    was a third of the page's CPU (issue 27); the HTML is the same."""
    waiting = escape(gettext("waiting in the queue"))
    overflow = escape(gettext("overflow"))
    parts = []
    for pk, url, started, nickname, group, served_by, is_overflow, status in rows:
        served = escape(served_by) if served_by else f'<span class="muted">{waiting}</span>'
        if is_overflow:
            served += f' <span class="muted">({overflow})</span>'
        parts.append(
            f'<tr data-conversation="{escape(pk)}">\n      <td>{escape(started)}</td>\n'
            f'      <td><a href="{escape(url)}">{escape(nickname)}</a></td>\n      <td>{escape(group)}</td>\n'
            f"      <td>{served}</td>\n      <td>{escape(status)}</td>\n    </tr>"
        )
    return mark_safe("\n".join(parts))


@register.simple_tag
def thread_items(messages):
    """A thread's ``<li>`` rows, written in Python (``chat.rows.thread_items``, issue 27)."""
    return _thread_items(messages)


@register.simple_tag(takes_context=True)
def member_rows(context, group):
    """The distribution page's rows of ``group``'s members (``chat.rows.member_rows``, issue 27)."""
    return _member_rows(group, csrf_token=context.get("csrf_token"))


@register.simple_tag
def live_member_rows(rows):
    """The live view's rows of members (``chat.rows.live_member_rows``, issue 27)."""
    return _live_member_rows(rows)
