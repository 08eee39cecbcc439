from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Delivery, Notification, Tenant, User
from .services.audit import SECRET_MASK, audit_record
from .services.notifications import delivery_retry
from .services.sessions import sessions_end

SECRET_FIELDS = {"password", "dingtalk_secret"}


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
                    name: (SECRET_MASK if name in SECRET_FIELDS else _plain(form.initial.get(name)))
                    for name in form.changed_data
                }
            super().save_model(request, obj, form, change)
            after = {
                name: (SECRET_MASK if name in SECRET_FIELDS else _plain(form.cleaned_data.get(name)))
                for name in form.changed_data
            }
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


@admin.register(Tenant)
class TenantAdmin(AuditedAdminMixin, admin.ModelAdmin):
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
    readonly_fields = ["dingtalk_completed_at", "created_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # The login prefix is part of every staff login name: fixed once the tenant exists.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    @admin.display(boolean=True, description=_("DingTalk info"))
    def has_dingtalk_info(self, obj):
        return obj.has_dingtalk_info


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "display_name", "tenant", "kind", "status", "is_active", "is_staff"]
    list_filter = ["kind", "status", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "tenant__slug"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "department", "position"]
    show_full_result_count = False
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("Tenant"),
            {
                "fields": [
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
                ]
            },
        ),
    ]


    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and not obj.can_log_in:
                # An operator disabling an account ends its sessions for real, as staff_disable does.
                sessions_end(user=obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            with transaction.atomic():
                # A new password ends every other session of that user.
                ended = sessions_end(user=user, keep_session_key=request.session.session_key)
                audit_record(
                    actor=request.user,
                    action="admin.user.password_change",
                    target=user,
                    after={"sessions_ended": ended},
                )
        return response


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "tenant", "actor_label", "action", "target_label", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "action", "tenant__slug"]
    list_select_related = ["tenant"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_actions(self, request):
        return {}


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
    def retry_failed(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=Delivery.Status.FAILED):
            delivery_retry(actor=request.user, delivery=delivery)
            retried += 1
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": retried}, messages.SUCCESS)
