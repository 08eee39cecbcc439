from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .permission_cache import cached_permissions
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
        # One query per request for the user, its tenant and position (whether it requires 2FA); a disabled or unbound account's
        # session ends here, on its very next request.
        from django.contrib.auth import get_user_model

        try:
            user = get_user_model()._default_manager.select_related("tenant", "position").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
