from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgchartConfig(AppConfig):
    name = "orgchart"
    verbose_name = _("Org chart")

    def ready(self):
        from accounts import dashboard, demo, navigation
        from accounts.signals import staff_placement_changed

        from .demo import seed_org
        from .steps import FIRST_STEPS
        from .scope import follow_staff_placement

        staff_placement_changed.connect(follow_staff_placement, dispatch_uid="orgchart.follow_staff_placement")
        navigation.register(
            navigation.MenuItem("orgchart:tree", _("Org chart"), navigation.owner_only, _("Organisation")),
            navigation.MenuItem("orgchart:positions", _("Positions"), navigation.owner_only, _("Organisation")),
            before="accounts:dingtalk",
        )
        demo.register(seed_org, order=10)
        dashboard.register_steps(*FIRST_STEPS)
