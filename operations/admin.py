"""Platform operators may look at operation accounts, tasks and orders; every change goes through
the services, in the product's pages (R-33 … R-35)."""

from django.contrib import admin

from .models import OperationBinding, Task, TaskOrder


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OperationBinding)
class OperationBindingAdmin(ReadOnlyAdmin):
    list_display = ["account", "tenant", "status", "invited_at", "invited_by", "answered_at", "ended_at", "ended_by"]
    list_filter = ["status"]
    search_fields = ["account__username", "tenant__slug", "tenant__name"]
    list_select_related = ["account", "tenant", "invited_by", "ended_by"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "tenant", "creator_name", "fee", "deadline", "is_open"]
    list_filter = ["is_open"]
    search_fields = ["title", "creator_name", "tenant__slug"]
    list_select_related = ["tenant"]


@admin.register(TaskOrder)
class TaskOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "tenant", "account", "task", "amount", "status", "placed_at"]
    list_filter = ["status"]
    search_fields = ["number", "account__username", "tenant__slug"]
    list_select_related = ["tenant", "account", "task"]
    date_hierarchy = "placed_at"
