"""Log in with what the identity provider calls a person (R-10, R-37).

Okta and Entra ID name people by e-mail address or UPN (``li.wei@contoso.com``), which is no
account name. SCIM keeps that userName beside the account (``ScimUserRecord.user_name``), and
this backend lets the person type ``<tenant>:<userName>`` (``acme:li.wei@contoso.com``) as well
as their login name ``<tenant>:<account name>``; the password and every check are the same.
"""

from django.contrib.auth.backends import ModelBackend

from accounts.backends import TenantAuthBackend
from accounts.models import User
from utilities.text import normalize_identifier, normalize_login_part

from .models import ScimUserRecord


class ProviderUserNameBackend(TenantAuthBackend):
    """``<tenant>:<the provider's userName>`` → that tenant's account, then the usual password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = normalize_identifier(username or "")
        tenant_slug, sep, user_name = login.partition(":")
        if not sep or not user_name.strip() or password is None:
            return None
        tenant_slug, user_name = normalize_login_part(tenant_slug), user_name.strip()
        records = list(
            ScimUserRecord.objects.filter(tenant__slug=tenant_slug, user_name__iexact=user_name, deleted_by_provider=False)
            .select_related("user")[:2]
        )
        if len(records) != 1:
            return None  # none, or (data from before the uniqueness rule) two: open neither
        record = records[0]
        # A login name is the account's own (``TenantAuthBackend``); it never opens another account.
        if User.objects.filter(tenant__slug=tenant_slug, account_name=normalize_login_part(user_name)).exclude(pk=record.user_id).exists():
            return None
        return ModelBackend.authenticate(self, request, username=record.user.username, password=password, **kwargs)
