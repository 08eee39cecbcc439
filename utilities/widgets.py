"""A form renderer that writes Django's common widget templates in Python (issue 27).

A ``<select>`` of a few dozen options cost about 1 ms through ``select.html``, ``attrs.html`` and
one ``select_option.html`` include per option; a settings form's radio buttons and number inputs
as much again. ``PythonWidgets`` writes the same bytes from the same context (the widget's
``get_context``: attributes, option groups, checked and selected values), so what a widget means
is still Django's; any template it does not know, or a widget whose option template was changed,
goes through the templates as before. A form opts in with ``default_renderer = PythonWidgets()``.
``tests/utilities/test_widgets.py`` compares both renderings widget by widget.
"""

from django.forms.renderers import DjangoTemplates

from .html import conditional_escape

_WIDGETS = "django/forms/widgets/"
# The templates that are nothing but ``{% include "django/forms/widgets/input.html" %}``.
_INPUTS = {
    f"{_WIDGETS}{name}.html"
    for name in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url",
    )
}  # fmt: skip


def _s(value):
    """``value|stringformat:'s'``, escaped as autoescaping does."""
    return conditional_escape("%s" % (value,))


def _attrs(attrs):
    """``attrs.html``: `` name="value"`` per attribute, `` name`` for ``True``, none for ``False``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{_s(value)}"')
    return "".join(out)


def _input(widget):
    """``input.html``."""
    value = f' value="{_s(widget["value"])}"' if widget["value"] is not None else ""
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _select(widget):
    """``select.html`` with ``select_option.html`` (each include keeps its file's last line break)."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            out.append(
                f'\n  <option value="{_s(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _radio(widget):
    """``radio.html`` → ``multiple_input.html`` with ``radio_option.html`` → ``input_option.html``."""
    attrs = widget["attrs"]
    out = ["<div"]
    if attrs.get("id"):
        out.append(f' id="{conditional_escape(attrs["id"])}"')
    if attrs.get("class"):
        out.append(f' class="{conditional_escape(attrs["class"])}"')
    out.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        for option in options:
            out.append("<div>\n    ")
            if option["wrap_label"]:
                label_for = f' for="{conditional_escape(option["attrs"]["id"])}"' if option["attrs"].get("id") else ""
                out.append(f"<label{label_for}>{_input(option)}\n {conditional_escape(option['label'])}</label>\n\n")
            else:
                out.append(f"{_input(option)}\n\n")
            out.append("</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


def _options_use(widget, template_name):
    return all(option["template_name"] == template_name for _g, options, _i in widget["optgroups"] for option in options)


class PythonWidgets(DjangoTemplates):
    """``DjangoTemplates``, but inputs, selects and radio buttons written in Python (same bytes)."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in _INPUTS:
                return _input(widget)
            if template_name == f"{_WIDGETS}select.html" and _options_use(widget, f"{_WIDGETS}select_option.html"):
                return _select(widget)
            if template_name == f"{_WIDGETS}radio.html" and _options_use(widget, f"{_WIDGETS}radio_option.html"):
                return _radio(widget)
        return super().render(template_name, context, request=request)
