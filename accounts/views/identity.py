"""The staff member's real-person verification page (实人认证, R-17, R-19)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from ..forms import VerificationForm
from ..models import IdentityVerification, User
from ..services import identity as identity_services
from utilities.forms import attach_errors

__all__ = ["verification"]

SUBMITTABLE = {User.IdentityStatus.UNVERIFIED, User.IdentityStatus.REJECTED}


@sensitive_post_parameters("id_number")
@login_required
@sensitive_variables("form", "data")
def verification(request):
    """Show the account's verification state and, while unverified or rejected, the form.

    On an error the ID number field comes back empty: the page never repeats the number.
    """
    user = request.user
    if not user.is_staff_account:
        raise PermissionDenied
    if user.is_temporary:
        # Nothing to do rather than forbidden: say why, in the layout. A POST stores nothing.
        return render(request, "accounts/verification.html", {"not_needed": True})
    latest = (
        IdentityVerification.objects.filter(tenant=user.tenant, user=user)
        .exclude(status=IdentityVerification.Status.REMOVED)
        .first()
    )
    can_submit = user.identity_status in SUBMITTABLE
    form = None
    if can_submit:
        form = VerificationForm(request.POST or None, initial={"mobile": user.mobile})
    if request.method == "POST":
        if not can_submit:
            messages.error(request, _("Your verification has already been submitted; you cannot change it now."))
            return redirect("accounts:verification")
        if form.is_valid():
            data = form.cleaned_data
            try:
                identity_services.verification_submit(
                    actor=user, real_name=data["real_name"], id_number=data["id_number"], mobile=data["mobile"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Submitted. The platform reviews it; you will be notified of the result."))
                return redirect("accounts:verification")
    return render(
        request,
        "accounts/verification.html",
        {"form": form, "latest": latest, "can_submit": can_submit},
    )
