"""``utilities.widgets.PlainSelect`` writes what ``forms.Select`` writes through its templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from utilities.widgets import PlainSelect

CHOICES = [
    ("", "---------"),
    (gettext_lazy("People available now"), [("user:1", 'Ann "A" <b> & co (2)'), ("user:2", "王 (0)")]),
    ("Empty group", []),
    ("Groups", [("group:1", "Pre-sales"), ("group:2", mark_safe("<i>safe</i>")), (3, 4)]),
    ("plain", "A plain option & more"),
]


@pytest.mark.parametrize("value", [None, "", "user:2", "group:1", ["user:1", "group:2"], 3])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_target"}, {"id": "x", "required": True, "disabled": False, "data-x": 'a"b<'}]
)
def test_plain_select_matches_the_template_rendering(value, attrs):
    ours = PlainSelect(choices=CHOICES).render("target", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("target", value, attrs=attrs)

    assert ours == django


def test_a_bound_form_field_renders_the_same():
    class Ours(forms.Form):
        target = forms.CharField(widget=PlainSelect(choices=CHOICES))

    class Theirs(forms.Form):
        target = forms.CharField(widget=forms.Select(choices=CHOICES))

    for data in (None, {"target": "user:2"}, {"target": "nonsense <"}):
        assert str(Ours(data)["target"]) == str(Theirs(data)["target"])


def test_a_select_with_its_own_option_template_keeps_the_templates():
    class Custom(PlainSelect):
        option_template_name = "django/forms/widgets/input_option.html"

    class Reference(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    assert Custom(choices=CHOICES).render("t", None) == Reference(choices=CHOICES).render("t", None)
    assert Custom(choices=CHOICES).render("t", None) != PlainSelect(choices=CHOICES).render("t", None)
