from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StaffConfig(AppConfig):
    """Staff management pages (员工管理): adding and importing staff into the org chart's
    departments and positions, their lifecycle and the permission preview. The services they
    call live in ``accounts``; this app sits above ``orgchart`` because its forms need it."""

    name = "staff"
    verbose_name = _("Staff management")

    def ready(self):
        from accounts import dashboard, demo, navigation

        from .demo import seed_staff
        from .steps import FIRST_STEPS

        navigation.register(
            navigation.MenuItem("staff:list", pgettext_lazy("menu", "Staff"), navigation.staff_lister, _("Organisation")),
            navigation.MenuItem("staff:resigned", _("Resigned staff"), navigation.owner_only, _("Organisation")),
            before="accounts:dingtalk",
        )
        demo.register(seed_staff, order=15)
        dashboard.register_steps(*FIRST_STEPS)
