from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .permission_cache import cached_permissions
from .user_cache import cached_user
from .permissions import CATALOGUE
from utilities.text import normalize_identifier, normalize_login_part

from .models.users import staff_username

OWNER_PERMISSIONS = frozenset(entry.perm for entry in CATALOGUE)


def normalize_login(login):
    """Turn ``ACME : ZhangSan`` (or its full-width form ``ＡＣＭＥ：ＺｈａｎｇＳａｎ``) into the stored
    ``acme:zhangsan``; other logins are only NFKC-normalised and stripped."""
    login = normalize_identifier(login)
    if ":" not in login:
        return login
    tenant_slug, _, account_name = login.partition(":")
    return staff_username(normalize_login_part(tenant_slug), normalize_login_part(account_name))


class TenantAuthBackend(ModelBackend):
    """Log in main accounts by user name and staff as ``<tenant>:<account name>`` (R-10).

    A staff account's permissions are its position's plus its supplementary ones (R-6), read
    from the cache stamped with the current generation (``accounts.permission_cache``), so a
    change of rights still applies at the next page load (R-14).
    A main account holds the whole catalogue.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(request, username=normalize_login(username), password=password, **kwargs)

    def user_can_authenticate(self, user):
        return user.can_log_in

    def _get_group_permissions(self, user_obj):
        if getattr(user_obj, "is_staff_account", False):
            # A staff account's "groups" are the org chart's scope groups, which hold no
            # permission: its rights come from its position.
            if not user_obj.position_id:
                return Permission.objects.none()
            return Permission.objects.filter(positions__id=user_obj.position_id)
        return super()._get_group_permissions(user_obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if getattr(user_obj, "is_staff_account", False) and not user_obj.is_superuser:
                user_obj._perm_cache = cached_permissions(user_obj, self._read_permissions)
            else:
                user_obj._perm_cache = self._read_permissions(user_obj)
        return user_obj._perm_cache

    def _read_permissions(self, user_obj):
        """Every permission of ``user_obj`` in at most one query (this runs on every request)."""
        if getattr(user_obj, "is_owner", False):
            return set(OWNER_PERMISSIONS)
        if user_obj.is_superuser or not getattr(user_obj, "is_staff_account", False):
            return super().get_all_permissions(user_obj)
        own = self._get_user_permissions(user_obj).values_list("content_type__app_label", "codename").order_by()
        rows = own
        if user_obj.position_id:
            rows = own.union(
                self._get_group_permissions(user_obj).values_list("content_type__app_label", "codename").order_by()
            )
        return {f"{app_label}.{codename}" for app_label, codename in rows}

    def get_user(self, user_id):
        """The session's user, from ``accounts.user_cache`` keyed by the generation the database
        keeps (one small query per request); ``None`` for a disabled, unbound or deleted account,
        on its very next request (R-15)."""
        user = cached_user(user_id, self._load_user)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _load_user(self, user_id):
        """The user row with its tenant and position (whether it requires 2FA), and its permission
        set read from the database, ready to be cached; ``None`` when there is no such row.

        The permission set is read here, not through ``permission_cache``: the copy is stored
        under the generation read before, which a change of rights has already moved."""
        from django.contrib.auth import get_user_model

        try:
            user = get_user_model()._default_manager.select_related("tenant", "position").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        if user.is_active:
            user._perm_cache = self._read_permissions(user)
        return user


def prime_user_cache(sender, request, user, **kwargs):
    """Receiver of ``user_logged_in``: cache the user as its next requests will read it, so that
    the first page after logging in reads one small row too (``accounts.user_cache``)."""
    if user is not None and user.pk is not None:
        cached_user(user.pk, TenantAuthBackend()._load_user)
