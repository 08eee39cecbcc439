"""Staff management pages (R-9 … R-16): list, add, detail, edit, permission preview, lifecycle actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import handover, preview
from accounts.decorators import owner_required
from accounts.lockout import login_locks
from accounts.models import Invitation, User
from accounts.selectors import can_list_staff, staff_visible_to
from accounts.services import freeze as freeze_services
from accounts.services import security as security_services
from accounts.services import staff as staff_services
from accounts.services.sessions import sessions_of
from orgchart.scope import admin_root_id, describe_scope
from orgchart.selectors import department_paths, effective_permissions
from utilities.forms import attach_errors
from utilities.pagination import folded_capped_page
from utilities.trees import subtree_filter

from ..forms import HandOverForm, RebindForm, StaffFilterForm, StaffForm

__all__ = [
    "staff_list",
    "staff_resigned",
    "staff_add",
    "staff_detail",
    "staff_permissions",
    "staff_edit",
    "staff_action",
    "staff_rebind",
    "staff_hand_over",
]


# The columns the staff table and the temporary-account table read of each row (``staff_tables``):
# a staff row has some thirty, most of them read and converted for nothing.
STAFF_ROW_FIELDS = (
    "id",
    "username",
    "account_name",
    "display_name",
    "mobile",
    "status",
    "identity_status",
    "is_department_admin",
    "department_id",
    "position__name",
    "temporary_starts_at",
    "temporary_ends_at",
)


def _require_staff_list(request):
    if not can_list_staff(request.user):
        raise PermissionDenied


def _departments_in_scope(user):
    """``{pk: path}`` of the departments whose staff ``user`` lists, in tree order: all of the
    tenant's for the main account, the admin's subtree for a department admin (R-5)."""
    departments = department_paths(user.tenant_id)
    if user.is_owner:
        return {pk: path for pk, path, *_tree in departments}
    root_id = admin_root_id(user)
    root = next((row for row in departments if row[0] == root_id), None) if root_id is not None else None
    if root is None:
        return {}
    _pk, _path, tree_id, lft, rght = root
    return {pk: path for pk, path, tree, left, right in departments if tree == tree_id and lft <= left and right <= rght}


def _with_paths(rows, paths):
    for row in rows:
        row.department_path = paths.get(row.department_id, "")
    return rows


def _filtered_staff(request, resigned):
    """``(form, staff, paths)``: the filter form, the staff it selects in list order and the
    ``{pk: path}`` of the departments in scope."""
    paths = _departments_in_scope(request.user)
    form = StaffFilterForm(request.GET or None, tenant=request.user.tenant, departments=paths)
    staff = staff_visible_to(request.user).select_related("position").only(*STAFF_ROW_FIELDS)
    if resigned:
        staff = staff.filter(status=User.Status.RESIGNED)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            staff = staff.filter(Q(display_name__icontains=q) | Q(account_name__icontains=q) | Q(mobile__contains=q))
        if data["department"]:
            staff = staff.filter(subtree_filter(data["department"]))
        if data["position"]:
            staff = staff.filter(position=data["position"])
        if not resigned:
            if data["status"]:
                staff = staff.filter(status=data["status"])
            else:
                staff = staff.exclude(status=User.Status.RESIGNED)
    elif not resigned:
        staff = staff.exclude(status=User.Status.RESIGNED)
    return form, staff.order_by("account_name"), paths


def _render_list(request, resigned):
    _require_staff_list(request)
    form, staff, paths = _filtered_staff(request, resigned)
    temporaries = []
    if not resigned:
        # Temporary accounts are listed on their own, with their window.
        temporaries = _with_paths(
            list(
                staff_visible_to(request.user)
                .filter(temporary_ends_at__isnull=False)
                .exclude(status=User.Status.RESIGNED)
                .select_related("position")
                .only(*STAFF_ROW_FIELDS)
                .order_by("temporary_starts_at", "account_name")
            ),
            paths,
        )
        staff = staff.filter(temporary_ends_at__isnull=True)
    # The count rides on the page's own query: a staff list is bounded by its seats, far below the cap.
    page = folded_capped_page(request, staff)
    page.object_list = _with_paths(list(page.object_list), paths)
    query = request.GET.copy()
    query.pop("page", None)
    tenant = request.user.tenant
    context = {
        "filter_form": form,
        "page_obj": page,
        "query": query.urlencode(),
        "resigned": resigned,
        "can_manage": request.user.is_owner,
        "temporaries": temporaries,
    }
    if request.user.is_owner:
        # One definition of a seat (``accounts.selectors.seat_counts``), not the list's own count.
        context["seats_used"] = staff_services.seats_used(tenant)
        context["quota"] = tenant.staff_quota
        context["temporary_used"] = len(temporaries)
        context["temporary_quota"] = tenant.temporary_quota
    return render(request, "staff/staff_list.html", context)


@login_required
def staff_list(request):
    return _render_list(request, resigned=False)


@login_required
def staff_resigned(request):
    return _render_list(request, resigned=True)


@owner_required
def staff_add(request):
    tenant = request.user.tenant
    # "Add staff here" on a department's row of the org chart preselects that department.
    form = StaffForm(request.POST or None, tenant=tenant, initial={"department": request.GET.get("department")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff, link = staff_services.staff_add(
                actor=request.user,
                tenant=tenant,
                display_name=data["display_name"],
                account_name=data["account_name"],
                mobile=data["mobile"],
                department=data["department"],
                position=data["position"],
                is_department_admin=data["is_department_admin"],
                supplementary_permissions=data["supplementary_permissions"],
                confirm_no_sms=data.get("confirm_no_sms", False),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            _invitation_message(request, staff, link)
            return redirect("staff:detail", pk=staff.pk)
    return render(request, "staff/staff_form.html", {"form": form})


def _invitation_message(request, staff, link):
    if link is None:  # no mobile: nothing was sent (``invitation_send_if_mobile``)
        messages.warning(request, staff_services.NO_MOBILE_INVITE % {"login": staff.username})
        return
    messages.success(
        request,
        _(
            "The binding invitation for %(login)s was sent to %(mobile)s. You can also pass on this "
            "single-use link yourself: %(link)s"
        )
        % {"login": staff.username, "mobile": staff.mobile, "link": request.build_absolute_uri(link)},
    )
    warning = staff_services.no_sms_warning()
    if warning:
        messages.warning(request, warning)


def _visible_staff_or_404(request, pk):
    _require_staff_list(request)
    return get_object_or_404(staff_visible_to(request.user).select_related("department", "position"), pk=pk)


@login_required
def staff_detail(request, pk):
    staff = _visible_staff_or_404(request, pk)
    invitations = Invitation.objects.filter(user=staff)[:5] if request.user.is_owner else []
    context = {
        "staff": staff,
        "invitations": invitations,
        "has_pending_invitation": Invitation.objects.filter(user=staff).usable().exists(),
        "can_manage": request.user.is_owner,
        "owned": handover.owned_by(staff) if request.user.is_owner else [],
        "has_second_factor": security_services.has_second_factor(staff),
        "login_locks": login_locks(staff) if request.user.is_owner else [],
        "freeze_reason": freeze_services.freeze_reason(staff) if request.user.is_owner else None,
        "sessions": sessions_of(staff) if request.user.is_owner else [],
    }
    return render(request, "staff/staff_detail.html", context)


@owner_required
def staff_permissions(request, pk):
    """Permission preview (R-8): every effective permission with its source, and the data scope."""
    staff = _visible_staff_or_404(request, pk)
    question, answers = preview.answer(request, staff)
    return render(
        request,
        "staff/staff_permissions.html",
        {
            "staff": staff,
            "permissions": effective_permissions(staff),
            "scope": describe_scope(staff),
            "question": question,
            "answers": answers,
        },
    )


@owner_required
def staff_edit(request, pk):
    staff = _visible_staff_or_404(request, pk)
    tenant = request.user.tenant
    initial = {
        "display_name": staff.display_name,
        "mobile": staff.mobile,
        "department": staff.department_id,
        "position": staff.position_id,
        "is_department_admin": staff.is_department_admin,
        "supplementary_permissions": list(staff.user_permissions.all()),
    }
    form = StaffForm(request.POST or None, tenant=tenant, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_services.staff_update(
                actor=request.user,
                staff=staff,
                display_name=data["display_name"],
                mobile=data["mobile"],
                department=data["department"],
                position=data["position"],
                is_department_admin=data["is_department_admin"],
                supplementary_permissions=data["supplementary_permissions"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Changes saved. They apply on the staff member's next page load."))
            if staff.status == User.Status.PENDING and data["mobile"].strip() != staff.mobile and data["mobile"].strip():
                messages.info(
                    request,
                    _("A new binding link was sent to %(mobile)s; the link sent to the old mobile no longer works.")
                    % {"mobile": data["mobile"].strip()},
                )
            return redirect("staff:detail", pk=staff.pk)
    return render(request, "staff/staff_form.html", {"form": form, "staff": staff})


ACTIONS = {
    "disable": (staff_services.staff_disable, gettext_lazy("The account is disabled; its sessions have ended.")),
    "enable": (staff_services.staff_enable, gettext_lazy("The account is enabled again.")),
    "offboard": (
        staff_services.staff_offboard,
        gettext_lazy("The person is unbound; the account and its settings are kept."),
    ),
    "revoke": (staff_services.invitation_revoke, gettext_lazy("The pending invitation is revoked.")),
    "unlock": (security_services.staff_unlock, gettext_lazy("Login is unlocked; the staff member can log in again.")),
    "unfreeze": (
        freeze_services.staff_unfreeze,
        gettext_lazy("The account is unfrozen. It must complete real-person verification within 2 days."),
    ),
}


@owner_required
@require_POST
def staff_action(request, pk, action):
    staff = _visible_staff_or_404(request, pk)
    if action == "resend":
        try:
            link = staff_services.invitation_send(actor=request.user, staff=staff)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            _invitation_message(request, staff, link)
        return redirect("staff:detail", pk=staff.pk)
    if action not in ACTIONS:
        raise PermissionDenied
    service, done = ACTIONS[action]
    try:
        service(actor=request.user, staff=staff)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("staff:detail", pk=staff.pk)


@owner_required
def staff_rebind(request, pk):
    staff = _visible_staff_or_404(request, pk)
    form = RebindForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            staff, link = staff_services.staff_rebind(
                actor=request.user,
                staff=staff,
                display_name=form.cleaned_data["display_name"],
                mobile=form.cleaned_data["mobile"],
                department=form.cleaned_data.get("department"),
                position=form.cleaned_data.get("position"),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            _invitation_message(request, staff, link)
            return redirect("staff:detail", pk=staff.pk)
    return render(request, "staff/staff_rebind.html", {"form": form, "staff": staff})


@owner_required
def staff_hand_over(request, pk):
    staff = _visible_staff_or_404(request, pk)
    form = HandOverForm(request.POST or None, from_staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            moved = staff_services.staff_hand_over(
                actor=request.user, from_staff=staff, to_staff=form.cleaned_data["to_staff"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            total = sum(moved.values())
            messages.success(
                request,
                _("%(count)d items handed over to %(name)s.") % {"count": total, "name": form.cleaned_data["to_staff"]},
            )
            return redirect("staff:detail", pk=staff.pk)
    return render(
        request,
        "staff/staff_hand_over.html",
        {"form": form, "staff": staff, "owned": handover.owned_by(staff)},
    )
