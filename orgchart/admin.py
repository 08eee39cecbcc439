from django.contrib import admin
from mptt.admin import MPTTModelAdmin

from .models import Department, Position


class ViewOnlyAdmin(admin.ModelAdmin):
    """Platform operators browse every tenant's org chart; changes are the main account's, through
    the org-chart services that take the tenant lock, keep the 3-level cap and sibling names, and
    keep the scope groups and permissions in step (R-3 … R-6)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(ViewOnlyAdmin, MPTTModelAdmin):
    list_display = ["name", "tenant", "level"]
    list_filter = ["tenant"]
    search_fields = ["name", "tenant__slug"]
    list_select_related = ["tenant"]
    mptt_level_indent = 24
    show_full_result_count = False


@admin.register(Position)
class PositionAdmin(ViewOnlyAdmin):
    list_display = ["name", "tenant", "description"]
    list_filter = ["tenant"]
    search_fields = ["name", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False
