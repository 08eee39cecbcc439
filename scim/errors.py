"""SCIM error details in the client's language (R-37).

scim2-models and pydantic word their errors in English ("Input should be a valid string:
userName", "invalid syntax at column 10"). IT staff read the ``detail`` in the identity
provider's log, in the language their provider asks for (``Accept-Language``), so the kinds of
error a client can cause are re-worded here with ``gettext``, naming the attribute; a kind not
listed keeps the library's English words after the attribute.
"""

import re

from django.utils.translation import gettext as _

SYNTAX_AT = re.compile(r"invalid syntax at column (\d+)", re.IGNORECASE)


def attribute_of(loc):
    """``("Operations", 0, "path")`` → ``Operations[0].path``; ``()`` → ``""``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def syntax_detail(message, what=None):
    """The filter or path parser's "invalid syntax at column N" in the reader's language; other text unchanged.

    ``what`` names where the syntax was read (``filter``, a PATCH ``path``), when known.
    """
    found = SYNTAX_AT.search(str(message or ""))
    if found is None:
        return str(message)
    column = int(found.group(1))
    if what:
        return _("%(what)s: invalid syntax at column %(column)d.") % {"what": what, "column": column}
    return _("Invalid syntax at column %(column)d.") % {"column": column}


def validation_detail(error, attribute=None):
    """One pydantic error (an item of ``ValidationError.errors()``) as a translated sentence naming the attribute."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    attribute = attribute or ctx.get("field_name") or attribute_of(error.get("loc", ())) or _("the request")
    words = {"attribute": attribute}
    if kind in {"required_error", "missing"}:
        return _("%(attribute)s is required: send it with a value.") % words
    if kind in {"string_type", "string_unicode"}:
        return _("%(attribute)s: send text (a JSON string).") % words
    if kind == "string_too_long":
        return _("%(attribute)s: at most %(max)d characters.") % {**words, "max": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return _("%(attribute)s: at least %(min)d characters.") % {**words, "min": ctx.get("min_length", 0)}
    if kind in {"bool_type", "bool_parsing"}:
        return _("%(attribute)s: send true or false.") % words
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("%(attribute)s: send a whole number.") % words
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("%(attribute)s: send a list (a JSON array).") % words
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("%(attribute)s: send an object (a JSON object).") % words
    if kind in {"datetime_type", "datetime_parsing", "datetime_from_date_parsing"}:
        return _("%(attribute)s: send a date and time (RFC 3339).") % words
    if kind in {"enum", "literal_error"}:
        return _("%(attribute)s: send one of %(expected)s.") % {**words, "expected": ctx.get("expected", "")}
    if kind == "extra_forbidden":
        return _("%(attribute)s is not an attribute of this resource.") % words
    if SYNTAX_AT.search(str(error.get("msg", ""))):
        return syntax_detail(error.get("msg"), attribute)
    return _("%(attribute)s: %(reason)s") % {**words, "reason": error.get("msg", "")}
