from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Operation accounts (运营号) and their task orders, plugged into the apps below through their registries."""

    name = "operations"
    verbose_name = _("Operation accounts")

    def ready(self):
        from accounts import dashboard, demo, navigation

        from . import dashboard as operations_dashboard
        from .demo import seed_operation_accounts
        from .selectors import is_shop_manager

        def _individual(user):
            return user.is_individual

        navigation.register(
            navigation.MenuItem("operations:my_shops", _("My shops"), _individual),
            navigation.MenuItem("operations:account_list", _("Operation accounts"), is_shop_manager, _("Operation accounts")),
            navigation.MenuItem("operations:task_list", _("Tasks"), is_shop_manager, _("Operation accounts")),
            navigation.MenuItem("operations:order_list", _("Task orders"), is_shop_manager, _("Operation accounts")),
            before="orgchart:tree",
        )
        dashboard.register(*operations_dashboard.PANELS)
        demo.register(seed_operation_accounts, order=50)
