from django.contrib import admin
from mptt.admin import MPTTModelAdmin

from accounts.admin import AuditedAdminMixin

from .models import Department, Position


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, MPTTModelAdmin):
    """Platform operators browse every tenant's tree; structural edits go through the owner's pages,
    which take the tenant lock, so the tree fields are read-only here."""

    list_display = ["name", "tenant", "level"]
    list_filter = ["tenant"]
    search_fields = ["name", "tenant__slug"]
    list_select_related = ["tenant"]
    readonly_fields = ["tenant", "parent", "admin_group"]
    mptt_level_indent = 24
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Position)
class PositionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "tenant", "description"]
    list_filter = ["tenant"]
    search_fields = ["name", "tenant__slug"]
    list_select_related = ["tenant"]
    filter_horizontal = ["permissions"]
    readonly_fields = ["tenant"]
    show_full_result_count = False
