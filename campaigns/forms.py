from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from utilities.forms import DateField
from utilities.text import is_ascii_digits, normalize_identifier

from .models import Campaign, EnrolledProduct


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "title",
            "description",
            "starts_on",
            "ends_on",
            "commission_rate",
            "service_fee_rate",
            "review_mode",
            "contact_person",
            "is_published",
            "scope_whole_tenant",
            "scope_departments",
            "scope_staff",
        ]
        # Dates typed with full-width digits on a Chinese keyboard are the same dates.
        field_classes = {"starts_on": DateField, "ends_on": DateField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "scope_departments": forms.CheckboxSelectMultiple,
            "scope_staff": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, tenant, **kwargs):
        from orgchart.forms import departments_with_paths
        from orgchart.models import Department

        super().__init__(*args, **kwargs)
        people = User.objects.filter(tenant=tenant).exclude(status=User.Status.RESIGNED).exclude(kind=User.Kind.OPERATOR)
        self.fields["contact_person"].queryset = people.order_by("kind", "account_name")
        self.fields["contact_person"].label_from_instance = lambda u: f"{u.label} ({u.username})"
        paths = {d.pk: d.path for d in departments_with_paths(tenant)}
        self.fields["scope_departments"].queryset = Department.objects.filter(tenant=tenant).order_by("tree_id", "lft")
        self.fields["scope_departments"].label_from_instance = lambda d: paths.get(d.pk, d.name)
        self.fields["scope_staff"].queryset = people.filter(kind=User.Kind.STAFF).order_by("account_name")
        self.fields["scope_staff"].label_from_instance = lambda u: f"{u.label} ({u.username})"

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return cleaned


class EnrollmentForm(forms.ModelForm):
    """The merchant's public enrollment form (R-26)."""

    class Meta:
        model = EnrolledProduct
        fields = ["shop_name", "product_id", "product_url", "title", "price", "proposed_commission_rate", "merchant_contact"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_id"].help_text = _("The numeric item ID from the product page, e.g. 6512345678.")

    def clean_product_id(self):
        value = normalize_identifier(self.cleaned_data["product_id"])
        if not is_ascii_digits(value) or not 5 <= len(value) <= 20:
            raise forms.ValidationError(_("Enter the numeric product ID (5–20 digits)."))
        return value

    def validate_unique(self):
        # The service refuses duplicates with a clear message; the campaign is not a form field.
        pass


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Title, shop or product ID"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *EnrolledProduct.Status.choices])


class CampaignFilterForm(forms.Form):
    PHASES = [("", _("All")), ("running", _("Running")), ("upcoming", _("Upcoming")), ("ended", _("Ended"))]
    q = forms.CharField(label=_("Title"), required=False)
    phase = forms.ChoiceField(label=_("Period"), required=False, choices=PHASES)


class RejectForm(forms.Form):
    # Required by ``enrollment_reject``, which says so next to this field (a product already
    # decided by someone else is reported as such, whatever the reason).
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class AttentionForm(forms.Form):
    attention = forms.ChoiceField(label=_("Attention level"), choices=EnrolledProduct.Attention.choices)


class EffectUploadForm(forms.Form):
    file = forms.FileField(label=_("Daily report (CSV)"), help_text=_("UTF-8 or GB18030/GBK; at most 5 MB."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Upload a .csv file."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB. Split it and upload the parts."))
        return upload


class VisibilityQuestionForm(forms.Form):
    """"Why can this person see this campaign / product?" on the permission preview (R-8)."""

    KINDS = [("campaign", _("Campaign")), ("product", _("Enrolled product"))]
    MAX_ANSWERS = 10

    kind = forms.ChoiceField(label=_("Object"), choices=KINDS)
    ref = forms.CharField(
        label=_("ID or title"),
        max_length=200,
        help_text=_("A campaign's number or exact title; a product's platform product ID or number."),
    )

    def __init__(self, *args, tenant, **kwargs):
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        kind, ref = data.get("kind"), (data.get("ref") or "").strip()
        if not kind or not ref:
            return data
        # A number or product ID is compared in its normalised form (full-width digits typed on a
        # Chinese keyboard); a title as typed, since NFKC would change its full-width punctuation.
        number = normalize_identifier(ref)
        if kind == "campaign":
            match = Campaign.objects.filter(tenant=self.tenant, title=ref)
            if is_ascii_digits(number) and len(number) <= 18:
                match = match | Campaign.objects.filter(tenant=self.tenant, pk=int(number))
            missing = _("No campaign of your organisation has this number or title.")
        else:
            match = EnrolledProduct.objects.filter(tenant=self.tenant, product_id=number)
            if is_ascii_digits(number) and len(number) <= 18:
                match = match | EnrolledProduct.objects.filter(tenant=self.tenant, pk=int(number))
            match = match.select_related("campaign", "contact_person")
            missing = _("No enrolled product of your organisation has this product ID or number.")
        objects = list(match.order_by("-pk")[: self.MAX_ANSWERS])
        if not objects:
            self.add_error("ref", missing)
        data["objects"] = objects
        return data
