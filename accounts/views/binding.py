"""The binding link (R-12): prove the mobile by an SMS code, set a password, activate. No login needed."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from utilities.forms import attach_errors

from ..channels import sms_available
from ..forms import BindForm
from ..middleware import dingtalk_exempt
from ..models import Delivery, Notification
from ..services import staff as staff_services

__all__ = ["bind"]


@dingtalk_exempt
def bind(request, token):
    """The invitation link: prove the mobile by an SMS code, set a password, activate (R-12). No login needed."""
    invitation = staff_services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/bind_invalid.html", status=404)
    masked = staff_services.mask_mobile(invitation.mobile)
    if request.method == "POST" and "send_code" in request.POST:
        try:
            staff_services.binding_code_send(token=token)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("A 6-digit code was sent by SMS to %(mobile)s.") % {"mobile": masked})
        return redirect("accounts:bind", token=token)
    form = BindForm(request.POST or None, user=invitation.user)
    if request.method == "POST" and form.is_valid():
        try:
            staff = staff_services.invitation_accept(
                token=token, code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            if form.cleaned_data["setup_two_factor"]:
                # Straight on to enrolment: the person has just proved the link and chosen the password.
                login(request, staff, backend="accounts.backends.TenantAuthBackend")
                return redirect("accounts:two_factor_setup")
            messages.success(
                request, _("Your account is bound. Log in as %(login)s.") % {"login": staff.username}
            )
            return redirect("accounts:login")
    context = {
        "form": form,
        "invitation": invitation,
        "masked_mobile": masked,
        "sms_ready": sms_available(),
        "last_code_failed": _last_code_failed(invitation),
    }
    return render(request, "accounts/bind.html", context)


def _last_code_failed(invitation):
    """True when the latest code texted for this link could not be delivered (the answer is the owner's to read)."""
    latest = (
        Delivery.objects.filter(
            tenant_id=invitation.tenant_id,
            backend=Delivery.Backend.SMS,
            notification__recipient_id=invitation.user_id,
            notification__kind=Notification.Kind.BINDING_CODE,
            notification__created_at__gte=invitation.created_at,
        )
        .order_by("-id")
        .only("status")
        .first()
    )
    return latest is not None and latest.status == Delivery.Status.FAILED
