"""Two-factor authentication pages (R-21, R-12): status, enrolment, backup codes, disable, and
the code step of the login."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken

from .. import two_factor
from ..lockout import is_locked, lockout_response
from ..middleware import dingtalk_exempt, second_factor_exempt
from ..services import security as security_services
from utilities.forms import attach_errors

__all__ = [
    "two_factor_status",
    "two_factor_setup",
    "two_factor_backup_codes",
    "two_factor_disable",
    "login_verify",
]


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class LoginCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your app or a backup code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class DisableForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Current password"), strip=False, widget=forms.PasswordInput)


def _safe_next(request, default="accounts:dashboard"):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse(default) if request.user.tenant_id else reverse("admin:index")


@dingtalk_exempt
@second_factor_exempt
@login_required
def two_factor_status(request):
    """Whether the second factor is on, and what the user may do about it."""
    user = request.user
    return render(
        request,
        "accounts/two_factor_status.html",
        {
            "enabled": security_services.has_second_factor(user),
            "required": security_services.second_factor_required(user),
            "backup_codes_left": StaticToken.objects.filter(device__user=user).count(),
        },
    )


@dingtalk_exempt
@second_factor_exempt
@login_required
def two_factor_setup(request):
    """Enrolment: QR code and secret for the app, then a code to confirm (R-21, R-12)."""
    try:
        device = security_services.two_factor_device_start(actor=request.user)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        return redirect("accounts:two_factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = security_services.two_factor_enable(
                actor=request.user, device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            # This session proved the new device just now.
            otp_login(request, device)
            return render(
                request,
                "accounts/two_factor_backup_codes.html",
                {"codes": codes, "next": _safe_next(request), "just_enabled": True},
            )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device.config_url),
            "secret": two_factor.secret_base32(device),
            "next": request.GET.get("next", "") or request.POST.get("next", ""),
            "required": security_services.second_factor_required(request.user),
        },
    )


@dingtalk_exempt
@login_required
@require_POST
def two_factor_backup_codes(request):
    """Replace the backup codes and show the new ones once."""
    try:
        codes = security_services.two_factor_backup_codes_regenerate(actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:two_factor")
    return render(
        request, "accounts/two_factor_backup_codes.html", {"codes": codes, "next": reverse("accounts:two_factor")}
    )


@dingtalk_exempt
@login_required
def two_factor_disable(request):
    """Turn the second factor off after the current password (R-21)."""
    form = DisableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security_services.two_factor_disable(actor=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor_disable.html", {"form": form})


@dingtalk_exempt
@second_factor_exempt
def login_verify(request):
    """The second login step: a TOTP or backup code finishes the login (R-21).

    Also serves a logged-in user whose session has not passed a code yet (an operator on the
    way to the admin). Wrong codes count as failed logins for the lockout.
    """
    if request.user.is_authenticated:
        user, next_url = request.user, request.GET.get("next") or request.POST.get("next") or ""
        if user.is_verified():
            return redirect(_safe_next(request))
        if not security_services.has_second_factor(user):
            return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': next_url})}")
    else:
        user, next_url = two_factor.pending_login(request)
        if user is None:
            messages.info(request, _("Log in again: the code step has expired."))
            return redirect("accounts:login")
    if is_locked(request, user.username):
        return lockout_response(request, credentials={"username": user.username})
    form = LoginCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, retry_at = two_factor.check_code(user, form.cleaned_data["code"])
        if device is not None:
            if request.user.is_authenticated:
                otp_login(request, device)
            else:
                two_factor.complete_login(request, user, device)
            if device.__class__.__name__ == "StaticDevice":
                left = StaticToken.objects.filter(device__user=user).count()
                messages.warning(
                    request,
                    _("You used a backup code; %(count)d are left. Generate new ones on the two-factor page.")
                    % {"count": left},
                )
            return redirect(next_url if _next_ok(request, next_url) else _default_home(user))
        if retry_at is not None:
            form.add_error(
                "code",
                _("Too many wrong codes. Wait %(seconds)d seconds, then enter the current code.")
                % {"seconds": two_factor.seconds_until(retry_at)},
            )
        elif (step := two_factor.used_code_step(user, form.cleaned_data["code"])) is not None:
            # Refused by the replay protection, not because it is wrong: say so.
            form.add_error(
                "code",
                _(
                    "That code was already used: each code works only once. Wait for the next code in your app "
                    "(a new one appears every %(seconds)d seconds), then enter it."
                )
                % {"seconds": step},
            )
        else:
            form.add_error("code", _("That code is not valid. Enter the current code from your app or a backup code."))
        # AxesMiddleware turns this response into the lockout page when this was one too many.
        two_factor.record_failed_code(request, user)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url, "verify_user": user})


def _next_ok(request, next_url):
    return bool(next_url) and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _default_home(user):
    return reverse("accounts:dashboard") if user.tenant_id else reverse("admin:index")
