"""Form widgets written in Python instead of through the form renderer's templates (issue 27).

A ``<select>`` of a few dozen options cost about 1 ms through ``select.html``, ``attrs.html`` and
one ``select_option.html`` include per option. ``PlainSelect`` writes the same bytes from the
same context (``Select.get_context``: attributes, option groups, the selected value), so what the
widget means is still Django's; ``tests/utilities/test_widgets.py`` compares it with the template
output.
"""

from django import forms
from django.utils.safestring import mark_safe

from .html import conditional_escape


def _attrs(attrs):
    """``attrs.html``: `` name="value"`` per attribute, `` name`` for ``True``, none for ``False``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape("%s" % (value,))}"')
    return "".join(out)


class PlainSelect(forms.Select):
    """``forms.Select`` rendering ``select.html`` and ``select_option.html`` in Python."""

    def _render(self, template_name, context, renderer=None):
        if template_name != forms.Select.template_name or self.option_template_name != forms.Select.option_template_name:
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{conditional_escape("%s" % (option["value"],))}"{_attrs(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>\n"  # the included file's last line break
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the renderer strips the outer template's
        return mark_safe("".join(out))
