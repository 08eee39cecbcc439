"""Input shapes of the operation-account pages; the rules live in the services."""

import re
import secrets

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from utilities.forms import DateField, DateInput, IdentifierField

from .models import OperationBinding, Task, TaskOrder


def new_submission():
    return secrets.token_hex(16)


class SubmissionField(forms.CharField):
    """The form's one-time key: the same form sent twice (a double click, a reload) makes one row."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, initial=new_submission, **kwargs)

    def clean(self, value):
        """The key as sent, or "" (no protection, never an error a person cannot see) for anything not one."""
        value = super().clean(value)
        return value if re.fullmatch(r"[0-9a-f]{32}", value) else ""


class InviteForm(forms.Form):
    login = IdentifierField(
        label=_("User name of the person"),
        max_length=150,
        help_text=_("The person signs up as an individual first and tells you their user name."),
    )


class TaskForm(forms.ModelForm):
    submission = SubmissionField()

    class Meta:
        model = Task
        fields = ["title", "creator_name", "fee", "description", "deadline", "is_open"]
        field_classes = {"deadline": DateField}
        widgets = {"deadline": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}


class OrderPlaceForm(forms.Form):
    task = forms.ModelChoiceField(label=_("Task"), queryset=Task.objects.none())
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        required=False,
        help_text=_("Leave empty to use the task's fee; at most the fee."),
    )
    submission = SubmissionField()

    def __init__(self, *args, tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["task"].label_from_instance = lambda task: f"{task.title} · {task.creator_name} · ¥{task.fee}"


class OrderFilterForm(forms.Form):
    """The order list's filter bar: account (shop side only), state, placed from/to, number or task."""

    account = forms.ChoiceField(label=_("Operation account"), required=False)
    status = forms.ChoiceField(label=_("State"), required=False)
    date_from = DateField(label=_("Placed from"), required=False, widget=DateInput())
    date_to = DateField(label=_("Placed until"), required=False, widget=DateInput())
    q = forms.CharField(label=_("Order number or task"), required=False, max_length=100)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All states")), *TaskOrder.Status.choices]
        if accounts is None:
            del self.fields["account"]
        else:
            self.fields["account"].choices = [("", _("All accounts")), *accounts]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        return cleaned

    def filter(self, orders):
        """``orders`` narrowed by the valid filters; an invalid value is ignored and shown as an error."""
        if not self.is_bound:
            return orders
        if not self.is_valid():
            data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        else:
            data = self.cleaned_data
        if data.get("account"):
            orders = orders.filter(account_id=data["account"])
        if data.get("status"):
            orders = orders.filter(status=data["status"])
        if data.get("date_from"):
            orders = orders.filter(placed_at__date__gte=data["date_from"])
        if data.get("date_to"):
            orders = orders.filter(placed_at__date__lte=data["date_to"])
        if data.get("q"):
            query = data["q"].strip()
            orders = orders.filter(Q(number__icontains=query) | Q(task__title__icontains=query))
        return orders


class BindingFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *OperationBinding.Status.choices]


class StatementForm(forms.Form):
    """The statement's period: from the cut-off (or later) to a chosen end (R-35)."""

    start = DateField(label=_("From"), required=False, widget=DateInput())
    end = DateField(label=_("Until"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        cutoff = settings.STATEMENT_CUTOFF
        today = timezone.localdate()
        start = cleaned.get("start") or cutoff
        end = cleaned.get("end") or today
        if start < cutoff:
            self.add_error(
                "start",
                _("Statements start on %(date)s at the earliest: older orders are not kept.") % {"date": cutoff.isoformat()},
            )
        elif start > today:
            self.add_error("start", _("The start is after today (%(date)s).") % {"date": today.isoformat()})
        if end > today:
            self.add_error(
                "end",
                _("The end is after today (%(date)s): a statement covers orders already placed.") % {"date": today.isoformat()},
            )
        elif end < start <= today:  # a start after today is refused on its own
            self.add_error("end", _("The end is before the start."))
        cleaned["start"], cleaned["end"] = max(start, cutoff), end
        return cleaned

    def period(self):
        """``(start, end)``: the valid period asked for, else the cut-off to today."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return settings.STATEMENT_CUTOFF, timezone.localdate()
