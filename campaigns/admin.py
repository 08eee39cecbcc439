from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin
from utilities.forms import NameField

from .models import Campaign, EnrolledProduct
from .services.campaigns import CAMPAIGN_TITLE


class OfficialCampaignForm(forms.ModelForm):
    title = NameField(label=_("title"), what=CAMPAIGN_TITLE, max_length=120)

    class Meta:
        model = Campaign
        fields = ["title"]


@admin.register(Campaign)
class CampaignAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Platform operators publish official campaigns here (R-25); tenant campaigns are read-only."""

    list_display = ["title", "tenant", "is_official", "starts_on", "ends_on", "commission_rate", "review_mode"]
    list_filter = ["is_official", "review_mode"]
    search_fields = ["title", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    fields = ["title", "description", "starts_on", "ends_on", "commission_rate", "service_fee_rate", "is_published"]
    form = OfficialCampaignForm

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_official)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_official)

    def save_model(self, request, obj, form, change):
        obj.is_official = True
        obj.tenant = None
        super().save_model(request, obj, form, change)


@admin.register(EnrolledProduct)
class EnrolledProductAdmin(admin.ModelAdmin):
    list_display = ["title", "product_id", "tenant", "campaign", "status", "contact_person"]
    list_filter = ["status"]
    search_fields = ["title", "product_id", "shop_name"]
    list_select_related = ["tenant", "campaign", "contact_person"]
    raw_id_fields = ["campaign", "contact_person", "reviewed_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
