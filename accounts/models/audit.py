from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit_actions import AuditAction, audit_action_label  # noqa: F401  (re-exported)

SYSTEM_ACTOR = "system"  # stored as the actor name of changes no person made (scheduled commands)

#: Identity data that entries written before R-19 was enforced in the log may hold; the main
#: account's log and export never show these keys of a verification's entries (operators read
#: the verification itself in the admin).
IDENTITY_DATA_KEYS = frozenset({"real_name", "id_number", "mobile"})


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)


class AuditEntry(models.Model):
    """One recorded change (R-22). Append-only: the model, the admin and PostgreSQL refuse edits."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.DO_NOTHING,
        db_constraint=True,
        related_name="+",
        null=True,
        blank=True,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        null=True,
        blank=True,
    )
    actor_label = models.CharField(
        verbose_name=_("actor name"),
        max_length=200,
        blank=True,
    )
    actor_words = models.JSONField(
        verbose_name=_("actor kind and name"),
        null=True,
        blank=True,
        help_text=_("For an actor that is no person (a SCIM token): its kind and name, put into words when read."),
    )
    action = models.CharField(
        verbose_name=_("action"),
        max_length=64,
    )
    target_type = models.CharField(
        verbose_name=_("target type"),
        max_length=64,
        blank=True,
    )
    target_id = models.CharField(
        verbose_name=_("target id"),
        max_length=64,
        blank=True,
    )
    target_label = models.CharField(
        verbose_name=_("target"),
        max_length=200,
        blank=True,
    )
    before = models.JSONField(
        verbose_name=_("before"),
        encoder=DjangoJSONEncoder,
        null=True,
        blank=True,
    )
    after = models.JSONField(
        verbose_name=_("after"),
        encoder=DjangoJSONEncoder,
        null=True,
        blank=True,
    )
    ip_address = models.GenericIPAddressField(
        verbose_name=_("IP address"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("time"),
        auto_now_add=True,
        db_index=True,
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="accounts_audit_tenant_time"),
            models.Index(fields=["tenant", "action"], name="accounts_audit_tenant_action"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    @property
    def action_label(self):
        """The action in the reader's language (the registry's label)."""
        return audit_action_label(self.action)

    @property
    def actor_display(self):
        """Who acted, in the reader's language: a person's name, "System" for scheduled work, or the
        words of a registered kind of actor (``SCIM token “Okta”``), chosen now, not when recorded."""
        from ..audit_words import actor_text

        words = actor_text(self.actor_words)
        if words is not None:
            return words
        if self.actor_id is None and self.actor_label in ("", SYSTEM_ACTOR):
            return _("System")
        return self.actor_label

    @property
    def is_identity_entry(self):
        return self.action.startswith("identity.")

    def _for_owner(self, values):
        if not (self.is_identity_entry and isinstance(values, dict)):
            return values
        return {key: value for key, value in values.items() if key not in IDENTITY_DATA_KEYS}

    @property
    def before_for_owner(self):
        """``before`` as the main account may read it: never a verification's identity data (R-19)."""
        return self._for_owner(self.before)

    @property
    def after_for_owner(self):
        """``after`` as the main account may read it: never a verification's identity data (R-19)."""
        return self._for_owner(self.after)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")
