from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import demo
        from .middleware import SessionTouchMiddleware

        demo.register(demo.seed_identity, order=20)
        demo.register(demo.seed_temporary, order=40)

        user_logged_in.connect(SessionTouchMiddleware.seen_at_login, dispatch_uid="accounts.session_seen_at_login")
