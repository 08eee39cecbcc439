from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtilitiesConfig(AppConfig):
    name = "utilities"
    verbose_name = _("Utilities")

    def ready(self):
        from . import proxy  # noqa: F401  (registers the deploy check of TRUSTED_PROXY_HOPS)
