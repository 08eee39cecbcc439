import contextvars

from axes import admin as axes_admin
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery, Sum
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit_words import change_text
from .forms import RejectVerificationForm
from .lockout import login_locks
from .models import AuditEntry, Delivery, IdentityVerification, Notification, Tenant, User
from .services.audit import SECRET_MASK, audit_record
from .services.identity import is_platform_operator, verification_approve, verification_reject
from .services.notifications import delivery_retry
from .services.security import login_attempts_reset, login_unlock, two_factor_reset
from .services.sessions import sessions_end
from .services.staff import seats_used
from .services.tenants import SHOP_NAME, tenant_rename_by_operator, tenant_set_quotas, user_password_set_by_operator
from utilities.forms import NameField
from utilities.names import clean_name

SECRET_FIELDS = {"dingtalk_secret", "usable_password"}


def _secret(name):
    """Fields whose value never reaches the audit log: any password field (password, password1,
    password2 of the add form …) and the robot secret."""
    return "password" in name or name in SECRET_FIELDS


def _plain(value):
    if hasattr(value, "pk"):
        return str(value)
    if hasattr(value, "all"):
        return sorted(str(v) for v in value.all())
    return value


class AuditedAdminMixin:
    """Write an audit entry for every add, change and delete a platform operator makes (R-22)."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = {}
            if change:
                before = {
                    name: (SECRET_MASK if _secret(name) else _plain(form.initial.get(name)))
                    for name in form.changed_data
                }
            super().save_model(request, obj, form, change)
            after = {
                name: (SECRET_MASK if _secret(name) else _plain(form.cleaned_data.get(name)))
                for name in form.changed_data
            }
            if change and not after:
                return  # saved without a change: nothing happened worth a line in the log
            audit_record(
                actor=request.user,
                tenant=obj if isinstance(obj, Tenant) else getattr(obj, "tenant", None),
                action=f"admin.{obj._meta.model_name}.{'change' if change else 'add'}",
                target=obj,
                before=before or None,
                after=after,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user,
                tenant=getattr(obj, "tenant", None),
                action=f"admin.{obj._meta.model_name}.delete",
                target=obj,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class TenantAdminForm(forms.ModelForm):
    name = NameField(label=_("name"), what=SHOP_NAME, max_length=100)

    class Meta:
        model = Tenant
        fields = ["name", "kind", "staff_quota", "temporary_quota"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Platform operators sell seats here (R-11, R-20). Everything else is the main account's:
    the login prefix is part of every staff login, the DingTalk info is written by the owner's own
    form (which checks the robot address), so both are read-only here."""

    form = TenantAdminForm
    list_display = ["slug", "name", "kind", "staff_quota", "temporary_quota", "has_dingtalk_info", "created_at"]
    list_filter = ["kind"]
    search_fields = ["slug", "name"]
    fields = [
        "slug",
        "name",
        "kind",
        "staff_quota",
        "temporary_quota",
        "dingtalk_contact_name",
        "dingtalk_mobile",
        "dingtalk_webhook",
        "dingtalk_completed_at",
        "created_at",
    ]
    readonly_fields = [
        "slug",
        "dingtalk_contact_name",
        "dingtalk_mobile",
        "dingtalk_webhook",
        "dingtalk_completed_at",
        "created_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # main accounts sign up themselves

    def has_delete_permission(self, request, obj=None):
        return False  # a tenant's history (audit log, staff) stays

    @admin.display(boolean=True, description=_("DingTalk info"))
    def has_dingtalk_info(self, obj):
        return obj.has_dingtalk_info

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        with transaction.atomic():
            tenant_rename_by_operator(actor=request.user, tenant=obj, name=data["name"], kind=data["kind"])
            tenant_set_quotas(
                actor=request.user,
                tenant=obj,
                staff_quota=data["staff_quota"],
                temporary_quota=data["temporary_quota"],
            )
        used = seats_used(obj)
        if used > data["staff_quota"]:
            # Allowed (nothing is taken away), but the owner can add no one until seats are freed.
            self.message_user(
                request,
                _("%(tenant)s now holds %(used)d staff accounts, more than its quota of %(quota)d: it cannot add staff until some are offboarded.")
                % {"tenant": obj.name, "used": used, "quota": data["staff_quota"]},
                messages.WARNING,
            )


# Set while the admin's password form of one request is saved (admin instances are shared by threads).
_password_request = contextvars.ContextVar("admin_password_request")


class OperatorPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, saved through the audited service."""

    def save(self, commit=True):
        request = _password_request.get()
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        stored = user_password_set_by_operator(
            actor=request.user,
            user=self.user,
            new_password=password,
            keep_session_key=request.session.session_key if self.user.pk == request.user.pk else None,
        )
        self.user.password = stored.password  # the session hash below must see the new password
        return self.user


# What no service lets anyone change on a tenant's account, and what only the owner's pages change
# (with the quota, the scope groups and the audit entry that go with it): read-only here. An
# operator may still deactivate an account (is_active, e.g. an abusive main account): audited, and
# its sessions end at once.
TENANT_FIELDS = [
    "tenant",
    "kind",
    "account_name",
    "display_name",
    "mobile",
    "status",
    "department",
    "position",
    "is_department_admin",
    "bound_at",
    "resigned_at",
    "identity_status",
    "verify_deadline",
    "frozen_at",
    "temporary_starts_at",
    "temporary_ends_at",
]
TENANT_USER_READONLY = [
    "username",
    "password",
    *TENANT_FIELDS,
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "last_login",
    "date_joined",
]


class OperatorUserChangeForm(UserChangeForm):
    """The admin's user form: the names an operator may correct follow the names rule (R-21)."""

    def _name(self, field, what):
        return clean_name(self.cleaned_data.get(field), what=what, required=False, max_length=150)

    def clean_first_name(self):
        return self._name("first_name", _("first name"))

    def clean_last_name(self):
        return self._name("last_name", _("last name"))

    def clean_display_name(self):
        return self._name("display_name", _("display name"))


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    """Every user, read by platform operators. A main or staff account's rights, department, status
    and login are changed only by the main account's pages (R-5, R-10, R-11, R-15); here an operator
    may correct names and e-mail and set a password (audited). Users added here are operators."""

    change_password_form = OperatorPasswordChangeForm
    form = OperatorUserChangeForm
    list_display = ["username", "display_name", "tenant", "kind", "status", "is_active", "is_staff"]
    list_filter = ["kind", "status", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    actions = ["reset_two_factor", "unlock_login"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Tenant"), {"fields": TENANT_FIELDS}),
        (_("Login locks"), {"fields": ["current_login_locks"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.tenant_id is not None:
            return [*TENANT_USER_READONLY, "current_login_locks"]
        # Operators manage operators; what makes someone an operator is still audited.
        return ["tenant", "kind", "account_name", "department", "position", "last_login", "date_joined", "current_login_locks"]

    @admin.display(description=_("Login locks"))
    def current_login_locks(self, obj):
        """Every lock on this login now, with when it ends (R-21); the list's action lifts them."""
        locks = login_locks(obj) if obj is not None and obj.pk else []
        if not locks:
            return _("None: this account can log in.")
        return format_html_join(mark_safe("<br>"), "{}", ((lock.description,) for lock in locks))

    @admin.action(description=_("Unlock login: lift every login lock"))
    def unlock_login(self, request, queryset):
        count = sum(bool(login_unlock(actor=request.user, user=user)) for user in queryset.select_related("tenant"))
        self.message_user(request, _("Login locks lifted for %(count)d users.") % {"count": count})

    def has_delete_permission(self, request, obj=None):
        # A main or staff account and its history stay; staff are offboarded instead.
        return super().has_delete_permission(request, obj) and (obj is None or obj.tenant_id is None)

    @admin.action(description=_("Turn off two-factor authentication (lost phone)"))
    @transaction.atomic  # all the selected rows, or none of them
    def reset_two_factor(self, request, queryset):
        count = sum(two_factor_reset(actor=request.user, user=user) for user in queryset.select_related("tenant"))
        self.message_user(request, _("Two-factor authentication turned off for %(count)d users.") % {"count": count})

    def user_change_password(self, request, id, form_url=""):
        token = _password_request.set(request)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_request.reset(token)

    def save_model(self, request, obj, form, change):
        if not change:
            # Main accounts sign up and staff are added by their main account: the admin adds operators.
            obj.kind = User.Kind.OPERATOR
            obj.tenant = None
            obj.is_staff = True
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and not obj.can_log_in:
                # An operator deactivating an account ends its sessions for real, as staff_disable does.
                sessions_end(user=obj)


class ReadOnlyGroupAdmin(GroupAdmin):
    """The org chart keeps its scope groups in step with departments and admins (R-5): read-only here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)
admin.site.register(Group, ReadOnlyGroupAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    # The operator reads the action and the change in words, as the main account does (issue 26).
    list_display = ["created_at", "tenant", "actor_label", "action_words", "target_label", "change", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "action", "tenant__slug"]
    list_select_related = ["tenant"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_actions(self, request):
        return {}

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, entry):
        return entry.action_label

    @admin.display(description=_("Change"))
    def change(self, entry):
        return change_text(entry)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "tenant", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["tenant", "recipient"]
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "notification", "backend", "status", "attempts", "last_error", "updated_at"]
    list_filter = ["status", "backend"]
    list_select_related = ["tenant", "notification"]
    actions = ["retry_failed"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        # Needed for the retry action only; the change form stays read-only through readonly fields.
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Retry the selected failed deliveries"))
    @transaction.atomic  # all the selected rows, or none of them
    def retry_failed(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=Delivery.Status.FAILED):
            delivery_retry(actor=request.user, delivery=delivery)
            retried += 1
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": retried}, messages.SUCCESS)


# --- Lockout and second factor (R-21) -------------------------------------------------------
# django-axes' own admin is off (AXES_ENABLE_ADMIN = False): operators unlock here, and every
# deletion goes through ``login_attempts_reset``, which writes the audit entries.


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """Failed-login records per (login, address, browser); *Locked until* says which hold a lock now."""

    actions = ["unlock_selected"]
    list_display = [*axes_admin.AccessAttemptAdmin.list_display, "locked_until"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # django-axes locks a (login, address) pair on the failures of all its rows within the
        # cool-off: two subqueries per page instead of a query per row.
        pair = (
            AccessAttempt.objects.filter(
                username=OuterRef("username"),
                ip_address=OuterRef("ip_address"),
                attempt_time__gte=timezone.now() - get_cool_off(),
            )
            .order_by()
            .values("username")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                pair_failures=Subquery(pair.annotate(total=Sum("failures_since_start")).values("total")[:1]),
                pair_last=Subquery(pair.annotate(last=Max("attempt_time")).values("last")[:1]),
            )
        )

    @admin.display(description=_("Locked until"))
    def locked_until(self, obj):
        failures, last = getattr(obj, "pair_failures", None), getattr(obj, "pair_last", None)
        if last is None or (failures or 0) < django_settings.AXES_FAILURE_LIMIT:
            return "—"
        return date_format(timezone.localtime(last + get_cool_off()), "Y-m-d H:i")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Unlock: lift every lock of these logins"))
    def unlock_selected(self, request, queryset):
        removed = login_attempts_reset(actor=request.user, attempts=queryset)
        self.message_user(
            request,
            _("%(count)d records deleted and every lock of those logins lifted; they can try again.")
            % {"count": removed},
        )

    def delete_model(self, request, obj):
        login_attempts_reset(actor=request.user, attempts=AccessAttempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        login_attempts_reset(actor=request.user, attempts=queryset)


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ReadOnlyAdmin, axes_admin.AccessFailureLogAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin, axes_admin.AccessLogAdmin):
    pass


# Devices change only through the services (enable, disable, backup codes) and their audit.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


# --- Real-person verification (R-17, R-19) --------------------------------------------------


@admin.register(IdentityVerification)
class IdentityVerificationAdmin(admin.ModelAdmin):
    """Platform operators review real-person verifications (R-17): masked ID and name only (R-19).

    Nothing is edited here: approve and reject are actions that call the services, which check
    the operator's right and write the audit entry.
    """

    list_display = ["real_name", "id_number_masked", "tenant", "user", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "submitted_at"]
    search_fields = ["real_name", "user__username", "tenant__slug", "tenant__name"]
    list_select_related = ["tenant", "user"]
    fields = [
        "tenant",
        "user",
        "real_name",
        "id_number_masked",
        "mobile",
        "status",
        "rejection_reason",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "removed_at",
    ]
    readonly_fields = fields
    actions = ["approve_selected", "reject_selected"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "user", "reviewed_by")

    def has_view_permission(self, request, obj=None):
        return is_platform_operator(request.user)

    def has_module_permission(self, request):
        return is_platform_operator(request.user)

    def has_review_permission(self, request):
        return is_platform_operator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The change page offers the same two actions as the list, for this one verification.
        extra_context = {**(extra_context or {}), "can_review": self.has_review_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _report(self, request, done, skipped, done_message):
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _("%(count)d skipped: no longer pending review.") % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Approve the selected verifications"), permissions=["review"])
    @transaction.atomic  # all the selected rows, or none of them
    def approve_selected(self, request, queryset):
        done = skipped = 0
        for verification in queryset:
            try:
                verification_approve(actor=request.user, verification=verification)
            except ValidationError:
                skipped += 1
            else:
                done += 1
        self._report(request, done, skipped, _("%(count)d verifications approved."))

    @admin.action(description=_("Reject the selected verifications…"), permissions=["review"])
    @transaction.atomic  # all the selected rows, or none of them
    def reject_selected(self, request, queryset):
        form = RejectVerificationForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = skipped = 0
            for verification in queryset:
                try:
                    verification_reject(actor=request.user, verification=verification, reason=form.cleaned_data["reason"])
                except ValidationError:
                    skipped += 1
                else:
                    done += 1
            self._report(request, done, skipped, _("%(count)d verifications rejected."))
            return None
        return TemplateResponse(
            request,
            "admin/accounts/identityverification/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject verifications"),
                "opts": self.model._meta,
                "form": form,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
