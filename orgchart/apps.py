from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgchartConfig(AppConfig):
    name = "orgchart"
    verbose_name = _("Org chart")

    def ready(self):
        from accounts import demo

        from .demo import seed_org

        demo.register(seed_org, order=10)
