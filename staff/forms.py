"""Forms of the staff management pages (R-9 … R-16, R-20): add, edit, filter, re-bind, hand over,
batch import and temporary accounts. Department and position choices come from the org chart."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.models.tenants import mainland_mobile_validator
from accounts.services.staff import NO_SMS_CONFIRM_LABEL, NO_SMS_CONFIRM_MISSING, no_sms_warning
from orgchart.forms import CatalogueField, departments_with_paths
from orgchart.models import Department, Position
from utilities.forms import IdentifierField, LoginPartField, MobileField


class StaffForm(forms.Form):
    """Add or edit one staff account (R-9, R-14). The account name is fixed after creation."""

    display_name = forms.CharField(label=_("Display name"), max_length=50)
    account_name = LoginPartField(
        label=_("Account name"),
        max_length=30,
        help_text=_("Lower-case letters, digits, dots, hyphens or underscores. Cannot be changed later."),
    )
    mobile = MobileField(label=_("Mobile (DingTalk)"), max_length=11, validators=[mainland_mobile_validator])
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    position = forms.ModelChoiceField(label=_("Position"), queryset=None)
    is_department_admin = forms.BooleanField(label=_("Department admin"), required=False)
    supplementary_permissions = forms.ModelMultipleChoiceField(
        label=_("Supplementary permissions"), queryset=None, required=False
    )

    def __init__(self, *args, tenant, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        paths = {d.pk: d.path for d in departments_with_paths(tenant)}
        self.fields["department"].queryset = Department.objects.filter(tenant=tenant).order_by("tree_id", "lft")
        self.fields["department"].label_from_instance = lambda obj: paths.get(obj.pk, obj.name)
        self.fields["position"].queryset = Position.objects.filter(tenant=tenant)
        self.fields["supplementary_permissions"] = CatalogueField(
            label=_("Supplementary permissions"),
            help_text=_("Granted to this person on top of the position's permissions."),
        )
        self.fields["account_name"].validators.append(User._meta.get_field("account_name").validators[0])
        if editing:
            del self.fields["account_name"]
        # Without an SMS channel in production nobody can bind: say so before any link is made.
        self.sms_warning = "" if editing else no_sms_warning()
        if self.sms_warning:
            self.fields["confirm_no_sms"] = forms.BooleanField(
                label=NO_SMS_CONFIRM_LABEL, error_messages={"required": NO_SMS_CONFIRM_MISSING}
            )
        self.missing_setup = []
        if not paths:
            self.missing_setup.append(_("No department exists yet: create one in the org chart first."))
        if not self.fields["position"].queryset.exists():
            self.missing_setup.append(_("No position exists yet: create one under Positions first."))


class StaffFilterForm(forms.Form):
    q = IdentifierField(label=_("Name or mobile"), required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    position = forms.ModelChoiceField(label=_("Position"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, tenant, departments, **kwargs):
        """``departments``: ``{pk: path}`` of the departments to offer, in tree order."""
        super().__init__(*args, **kwargs)
        paths = departments
        self.fields["department"].queryset = Department.objects.filter(pk__in=paths).order_by("tree_id", "lft")
        # The options from the departments the view already read (in tree order), not from a
        # second query and 100 more model instances; the queryset still validates the choice.
        self.fields["department"].choices = [("", self.fields["department"].empty_label), *paths.items()]
        self.fields["department"].help_text = _("Sub-departments included.")
        self.fields["position"].queryset = positions = Position.objects.filter(tenant=tenant)
        # The same for the positions: their ids and names, no model instances, no server-side cursor.
        self.fields["position"].choices = [("", self.fields["position"].empty_label), *positions.values_list("pk", "name")]
        self.fields["status"].choices = [("", _("All but resigned")), *User.Status.choices]


class RebindForm(forms.Form):
    display_name = forms.CharField(label=_("New person's display name"), max_length=50)
    mobile = MobileField(label=_("New person's mobile"), max_length=11, validators=[mainland_mobile_validator])
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none())

    def __init__(self, *args, staff, **kwargs):
        """Department and position are asked for only when they were deleted while the account was offboarded."""
        super().__init__(*args, **kwargs)
        if staff.department_id is not None:
            del self.fields["department"]  # it goes back where it was
        else:
            self.fields["department"].queryset = Department.objects.filter(tenant_id=staff.tenant_id).order_by("tree_id", "lft")
        if staff.position_id is not None:
            del self.fields["position"]
        else:
            self.fields["position"].queryset = Position.objects.filter(tenant_id=staff.tenant_id).order_by("name")


class HandOverForm(forms.Form):
    to_staff = forms.ModelChoiceField(label=_("Hand over to"), queryset=None)

    def __init__(self, *args, from_staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_staff"].queryset = (
            User.objects.filter(
                tenant_id=from_staff.tenant_id,
                kind=User.Kind.STAFF,
                status__in=[User.Status.ACTIVE, User.Status.PENDING],
            )
            .exclude(pk=from_staff.pk)
            .order_by("account_name")
        )
        self.fields["to_staff"].label_from_instance = lambda u: f"{u.label} ({u.username})"


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("Staff file (CSV or XLSX)"),
        help_text=_("Use the template's columns. CSV may be UTF-8 or GB18030/GBK. At most 1 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file (the template's format)."))
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 1 MB. Split it and upload the parts."))
        return upload


class WindowFormMixin:
    """Start and end of a temporary account's window, entered in Asia/Shanghai (R-20)."""

    def _add_window_fields(self):
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        help_text = _("Asia/Shanghai time. The account can log in only inside the window.")
        self.fields["starts_at"] = forms.DateTimeField(label=_("Window starts"), widget=widget, help_text=help_text)
        self.fields["ends_at"] = forms.DateTimeField(label=_("Window ends"), widget=widget)

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The window must end after it starts."))
        return cleaned


class TemporaryWindowForm(WindowFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_window_fields()


class TemporaryStaffForm(WindowFormMixin, StaffForm):
    """Add a temporary customer-service account (临时客服, R-20): a staff form plus its window."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["is_department_admin"]
        self._add_window_fields()
