"""What buyers and staff write, cleaned once before it is stored."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, pgettext_lazy

from utilities.names import UNSHOWABLE, has_visible_character, unshowable


_WHAT = {
    # kind: (empty, too long, the noun for the shared refusal of unshowable characters)
    "message": (
        gettext_lazy("Write a message."),
        gettext_lazy("Keep the message to %(max)d characters or fewer."),
        pgettext_lazy("noun, what a buyer writes", "message"),
    ),
    "reply": (
        gettext_lazy("Write a reply."),
        gettext_lazy("Keep the reply to %(max)d characters or fewer."),
        pgettext_lazy("noun, what a staff member writes", "reply"),
    ),
}


def _clean_text(value, *, field, max_length, what):
    """``value`` stripped, its line breaks as ``\\n`` (browsers send a textarea's as CRLF), or a
    ``ValidationError`` on ``field`` saying what is wrong: the names' rule for control and
    text-direction characters (``utilities.names.unshowable``), with line breaks and tabs allowed."""
    empty, too_long, noun = _WHAT[what]
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unshowable(ch, line_breaks=True) for ch in text):
        raise ValidationError({field: UNSHOWABLE % {"what": noun}})
    if not has_visible_character(text):
        raise ValidationError({field: empty})
    if len(text) > max_length:
        raise ValidationError({field: too_long % {"max": max_length}})
    return text
