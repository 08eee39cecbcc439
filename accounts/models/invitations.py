import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_token():
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use, expiring binding link for a staff account (R-12). Only the token's hash is kept."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    token_hash = models.CharField(
        verbose_name=_("token hash"),
        max_length=64,
        unique=True,
        editable=False,
    )
    mobile = models.CharField(
        verbose_name=_("sent to mobile"),
        max_length=11,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("sent at"),
        auto_now_add=True,
    )
    expires_at = models.DateTimeField(
        verbose_name=_("expires at"),
    )
    accepted_at = models.DateTimeField(
        verbose_name=_("accepted at"),
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(
        verbose_name=_("revoked at"),
        null=True,
        blank=True,
    )
    # The one-time code sent by SMS to ``mobile``: whoever opens the link must prove that mobile.
    code_hash = models.CharField(
        verbose_name=_("code hash"),
        max_length=64,
        blank=True,
        editable=False,
    )
    code_sent_at = models.DateTimeField(
        verbose_name=_("code sent at"),
        null=True,
        blank=True,
    )
    code_expires_at = models.DateTimeField(
        verbose_name=_("code expires at"),
        null=True,
        blank=True,
    )
    codes_sent = models.PositiveSmallIntegerField(
        verbose_name=_("codes sent"),
        default=0,
    )
    code_failures = models.PositiveSmallIntegerField(
        verbose_name=_("wrong codes"),
        default=0,
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("binding invitation")
        verbose_name_plural = _("binding invitations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "user"], name="accounts_invite_tenant_user"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_state_display()})"

    @property
    def state(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def get_state_display(self):
        return {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": pgettext_lazy("binding invitation", "Pending"),
        }[self.state]
