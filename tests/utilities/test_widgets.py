"""``utilities.widgets.PythonWidgets`` writes what Django's widget templates write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from utilities.widgets import PythonWidgets

CHOICES = [
    ("", "---------"),
    (gettext_lazy("Groups"), [("user:1", 'Ann "A" <b> & co (2)'), ("user:2", "王 (0)")]),
    ("Empty group", []),
    ("Other", [("group:1", "Pre-sales"), ("group:2", mark_safe("<i>safe</i>")), (3, 4)]),
    ("plain", "A plain option & more"),
]
FLAT = [("never", "Never <x>"), ("fallback", "When no member is online"), ("member", mark_safe("A <b>member</b>"))]
ATTRS = [None, {"id": "id_f"}, {"id": "x", "required": True, "disabled": False, "class": "a&b", "data-x": 'a"b<'}]

WIDGETS = [
    (forms.Select(choices=CHOICES), [None, "", "user:2", "group:1", ["user:1", "group:2"], 3]),
    (forms.Select(choices=FLAT), [None, "member"]),
    (forms.RadioSelect(choices=FLAT), [None, "fallback", "nope"]),
    (forms.RadioSelect(choices=CHOICES), [None, "user:1"]),
    (forms.TextInput(attrs={"maxlength": 50}), [None, "", 'He said "hi" & <left>', 0]),
    (forms.NumberInput(attrs={"min": 1, "max": 200}), [None, 5, 0, "7"]),
    (forms.CheckboxInput(), [None, True, False, "on"]),
    (forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), [None, datetime.time(9, 30)]),
    (forms.EmailInput(), ["a@b.c"]),
    (forms.HiddenInput(), ["x<y"]),
    (forms.PasswordInput(render_value=True), ["secret"]),
    (forms.DateInput(), [datetime.date(2026, 12, 7)]),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("widget, values", WIDGETS, ids=[type(w).__name__ + str(i) for i, (w, _v) in enumerate(WIDGETS)])
def test_each_widget_renders_the_same_bytes(widget, values, attrs, language):
    with translation.override(language):
        for value in values:
            ours = widget.render("field", value, attrs=attrs, renderer=PythonWidgets())
            django = widget.render("field", value, attrs=attrs, renderer=DjangoTemplates())
            assert ours == django, value


def test_whole_forms_render_the_same_bound_and_unbound():
    def form(renderer):
        class Form(forms.Form):
            default_renderer = renderer
            name = forms.CharField(max_length=50)
            mode = forms.ChoiceField(choices=FLAT, widget=forms.RadioSelect)
            target = forms.ChoiceField(choices=CHOICES)
            cap = forms.IntegerField(min_value=1)
            offered = forms.BooleanField(required=False)
            note = forms.CharField(widget=forms.Textarea, required=False)

        return Form

    for data in (None, {"name": "<b>", "mode": "member", "target": "user:2", "cap": "0", "offered": "on"}):
        ours, django = form(PythonWidgets())(data), form(DjangoTemplates())(data)
        for name in ours.fields:
            assert str(ours[name]) == str(django[name])
        assert str(ours) == str(django)


def test_a_widget_whose_option_template_changed_keeps_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Custom(choices=FLAT)
    ours = widget.render("t", "member", renderer=PythonWidgets())
    assert ours == widget.render("t", "member", renderer=DjangoTemplates())
    assert "<option" not in ours
