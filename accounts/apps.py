from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import SessionTouchMiddleware

        user_logged_in.connect(SessionTouchMiddleware.seen_at_login, dispatch_uid="accounts.session_seen_at_login")
