"""One normalisation for every identifier a person types or uploads (login, account name, mobile,
product ID, campaign number): what looks the same to a person is the same to the database."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_identifier(value):
    """Return ``value`` in NFKC form (full-width ``１３９`` → ``139``, ideographic space → space), stripped.

    ``None`` becomes ``""``. Non-string values are turned into strings first.
    """
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalize_login_part(value):
    """Return a login prefix or account name as it is stored and compared: NFKC, stripped and
    lower-cased, so ``ShopA`` and the full-width ``ｓｈｏｐａ`` are both ``shopa``.

    Validate the result, never the raw input: a rule such as "lower-case letters only" would
    otherwise refuse what the form itself lower-cases.
    """
    return normalize_identifier(value).lower()


def normalize_mobile(value):
    """Return a mobile as plain ASCII digits: NFKC, then spaces and hyphens dropped (``139-0000 0001``)."""
    return _SEPARATORS.sub("", normalize_identifier(value))


def is_ascii_digits(value):
    """True when ``value`` is one or more ASCII digits ``0``–``9`` only.

    ``str.isdigit`` also accepts ``²``, ``３`` and other scripts' digits, which ``int()`` may refuse.
    """
    return bool(value) and value.isascii() and value.isdigit()
