"""Temporary customer-service account pages (临时客服, R-20): add one, move its window."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import owner_required
from accounts.services import staff as staff_services
from accounts.services.temporary import temporary_staff_add, temporary_window_update
from utilities.forms import attach_errors

from ..forms import TemporaryStaffForm, TemporaryWindowForm
from .staff import _invitation_message, _visible_staff_or_404

__all__ = ["temporary_add", "temporary_window_edit"]


@owner_required
def temporary_add(request):
    tenant = request.user.tenant
    form = TemporaryStaffForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff, link = temporary_staff_add(
                actor=request.user,
                tenant=tenant,
                display_name=data["display_name"],
                account_name=data["account_name"],
                mobile=data["mobile"],
                department=data["department"],
                position=data["position"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                supplementary_permissions=data["supplementary_permissions"],
                confirm_no_sms=data.get("confirm_no_sms", False),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            _invitation_message(request, staff, link)
            return redirect("staff:detail", pk=staff.pk)
    return render(
        request,
        "staff/temporary_form.html",
        {
            "form": form,
            "used": staff_services.temporary_seats_used(tenant),
            "quota": tenant.temporary_quota,
        },
    )


@owner_required
def temporary_window_edit(request, pk):
    staff = _visible_staff_or_404(request, pk)
    if not staff.is_temporary:
        raise Http404
    initial = {"starts_at": staff.temporary_starts_at, "ends_at": staff.temporary_ends_at}
    form = TemporaryWindowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            temporary_window_update(
                actor=request.user,
                staff=staff,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The window is saved."))
            return redirect("staff:detail", pk=staff.pk)
    return render(request, "staff/temporary_window.html", {"form": form, "staff": staff})
