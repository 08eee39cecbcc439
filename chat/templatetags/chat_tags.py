from django import template

from ..models import message_text as _message_text
from ..rows import thread_items as _thread_items

register = template.Library()


@register.filter
def message_text(message):
    """What a chat message says, system lines in the reader's language."""
    return _message_text(message)


@register.simple_tag
def thread_items(messages):
    """A thread's ``<li>`` rows, written in Python (``chat.rows.thread_items``, issue 27)."""
    return _thread_items(messages)
