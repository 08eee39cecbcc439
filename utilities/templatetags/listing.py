"""Fast pieces of list pages: the filter bar.

Django renders each form widget through its own template, which costs about a millisecond per
select box and one more per hundred options; a list page's GET filter bar needs none of that
machinery (no errors, no media). ``filter_fields`` writes the same HTML with ``format_html``.
"""

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..html import conditional_escape

register = template.Library()


def _choices(field):
    """``field.choices``; a model choice field's read with one plain query. Its own iterator reads
    through ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor: DECLARE, FETCH
    and CLOSE, three round trips for a dozen options (issue 27). Choices a form set itself (the
    staff list's department paths) are the field's ``_choices``, as ``ModelChoiceField`` keeps them:
    those are used as they are, with no query."""
    if not isinstance(field, forms.ModelChoiceField) or hasattr(field, "_choices"):
        return field.choices
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return empty + [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset.all()]


def _select(bound, value):
    # One f-string per option rather than format_html: a department select has a hundred
    # options on every staff list page, and this is what format_html_join wrote, escaped alike.
    chosen = "" if value in (None, "") else str(value)
    options = "".join(
        f'<option value="{conditional_escape(key)}"{" selected" if str(key) == chosen else ""}>{conditional_escape(label)}</option>'
        for key, label in _choices(bound.field)
    )
    return format_html('<select name="{}" id="{}">{}</select>', bound.html_name, bound.auto_id, mark_safe(options))


def _text(bound, value):
    if value in (None, ""):
        return format_html('<input type="text" name="{}" id="{}">', bound.html_name, bound.auto_id)
    return format_html('<input type="text" name="{}" id="{}" value="{}">', bound.html_name, bound.auto_id, value)


@register.simple_tag
def filter_fields(form, skip=""):
    """``<label>Label <input|select></label>`` for every field of a GET filter form but ``skip``."""
    skipped = set(skip.split(",")) if skip else set()
    parts = []
    for bound in form:
        if bound.name in skipped:
            continue
        value = bound.value()
        if isinstance(bound.field.widget, forms.Select):
            widget = _select(bound, value)
        else:
            widget = _text(bound, value)
        parts.append(format_html("<label>{} {}</label>", bound.label, widget))
    return mark_safe("".join(parts))
