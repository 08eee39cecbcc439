"""Form fields shared by every app."""

from django import forms

from .names import WHAT_NAME, clean_name
from .text import normalize_identifier, normalize_login_part, normalize_mobile


class IdentifierField(forms.CharField):
    """A text field for identifiers: normalised (NFKC, stripped) before any validation."""

    def to_python(self, value):
        return super().to_python(normalize_identifier(value) if value not in self.empty_values else value)


class LoginPartField(IdentifierField):
    """A login prefix or account name: NFKC, stripped and lower-cased (``normalize_login_part``)
    before any validator runs, so what the form would store is what is checked."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_login_part(value) if value else value


class NameField(forms.CharField):
    """A name or title a person types (R-21): ``utilities.names.clean_name`` with ``what`` as the
    noun of its messages; blank is the field's ``required`` check, as for any ``CharField``."""

    def __init__(self, *, what=WHAT_NAME, **kwargs):
        self.what = what
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_name(value, what=self.what, required=False)


class MobileField(IdentifierField):
    """A mainland mobile number typed any way a person types it: full-width digits, spaces, hyphens."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_mobile(value) if value else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # "139 0000 0001" is longer than 11 before it is normalised
        attrs.setdefault("inputmode", "tel")
        return attrs


class DateInput(forms.DateInput):
    """The browser's date picker, with the value rendered as ``YYYY-MM-DD`` as it expects."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateField(forms.DateField):
    """A date typed any way a person types it: full-width digits and dashes (２０２６－０７－０１) read as ASCII."""

    widget = DateInput

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_identifier(value)
        return super().to_python(value)


def attach_errors(form, exc):
    """Show a service's ``ValidationError`` next to the matching fields of ``form``, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
