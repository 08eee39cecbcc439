"""Provisioning tokens and what SCIM needs beside a staff account or a department (R-37)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User

TOKEN_PREFIX = "scim_"


def new_token():
    """Return a fresh bearer token; only its hash is ever stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class ScimTokenQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)

    def usable(self):
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user):
        """The main account sees its tenant's tokens; nobody else sees any."""
        if not (user.is_authenticated and user.is_owner):
            return self.none()
        return self.filter(tenant_id=user.tenant_id)


class ScimToken(models.Model):
    """A bearer token an identity provider uses to provision one tenant's staff and departments."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="scim_tokens",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=50,
        help_text=_("Say which system uses it, e.g. “Okta” or “Feishu HR”. The audit log names it."),
    )
    token_hash = models.CharField(
        verbose_name=_("token hash"),
        max_length=64,
        unique=True,
        editable=False,
    )
    default_department = models.ForeignKey(
        "orgchart.Department",
        verbose_name=_("default department"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Where new staff go when the identity provider names no department."),
    )
    default_position = models.ForeignKey(
        "orgchart.Position",
        verbose_name=_("default position"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The position of new staff when the identity provider names none."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    last_used_at = models.DateTimeField(
        verbose_name=_("last used"),
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(
        verbose_name=_("revoked at"),
        null=True,
        blank=True,
    )

    objects = ScimTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("provisioning token")
        verbose_name_plural = _("provisioning tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                condition=Q(revoked_at__isnull=True),
                name="scim_token_unique_active_name",
                violation_error_message=_("A token with this name already exists; revoke it first or choose another name."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="scim_token_tenant_time"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_revoked(self):
        return self.revoked_at is not None


class ScimActor(User):
    """The main account acting through a token: audit entries name the token (R-22, R-37).

    The services check the owner's rights as usual; only the label written to the audit log
    differs, so the log says which system made a change.
    """

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("provisioning actor")
        verbose_name_plural = _("provisioning actors")

    token_name = ""

    def __str__(self):
        return str(_("SCIM token “%(name)s”") % {"name": self.token_name})


class ScimUserRecord(models.Model):
    """What SCIM keeps beside a staff account: the identity provider's id and when it last changed."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.CASCADE,
        related_name="scim_record",
    )
    external_id = models.CharField(
        verbose_name=_("external id"),
        max_length=200,
        blank=True,
    )
    user_name = models.CharField(
        verbose_name=_("identity provider's user name"),
        max_length=200,
        blank=True,
        help_text=_(
            "What the identity provider calls the person (often an e-mail address); they can log in "
            "with it as well as with their login name. It may change; the login name never does."
        ),
    )
    deleted_by_provider = models.BooleanField(
        verbose_name=_("deleted by the identity provider"),
        default=False,
        help_text=_(
            "The identity provider deleted this account, so it answers as gone; the account and its "
            "history stay offboarded in Staffdesk until the provider creates the same person again."
        ),
    )
    emails = models.JSONField(
        verbose_name=_("e-mail entries"),
        default=list,
        blank=True,
        help_text=_("The entries as the identity provider sent them, so type and primary read back unchanged."),
    )
    phone_numbers = models.JSONField(
        verbose_name=_("phone entries"),
        default=list,
        blank=True,
    )
    last_modified = models.DateTimeField(
        verbose_name=_("last modified"),
    )

    class Meta:
        verbose_name = _("SCIM user record")
        verbose_name_plural = _("SCIM user records")
        indexes = [
            models.Index(fields=["tenant", "external_id"], name="scim_user_tenant_external"),
            models.Index(fields=["tenant", "user_name"], name="scim_user_tenant_user_name"),
        ]

    def __str__(self):
        return f"{self.user_id} ({self.external_id})"


class ScimGroupRecord(models.Model):
    """What SCIM keeps beside a department: the identity provider's id and when it last changed."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.OneToOneField(
        "orgchart.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="scim_record",
    )
    external_id = models.CharField(
        verbose_name=_("external id"),
        max_length=200,
        blank=True,
    )
    last_modified = models.DateTimeField(
        verbose_name=_("last modified"),
    )

    class Meta:
        verbose_name = _("SCIM group record")
        verbose_name_plural = _("SCIM group records")
        indexes = [
            models.Index(fields=["tenant", "external_id"], name="scim_group_tenant_external"),
        ]

    def __str__(self):
        return f"{self.department_id} ({self.external_id})"


class ScimReadSummary(models.Model):
    """The reads one token made in one hour, counted here and written to the audit log as one
    entry when the hour is over (R-22, R-37): an identity provider polls every few minutes, and
    one audit row per read would bury every change a person made."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token = models.ForeignKey(
        ScimToken,
        verbose_name=_("token"),
        on_delete=models.CASCADE,
        related_name="read_summaries",
    )
    hour = models.DateTimeField(
        verbose_name=_("hour"),
        help_text=_("The start of the hour the reads were made in."),
    )
    reads = models.PositiveIntegerField(
        verbose_name=_("reads"),
        default=0,
    )
    results = models.PositiveIntegerField(
        verbose_name=_("resources returned"),
        default=0,
    )
    paths = models.JSONField(
        verbose_name=_("addresses read"),
        default=dict,
        blank=True,
        help_text=_("How often each address was read (at most 50 addresses are listed)."),
    )
    filters = models.JSONField(
        verbose_name=_("filters"),
        default=list,
        blank=True,
        help_text=_("The first different filters used (at most 20)."),
    )
    audited = models.BooleanField(
        verbose_name=_("written to the audit log"),
        default=False,
    )

    class Meta:
        verbose_name = _("SCIM read summary")
        verbose_name_plural = _("SCIM read summaries")
        constraints = [
            models.UniqueConstraint(fields=["token", "hour"], name="scim_read_summary_token_hour"),
        ]

    def __str__(self):
        return f"{self.token_id} {self.hour:%Y-%m-%d %H}:00 ({self.reads})"
