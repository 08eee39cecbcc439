from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import dashboard, demo, handover, navigation, preview
        from orgchart.scope import scope_groups_synced

        from . import dashboard as campaign_dashboard
        from .demo import seed_campaigns
        from .forms import VisibilityQuestionForm
        from . import handover as campaign_handover
        from .visibility import contact_grants_sync, explain, effect_reader, forget_permission_ids, holds_campaign_right

        post_migrate.connect(forget_permission_ids, dispatch_uid="campaigns.forget_permission_ids")
        scope_groups_synced.connect(contact_grants_sync, dispatch_uid="campaigns.contact_grants_sync")

        navigation.register(
            navigation.MenuItem("campaigns:list", _("Campaigns"), holds_campaign_right, _("Campaigns")),
            navigation.MenuItem("campaigns:official", _("Official campaigns"), holds_campaign_right, _("Campaigns")),
            navigation.MenuItem("campaigns:report", _("Effect reports"), effect_reader, _("Campaigns")),
            before="orgchart:tree",
        )
        dashboard.register(*campaign_dashboard.PANELS)
        dashboard.register_steps(*campaign_dashboard.FIRST_STEPS)
        demo.register(seed_campaigns, order=30)
        preview.register(form_class=VisibilityQuestionForm, explain=explain)
        handover.register(
            "created_campaigns",
            _("Campaigns created"),
            move=campaign_handover.move_created_campaigns,
            count=campaign_handover.count_created_campaigns,
        )
        handover.register(
            "contact_campaigns",
            _("Campaigns as contact person"),
            move=campaign_handover.move_contact_campaigns,
            count=campaign_handover.count_contact_campaigns,
        )
        handover.register(
            "contact_products",
            _("Products as contact person"),
            move=campaign_handover.move_contact_products,
            count=campaign_handover.count_contact_products,
        )
