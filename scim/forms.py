from django import forms
from django.utils.translation import gettext_lazy as _

from orgchart.models import Department, Position


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("Say which system uses it, e.g. “Okta” or “Feishu HR”. The audit log names it."),
    )
    default_department = forms.ModelChoiceField(
        label=_("Default department"),
        queryset=Department.objects.none(),
        error_messages={
            "required": _(
                "Choose a default department: Okta and Entra name no department, so without one every new person "
                "they send is refused, and people removed from a group have nowhere to go."
            )
        },
        help_text=_(
            "Where new staff go when the identity provider names no department, and where people go when "
            "they are removed from a group."
        ),
    )
    default_position = forms.ModelChoiceField(
        label=_("Default position"),
        queryset=Position.objects.none(),
        error_messages={
            "required": _(
                "Choose a default position: Okta and Entra name no position, so without one every new person "
                "they send is refused."
            )
        },
        help_text=_("The position of new staff when the identity provider names none."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_department"].queryset = Department.objects.filter(tenant=tenant).order_by("tree_id", "lft")
        self.fields["default_department"].label_from_instance = lambda d: "\u3000" * d.level + d.name
        self.fields["default_position"].queryset = Position.objects.filter(tenant=tenant)
