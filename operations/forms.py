"""Input shapes of the operation-account pages; the rules live in the services."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from utilities.forms import IdentifierField

from .models import OperationBinding, Task, TaskOrder


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class InviteForm(forms.Form):
    login = IdentifierField(
        label=_("User name of the person"),
        max_length=150,
        help_text=_("The person signs up as an individual first and tells you their user name."),
    )


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "creator_name", "fee", "description", "deadline", "is_open"]
        widgets = {"deadline": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}


class OrderPlaceForm(forms.Form):
    task = forms.ModelChoiceField(label=_("Task"), queryset=Task.objects.none())
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        required=False,
        help_text=_("Leave empty to use the task's fee."),
    )

    def __init__(self, *args, tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["task"].label_from_instance = lambda task: f"{task.title} · {task.creator_name} · ¥{task.fee}"


class OrderFilterForm(forms.Form):
    """The order list's filter bar: account (shop side only), state, placed from/to, number or task."""

    account = forms.ChoiceField(label=_("Operation account"), required=False)
    status = forms.ChoiceField(label=_("State"), required=False)
    date_from = forms.DateField(label=_("Placed from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Placed until"), required=False, widget=DateInput())
    q = forms.CharField(label=_("Order number or task"), required=False, max_length=100)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All states")), *TaskOrder.Status.choices]
        if accounts is None:
            del self.fields["account"]
        else:
            self.fields["account"].choices = [("", _("All accounts")), *accounts]

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

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        cutoff = settings.STATEMENT_CUTOFF
        start = cleaned.get("start") or cutoff
        end = cleaned.get("end") or timezone.localdate()
        if start < cutoff:
            self.add_error(
                "start",
                _("Statements start on %(date)s at the earliest: older orders are not kept.") % {"date": cutoff.isoformat()},
            )
        if end < start:
            self.add_error("end", _("The end is before the start."))
        cleaned["start"], cleaned["end"] = max(start, cutoff), end
        return cleaned

    def period(self):
        """``(start, end)``: the valid period asked for, else the cut-off to today."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return settings.STATEMENT_CUTOFF, timezone.localdate()
