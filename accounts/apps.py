from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.models import Permission
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_delete

        from . import demo, permission_cache
        from .middleware import SessionTouchMiddleware

        demo.register(demo.seed_identity, order=20)
        demo.register(demo.seed_temporary, order=40)

        user_logged_in.connect(SessionTouchMiddleware.seen_at_login, dispatch_uid="accounts.session_seen_at_login")
        # After django.contrib.auth's own receiver (its app comes first), which saves last_login.
        from .backends import prime_user_cache

        user_logged_in.connect(prime_user_cache, dispatch_uid="accounts.user_cache.prime")
        m2m_changed.connect(permission_cache.on_m2m_changed, dispatch_uid="accounts.permission_cache.m2m")
        post_delete.connect(permission_cache.on_permission_deleted, sender=Permission, dispatch_uid="accounts.permission_cache.delete")
