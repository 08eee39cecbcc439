from django import template

from ..models import message_text as _message_text
from ..rows import history_rows as _history_rows
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
    """The history's rows, written in Python (``chat.rows.history_rows``, issue 27)."""
    return _history_rows(rows)


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
