"""Names are names (R-21): one check for every name and title a person types, imports or an
identity provider sends — a staff member's display name, a department, a position, a shop, a
campaign, a product, a buyer's nickname, a chat group, a task, a SCIM token.

``clean_name`` returns what to store, or raises a ``ValidationError`` that names the field:

* **refused**: control characters (``ESC``, ``NUL``, ``BEL``, ``DEL``, C1 controls: an ANSI escape
  would reach a console or a log) and the text-direction characters that reorder what a reader
  sees (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, and the marks U+200E,
  U+200F, U+061C: ``\\u202e`` + ``三张`` reads ``张三``);
* **refused**: a value with no visible character (only zero-width characters, combining marks,
  Hangul fillers or spaces); an optional field left blank (nothing but spaces) stays blank;
* **normalised**: NFC; every run of whitespace (tab, line break, no-break and ideographic space)
  is one ASCII space, none at either end; zero-width spaces, word joiners, byte-order marks and
  soft hyphens are dropped; zero-width (non-)joiners are kept only inside an emoji sequence
  (``👨‍👩‍👧``), so ``张\\u200d三`` is stored as ``张三``.

Emoji and every script are allowed in these names (buyers and shops use them); a real name for
identity verification is stricter: ``clean_real_name``.

Chat messages follow the same character rule with line breaks allowed (``unshowable``).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they reorder what follows.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Left-to-right, right-to-left and Arabic letter marks: invisible, and they move neighbours.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
#: Invisible characters a name never needs; dropped (pasted from Word, Excel or a web page).
_DROPPED = frozenset("\u200b\u2060\ufeff\u180e\u00ad")
_JOINERS = frozenset("\u200c\u200d")  # kept only between emoji
#: Letters that draw nothing (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
# Whitespace a person may type or paste; other control characters that Python counts as space
# (U+001C–U+001F, U+0085) are refused as control characters.
_WHITESPACE = re.compile(r"[\t\n\r\x0b\x0c \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_TYPED_SPACE = frozenset("\t\n\r\x0b\x0c")


def unshowable(ch, *, line_breaks=False):
    """True for a character no name or message may hold: a control character (except a tab or line
    break when ``line_breaks``) or a text-direction embedding, override or isolate (R-21)."""
    if ch in BIDI_CONTROLS:
        return True
    if unicodedata.category(ch) in ("Cc", "Cs"):
        return not (line_breaks and ch in "\n\t")
    return False


def is_visible(ch):
    """True when ``ch`` draws something: not a space, a format or control character, a lone
    combining mark, an unassigned code point or a blank letter."""
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LETTERS


def has_visible_character(text):
    """True when some character of ``text`` is visible (``is_visible``)."""
    return any(is_visible(ch) for ch in text)


def _is_emoji_part(ch):
    return unicodedata.category(ch) == "So" or "\ufe00" <= ch <= "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff"


def _drop_invisible(text):
    kept = []
    for i, ch in enumerate(text):
        if ch in _DROPPED:
            continue
        if ch in _JOINERS:
            before = kept[-1] if kept else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if not (before and after and _is_emoji_part(before) and _is_emoji_part(after)):
                continue
        kept.append(ch)
    return "".join(kept)


WHAT_NAME = _("name")

UNSHOWABLE = _("The %(what)s contains characters that cannot be shown. Remove control characters and text-direction marks.")
INVISIBLE = _("The %(what)s has no visible character: write it with letters, digits or symbols.")
REQUIRED = _("Enter the %(what)s.")
TOO_LONG = _("Keep the %(what)s to %(max)d characters or fewer (it has %(length)d).")


def _refuse(message, field, code, **params):
    error = ValidationError(message, code=code, params=params)
    raise ValidationError({field: [error]}) if field else error


def normalize_name(value):
    """``value`` with NFC, whitespace runs as one space, no space at either end, and the invisible
    characters a name never needs dropped. ``None`` is ``""``. Does not check anything."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _WHITESPACE.sub(" ", _drop_invisible(text)).strip(" ")


def clean_name(value, *, what=WHAT_NAME, field=None, required=True, max_length=None):
    """Return ``value`` as stored (``normalize_name``), or raise ``ValidationError`` (R-21).

    ``what``: the lower-case noun the messages use (``_("display name")``); ``field``: when given,
    the error is keyed by it (``{"display_name": [...]}``), as services raise for forms to place.
    ``required=False`` lets nothing-but-spaces through as ``""``; a value of only zero-width or
    other invisible characters is refused either way. ``max_length`` counts characters after
    normalising. Codes: ``unshowable``, ``invisible``, ``required``, ``max_length``.
    """
    text = "" if value is None else str(value)
    params = {"what": what}
    if any((unshowable(ch) and ch not in _TYPED_SPACE) or ch in BIDI_MARKS for ch in text):
        _refuse(UNSHOWABLE, field, "unshowable", **params)
    # What a person may type between words is whitespace; the rest of the blank set is invisible.
    typed_blank = all(ch.isspace() or ch in _TYPED_SPACE for ch in text)
    name = normalize_name(text)
    if not name:
        if text and not typed_blank:
            _refuse(INVISIBLE, field, "invisible", **params)
        if required:
            _refuse(REQUIRED, field, "required", **params)
        return ""
    if not has_visible_character(name):
        _refuse(INVISIBLE, field, "invisible", **params)
    if max_length is not None and len(name) > max_length:
        _refuse(TOO_LONG, field, "max_length", max=max_length, length=len(name), **params)
    return name


# Real names (实名) ------------------------------------------------------------------------------

REAL_NAME_MAX = 50  # IdentityVerification.real_name
CHINESE_NAME_MIN, CHINESE_NAME_MAX = 2, 15
LATIN_NAME_MIN_LETTERS = 2
_SAME_IN_A_ROW = 3  # "AAA", "张张张": no one's name repeats a character three times running

_MIDDLE_DOTS = str.maketrans({"\u30fb": "·", "\uff65": "·", "\u2022": "·", "\u2027": "·", "\u2219": "·", "\u22c5": "·", "．": "·"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'", "\u2010": "-", "\u2011": "-", "\uff0d": "-"})


def _is_han(ch):
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def _is_latin_letter(ch):
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith("LATIN ")


REAL_NAME_CHINESE = _(
    "Enter the real name as on the ID card: 2 to 15 Chinese characters, with a · only between the "
    "parts of a name (e.g. 阿依古丽·买买提)."
)
REAL_NAME_LATIN = _(
    "Enter the real name as on the ID card or passport: Latin letters, with single spaces, "
    "hyphens or apostrophes only between the parts of the name."
)
REAL_NAME_MIXED = _("Write the real name either in Chinese characters or in Latin letters, not both.")
REAL_NAME_REPEATED = _(
    "This does not look like a person's name: the same letter or character appears three or more times in a row."
)
REAL_NAME_TOO_SHORT = _("Enter the full real name: at least 2 letters.")


def clean_real_name(value, *, field=None):
    """Return a real name (实名) for identity verification as stored, or raise ``ValidationError``.

    First ``clean_name`` (``what`` "real name", at most 50 characters), then it must look like a
    person's name on an ID card or passport (R-17, R-21):

    * **Chinese**: 2–15 characters (dots included), Han characters and the middle dot ``·``
      (``・``, ``•`` and ``．`` are read as ``·``) only between two parts; spaces are dropped;
    * **Latin script**: Latin letters (accents included) with single spaces, hyphens or
      apostrophes (``’`` is read as ``'``) only between letters, at least 2 letters;
    * **neither**: digits, emoji, punctuation, other scripts or a mix of Chinese and Latin;
    * **not plausible**: the same letter or character three or more times in a row (``AAA``,
      case-insensitive), which refuses 50 × ``A`` and keyboard filler without refusing
      ``Aaron`` or ``王丽丽``.

    Codes: those of ``clean_name``, then ``real_name_chinese``, ``real_name_latin``,
    ``real_name_mixed``, ``real_name_repeated``, ``real_name_short``.
    """
    name = clean_name(value, what=_("real name"), field=field, max_length=REAL_NAME_MAX)
    name = name.translate(_MIDDLE_DOTS).translate(_APOSTROPHES)

    def refuse(message, code):
        _refuse(message, field, code)

    has_han = any(_is_han(ch) for ch in name)
    has_latin = any(_is_latin_letter(ch) for ch in name)
    if has_han and has_latin:
        refuse(REAL_NAME_MIXED, "real_name_mixed")
    if has_han:
        name = name.replace(" ", "")
        parts = name.split("·")
        if not all(part and all(_is_han(ch) for ch in part) for part in parts):
            refuse(REAL_NAME_CHINESE, "real_name_chinese")
        if not CHINESE_NAME_MIN <= len(name) <= CHINESE_NAME_MAX:
            refuse(REAL_NAME_CHINESE, "real_name_chinese")
    else:
        if not re.fullmatch(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*", name) or not all(
            _is_latin_letter(ch) for ch in name if ch not in " '-"
        ):
            refuse(REAL_NAME_LATIN, "real_name_latin")
        if sum(1 for ch in name if ch not in " '-") < LATIN_NAME_MIN_LETTERS:
            refuse(REAL_NAME_TOO_SHORT, "real_name_short")
    folded = name.casefold()
    if any(folded[i] == folded[i + 1] == folded[i + 2] for i in range(len(folded) - _SAME_IN_A_ROW + 1)):
        refuse(REAL_NAME_REPEATED, "real_name_repeated")
    return name


# Logs and the console ---------------------------------------------------------------------------


def escape_for_log(value):
    """``value`` as text safe to print on one log line: control characters (line breaks and ``ESC``
    included), text-direction characters and the invisible ones become ``\\x1b``/``\\u202e``
    escapes, so no one can colour a terminal, forge a line or hide text in it (R-21)."""
    text = str(value)
    if all(ch.isprintable() and ch not in BIDI_CONTROLS for ch in text):
        return text
    out = []
    for ch in text:
        if ch == " " or (ch.isprintable() and ch not in BIDI_CONTROLS and ch not in BIDI_MARKS):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)
