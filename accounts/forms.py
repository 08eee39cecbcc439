from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from utilities.forms import IdentifierField, LoginPartField, MobileField

from .backends import normalize_login
from .lockout import account_cap_retry_at, is_locked
from .models import Tenant, User
from .models.tenants import mainland_mobile_validator, tenant_slug_validator
from utilities.request_context import client_ip
from .services.freeze import is_overdue, staff_freeze
from .services.temporary import window_text


class PasswordPairMixin:
    """``password1`` typed twice alike and strong enough for this user name and e-mail."""

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        if p1 and not self.has_error("password2"):
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SignUpForm(PasswordPairMixin, forms.Form):
    """Main-account sign-up (R-1)."""

    tenant_name = forms.CharField(label=_("Shop or company name"), max_length=100)
    slug = LoginPartField(
        label=_("Login prefix"),
        max_length=31,
        validators=[tenant_slug_validator],
        help_text=_("Your staff will log in as <prefix>:<account name>, e.g. acme:zhangsan."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Tenant.Kind.choices)
    username = IdentifierField(
        label=_("Your user name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only; no colon."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254)  # the user's e-mail column
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]  # lower-cased before its validators ran
        if Tenant.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This login prefix is already taken."))
        return slug

    def clean_username(self):
        username = self.cleaned_data["username"]
        if ":" in username:
            raise forms.ValidationError(_("A main account's user name cannot contain a colon."))
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is already taken."))
        return username



class IndividualSignUpForm(PasswordPairMixin, forms.Form):
    """Sign-up of an individual person (个人用户), who may then serve shops as their operation account (R-33)."""

    username = IdentifierField(
        label=_("Your user name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only; no colon. Shops invite you by this name."),
    )
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254)  # the user's e-mail column
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if ":" in username:
            # A colon marks staff logins (``<tenant>:<account name>``, R-10).
            raise forms.ValidationError(_("A user name cannot contain a colon."))
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is already taken."))
        return username


class LoginForm(AuthenticationForm):
    """One login for everyone: main accounts by user name, staff as ``<tenant>:<account name>``."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password. Staff log in as <tenant>:<account name>."),
        "pending": _("This account is not bound yet. Follow the invitation link sent to your mobile."),
        "disabled": _("This account has been disabled. Ask your main account to enable it."),
        "resigned": _("This account has been unbound. Ask your main account to bind it again."),
        "account_cap": _(
            "Too many failed logins for this account in the last hour. Try again after %(time)s, or from a "
            "network you have logged in from before. If you cannot wait, ask the platform operator to unlock "
            "the account."
        ),
        "account_cap_staff": _(
            "Too many failed logins for this account in the last hour. Try again after %(time)s, or from a "
            "network you have logged in from before, or ask your main account to unlock you (Unlock login on "
            "your staff page)."
        ),
        "frozen": _(
            "This account is frozen: real-person verification was not completed in time. Ask your main "
            "account %(tenant)s (DingTalk contact: %(contact)s, %(mobile)s) to unfreeze it."
        ),
        "outside_window": _("This temporary account works only from %(window)s. Log in inside that window."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["username"].help_text = _("Staff: <tenant>:<account name>, e.g. acme:zhangsan")

    def clean_username(self):
        """A login longer than any stored one is refused here, before it reaches django-axes.

        ``AuthenticationForm`` only sets the box's ``maxlength``; no validator checks it, so a long
        name went on to axes, whose 255-character column made the failure a 500 on PostgreSQL
        (django-axes #1381). Measured after normalisation (NFKC can lengthen it), against the
        user name column.
        """
        username = self.cleaned_data["username"]
        MaxLengthValidator(User._meta.get_field("username").max_length)(normalize_login(username))
        return username

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password and self.request is not None:
            login = normalize_login(username)
            retry_at = account_cap_retry_at(login, client_ip(self.request))
            if retry_at is not None:
                # Who can lift it sooner: a staff account's main account; anyone else's, the operator.
                key = "account_cap_staff" if ":" in login else "account_cap"
                raise forms.ValidationError(
                    self.error_messages[key] % {"time": formats.time_format(timezone.localtime(retry_at))},
                    code="account_cap",
                )
            if is_locked(self.request, login):
                # No password check of any kind while locked out: authenticate() refuses and
                # the lockout page follows (django-axes).
                return super().clean()
        if username and password:
            blocked = self._blocked_staff_account(normalize_login(username), password)
            if blocked:
                login = normalize_login(username)
                params = _window_params(login) if blocked == "outside_window" else _main_account_params(login)
                raise forms.ValidationError(self.error_messages[blocked], code=blocked, params=params)
        return super().clean()

    @staticmethod
    def _blocked_staff_account(login, password):
        """Name why a staff account may not log in, when the caller proved who they are."""
        user = User.objects.filter(username=login, kind=User.Kind.STAFF).first()
        if user is not None and is_overdue(user):
            user = staff_freeze(staff=user) or user  # overdue: freeze now, not at the next scheduled run
        if user is not None and user.status == User.Status.ACTIVE and not user.in_window():
            return "outside_window" if user.check_password(password) else None
        if user is None or user.status == User.Status.ACTIVE:
            return None
        if user.status == User.Status.PENDING:
            return "pending"  # no password exists yet; the name alone is enough to say why
        if user.has_usable_password() and user.check_password(password):
            return user.status
        return None


def _main_account_params(login):
    """Whom a refused staff member should contact: the main account and its DingTalk contact."""
    return _tenant_params(Tenant.objects.filter(users__username=login).first())


def _tenant_params(tenant):
    if tenant is None:
        return {"tenant": "", "contact": "", "mobile": ""}
    return {"tenant": tenant.name, "contact": tenant.dingtalk_contact_name, "mobile": tenant.dingtalk_mobile}


def frozen_message(tenant):
    """What a frozen staff member of ``tenant`` is told: why, and whom to ask (R-18); no query."""
    return LoginForm.error_messages["frozen"] % _tenant_params(tenant)

def _window_params(login):
    """The window of the temporary account ``login``, in Asia/Shanghai, for the login error (R-20)."""
    return {"window": window_text(User.objects.get(username=login))}


class DingTalkInfoForm(forms.ModelForm):
    """The main account's DingTalk contact (R-2). The secret is write-only."""

    dingtalk_mobile = MobileField(label=_("DingTalk mobile"), max_length=11)

    dingtalk_secret = forms.CharField(
        label=_("DingTalk robot secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored secret. It is never shown again."),
    )

    class Meta:
        model = Tenant
        fields = ["dingtalk_contact_name", "dingtalk_mobile", "dingtalk_webhook"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dingtalk_contact_name"].required = True
        self.fields["dingtalk_mobile"].required = True
        self.fields["dingtalk_mobile"].validators = [mainland_mobile_validator]

    def clean_dingtalk_webhook(self):
        webhook = self.cleaned_data["dingtalk_webhook"]
        if webhook and not webhook.startswith("https://"):
            raise forms.ValidationError(_("The robot webhook must be an https:// address."))
        return webhook


class BindForm(forms.Form):
    code = IdentifierField(
        label=_("Code from the SMS"),
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Enter the 6 digits of the code."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("Proves that the link reached the owner of this mobile. Send a code first."),
    )
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)
    setup_two_factor = forms.BooleanField(
        label=_("Set up two-factor authentication now"),
        required=False,
        help_text=_("An authenticator app on your phone will then ask for a code at each login."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class UnrenderedTextInput(forms.TextInput):
    """A text box that never puts the submitted value back into the page (R-19: no ID read-back)."""

    def format_value(self, value):
        return None


class VerificationForm(forms.Form):
    """Real-person verification (R-17): real name, resident ID number and mobile."""

    real_name = forms.CharField(label=_("Real name"), max_length=50)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=40,
        strip=True,
        widget=UnrenderedTextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18 characters, as on your ID card. It is never shown again, not even to you."),
    )
    mobile = MobileField(label=_("Mobile"), max_length=11, validators=[mainland_mobile_validator])

    @method_decorator(sensitive_variables("number"))
    def clean_id_number(self):
        from .models.identity import normalize_id_number, validate_id_number

        number = normalize_id_number(self.cleaned_data["id_number"])
        validate_id_number(number)
        return number


class RejectVerificationForm(forms.Form):
    """The operator's reason for rejecting verifications (shown to each staff member)."""

    reason = forms.CharField(label=_("Reason"), max_length=200)
