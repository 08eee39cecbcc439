from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import two_factor
from ..audit_words import change_text
from ..decorators import owner_required, person_required
from ..forms import DingTalkInfoForm, IndividualSignUpForm, LoginForm, SignUpForm
from ..middleware import dingtalk_exempt
from ..models import AuditAction, Delivery, Notification
from ..selectors import audit_entries_visible_to, deliveries_visible_to, inbox_for
from ..services.notifications import delivery_retry, notification_mark_read, notifications_mark_all_read
from ..services.security import has_second_factor
from ..services.staff import binding_code_resend, no_sms_warning
from ..services.tenants import individual_sign_up, tenant_dingtalk_update, tenant_sign_up, user_password_change
from utilities.db_router import reads_from_replica
from utilities.exports import csv_response
from utilities.forms import attach_errors
from utilities.pagination import paginate
from utilities.request_context import client_ip

@dingtalk_exempt
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            owner = tenant_sign_up(
                tenant_name=data["tenant_name"],
                slug=data["slug"],
                kind=data["kind"],
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            login(request, owner, backend="accounts.backends.TenantAuthBackend")
            messages.success(request, _("Welcome! First fill in your DingTalk contact."))
            return redirect("accounts:dingtalk")
    return render(request, "accounts/signup.html", {"form": form})


@dingtalk_exempt
def sign_up_individual(request):
    """Sign-up of an individual person, whom shops may invite as their operation account (R-33)."""
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = IndividualSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = individual_sign_up(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            login(request, person, backend="accounts.backends.TenantAuthBackend")
            messages.success(request, _("Welcome! Shops can now invite you by your user name."))
            return redirect("accounts:dashboard")
    return render(request, "accounts/signup_individual.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        """Log in, or hold the login for the code step when the account has a second factor."""
        user = form.get_user()
        if has_second_factor(user):
            two_factor.begin_login(self.request, user, next_url=self.get_success_url())
            return redirect("accounts:login_verify")
        return super().form_valid(form)


login_view = dingtalk_exempt(LoginView.as_view())
logout_view = dingtalk_exempt(auth_views.LogoutView.as_view())


@dingtalk_exempt
@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_change(
            actor=request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session_key=request.session.session_key,
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:dashboard")
    return render(request, "accounts/password_change.html", {"form": form})


@person_required
def dashboard(request):
    """What needs doing, panel by panel (``accounts.dashboard``), each within the viewer's scope;
    the template renders the panels (``{% dashboard_panels %}``), from the cache when it can."""
    user = request.user
    context = {
        "tenant": user.tenant,
        # Nobody can bind without SMS: the owner, who adds people, is told.
        "sms_warning": no_sms_warning() if user.is_owner else "",
    }
    return render(request, "accounts/dashboard.html", context)


@dingtalk_exempt
@owner_required
def dingtalk_info(request):
    tenant = request.user.tenant
    form = DingTalkInfoForm(request.POST or None, instance=tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant_dingtalk_update(
                actor=request.user,
                tenant=tenant,
                contact_name=data["dingtalk_contact_name"],
                mobile=data["dingtalk_mobile"],
                webhook=data["dingtalk_webhook"],
                secret=data["dingtalk_secret"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("DingTalk info saved."))
            next_url = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = ""
            return redirect(next_url or "accounts:dashboard")
    tenant.refresh_from_db()
    return render(
        request,
        "accounts/dingtalk_form.html",
        {"form": form, "has_secret": bool(tenant.dingtalk_secret), "first_time": not tenant.has_dingtalk_info},
    )


@dingtalk_exempt
@person_required
def inbox(request):
    page = paginate(request, inbox_for(request.user))
    return render(request, "accounts/notification_list.html", {"page_obj": page})


@dingtalk_exempt
@person_required
def inbox_detail(request, pk):
    notification = get_object_or_404(inbox_for(request.user), pk=pk)
    notification_mark_read(actor=request.user, notification=notification)
    return render(request, "accounts/notification_detail.html", {"notification": notification})


@dingtalk_exempt
@person_required
@require_POST
def inbox_mark_all_read(request):
    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d messages marked as read.") % {"count": count})
    return redirect("accounts:inbox")


@owner_required
def delivery_list(request):
    deliveries = deliveries_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = paginate(request, deliveries)
    return render(
        request,
        "accounts/delivery_list.html",
        {"page_obj": page, "status": status, "statuses": Delivery.Status.choices},
    )


@owner_required
@require_POST
def delivery_retry_view(request, pk):
    delivery = get_object_or_404(deliveries_visible_to(request.user), pk=pk)
    if delivery.status == Delivery.Status.SENT:
        messages.error(request, _("This delivery has been sent already."))
    elif not (delivery.status == Delivery.Status.FAILED or delivery.is_stuck):
        messages.error(
            request,
            _("This delivery is queued or being sent right now. If it is still pending after %(minutes)d minutes, it can be retried.")
            % {"minutes": max(1, settings.NOTIFICATION_LEASE_SECONDS // 60)},
        )
    elif delivery.notification.kind == Notification.Kind.BINDING_CODE:
        # The failed text's code may have expired or been replaced: a fresh one goes out instead.
        try:
            binding_code_resend(actor=request.user, delivery=delivery)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("A new binding code is on its way; the one that failed no longer works."))
    else:
        delivery_retry(actor=request.user, delivery=delivery)
        messages.success(request, _("The delivery has been queued again."))
    return redirect("accounts:deliveries")


def _filtered_audit(request):
    entries = audit_entries_visible_to(request.user)
    filters = {
        "action": request.GET.get("action", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
        "date_from": request.GET.get("date_from", "").strip(),
        "date_to": request.GET.get("date_to", "").strip(),
    }
    if filters["action"]:
        # A registered action, or a prefix such as "staff." for a whole area.
        entries = entries.filter(action=filters["action"]) if filters["action"] in AuditAction.values else entries.filter(action__startswith=filters["action"])
    if filters["actor"]:
        entries = entries.filter(actor_label__icontains=filters["actor"])
    for key, lookup in (("date_from", "created_at__date__gte"), ("date_to", "created_at__date__lte")):
        try:
            day = timezone.datetime.strptime(filters[key], "%Y-%m-%d").date() if filters[key] else None
        except ValueError:
            day = None
            filters[key] = ""
        if day:
            entries = entries.filter(**{lookup: day})
    return entries, filters


@owner_required
@reads_from_replica
def audit_log(request):
    entries, filters = _filtered_audit(request)
    page = paginate(request, entries)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/auditentry_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "query": query.urlencode(),
            "actions": sorted(AuditAction.choices, key=lambda choice: str(choice[1])),
        },
    )


@owner_required
@reads_from_replica
def audit_log_export(request):
    entries, _filters = _filtered_audit(request)
    rows = (
        [
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_display,
            entry.action_label,
            entry.target_label,
            change_text(entry),
            entry.ip_address,
        ]
        for entry in entries.iterator(chunk_size=2000)
    )
    # The change in words, as the page shows it (issue 26): field labels, choice labels, local times.
    header = [_("Time"), _("Actor"), _("Action"), _("Target"), _("Change"), _("IP address")]
    return csv_response("audit-log.csv", header, rows)

