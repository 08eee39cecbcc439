from django import template

from ..models import message_text as _message_text

register = template.Library()


@register.filter
def message_text(message):
    """What a chat message says, system lines in the reader's language."""
    return _message_text(message)
