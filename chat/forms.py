from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from utilities.widgets import PythonWidgets

from .routing import group_opens_next
from .models import BODY_MAX, NICKNAME_MAX, ChatGroup, ChatMember, Conversation, DistributionSettings


class StartForm(forms.Form):
    """The buyer's first message on the shop's public chat page."""

    group = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=ChatGroup.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    nickname = forms.CharField(label=_("Your nickname"), max_length=NICKNAME_MAX)
    body = forms.CharField(label=_("Your message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, tenant, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ChatGroup.objects.filter(tenant=tenant, is_offered=True).order_by("name")
        self.fields["group"].error_messages["invalid_choice"] = _("Choose one of the groups listed.")
        moment = now or timezone.now()
        self.fields["group"].label_from_instance = lambda group: closed_group_label(group, moment)


def closed_group_label(group, now):
    """A group's name for the buyer's choice, saying before the buyer writes when a group closed
    for the day (its working hours, Beijing time) is back and that a message is kept until then."""
    opens = group_opens_next(group, now)
    if opens is None:
        return group.name
    return _("%(group)s (closed now; back at %(time)s Beijing time, leave a message)") % {
        "group": group.name,
        "time": opens.strftime("%m-%d %H:%M"),
    }


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class ModelBoundsForm(forms.ModelForm):
    """A model form whose number inputs carry the model's own bounds as ``min``/``max``: a
    positive field's form field says ``min="0"`` while the model refuses anything under 1."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            for validator in self._meta.model._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    field.widget.attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    field.widget.attrs["max"] = validator.limit_value


class GroupForm(ModelBoundsForm):
    class Meta:
        model = ChatGroup
        fields = ["name", "description", "is_offered", "reception_cap", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class NewGroupForm(forms.ModelForm):
    default_renderer = PythonWidgets()
    class Meta:
        model = ChatGroup
        fields = ["name", "description", "is_offered"]


class MemberForm(ModelBoundsForm):
    """A member's own reception cap in its group and its weight."""

    class Meta:
        model = ChatMember
        fields = ["reception_cap", "weight"]


class SettingsForm(ModelBoundsForm):
    default_renderer = PythonWidgets()
    class Meta:
        model = DistributionSettings
        fields = ["main_account_mode", "main_account_cap", "grace_seconds", "unassigned_cap"]
        widgets = {"main_account_mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grace_seconds"].widget.attrs["min"] = settings.CHAT_PRESENCE_TTL_SECONDS  # services._check_grace


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff account"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: f"{u.label} ({u.username})"


UNAVAILABLE = _("That person cannot take conversations right now: choose someone or a group from the list.")
NOT_A_GROUP = _("Choose one of your groups from the list.")


class TransferForm(forms.Form):
    default_renderer = PythonWidgets()  # the same HTML, a millisecond less per page (issue 27)
    # A select whose value ``clean_target`` checks itself, so a stale or forged choice is answered
    # by what it names: a person who cannot take it now, or a group that is not the shop's.
    target = forms.CharField(label=_("Transfer to"), widget=forms.Select)

    def __init__(self, *args, people, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        self.groups = {str(g.pk): g for g in groups}
        self.fields["target"].widget.choices = [
            (_("People available now"), [(f"user:{p.pk}", f"{p.label} ({p.open_count})") for p in people]),
            (_("Groups"), [(f"group:{g.pk}", g.name) for g in groups]),
        ]

    def clean_target(self):
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        if kind == "user" and pk in self.people:
            return {"to_user": self.people[pk]}
        if kind == "group":
            if pk in self.groups:
                return {"to_group": self.groups[pk]}
            raise forms.ValidationError(NOT_A_GROUP)
        raise forms.ValidationError(UNAVAILABLE)


class HistoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    group = forms.ModelChoiceField(label=_("Group"), required=False, queryset=ChatGroup.objects.none())

    def __init__(self, *args, tenant_id, **kwargs):
        from .models import Conversation

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All"))] + list(Conversation.Status.choices)
        self.fields["group"].queryset = ChatGroup.objects.filter(tenant_id=tenant_id).order_by("name")
        self.fields["group"].empty_label = _("All")


WAITING_STATES = [("", _("Queued and overflow")), ("queued", _("Queued")), ("overflow", _("Overflow on the main account"))]


class WaitingFilterForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), required=False, queryset=ChatGroup.objects.none())
    state = forms.ChoiceField(label=_("State"), required=False, choices=WAITING_STATES)
    older_than = forms.IntegerField(
        label=_("Waiting at least (minutes)"), required=False, min_value=0, max_value=7 * 24 * 60
    )

    def __init__(self, *args, tenant_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ChatGroup.objects.filter(tenant_id=tenant_id).order_by("name")
        self.fields["group"].empty_label = _("All")


class BulkForm(forms.Form):
    """Many waiting conversations at once: assign them to one member, or close them."""

    conversations = forms.ModelMultipleChoiceField(
        label=_("Conversations"),
        queryset=Conversation.objects.none(),
        error_messages={"required": _("Select at least one conversation.")},
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("assign", _("Assign to")), ("close", _("Close"))], widget=forms.RadioSelect
    )
    to_user = forms.ModelChoiceField(label=_("Member"), required=False, queryset=None)

    def __init__(self, *args, tenant_id, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conversations"].queryset = Conversation.objects.filter(tenant_id=tenant_id)
        self.fields["conversations"].error_messages["invalid_choice"] = _(
            "Some selected conversations are not in your shop's list; reload the page."
        )
        self.fields["to_user"].queryset = people
        self.fields["to_user"].error_messages["invalid_choice"] = UNAVAILABLE
        self.fields["to_user"].label_from_instance = lambda u: u.label

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("to_user"):
            self.add_error("to_user", _("Choose who receives them."))
        return data


# Django's own message for a NUL character in a text field. Its zh-hans catalogue renders it as
# "不允许是用空字符串" ("empty strings are not allowed", with a typo), which tells a buyer nothing;
# ours (locale/, read before Django's) says a NUL character is not allowed, here and in every form.
NUL_REFUSED = _("Null characters are not allowed.")

for _form in (StartForm, MessageForm, GroupForm, NewGroupForm, HistoryFilterForm):
    for _field in _form.base_fields.values():
        for _validator in _field.validators:
            if isinstance(_validator, ProhibitNullCharactersValidator):
                _validator.message = NUL_REFUSED
