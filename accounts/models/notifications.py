import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    """A message to one user (R-32). The row itself is the user's inbox entry."""

    class Kind(models.TextChoices):
        BINDING_INVITATION = "binding_invitation", _("Binding invitation")
        BINDING_CODE = "binding_code", _("Binding code")
        COMMISSION_ALERT = "commission_alert", _("Commission alert")
        VERIFICATION_RESULT = "verification_result", _("Verification result")
        FREEZE_WARNING = "freeze_warning", _("Freeze warning")
        ENROLLMENT = "enrollment", _("Enrollment")
        SYSTEM = "system", _("System")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=32,
        choices=Kind.choices,
        default=Kind.SYSTEM,
    )
    subject = models.CharField(
        verbose_name=_("subject"),
        max_length=200,
    )
    body = models.TextField(
        verbose_name=_("message"),
        blank=True,
    )
    link = models.CharField(
        verbose_name=_("link"),
        max_length=500,
        blank=True,
    )
    mobile = models.CharField(
        verbose_name=_("mobile"),
        max_length=11,
        blank=True,
        help_text=_("The mobile to @-mention on DingTalk, when the message goes to a phone."),
    )
    sms_params = models.JSONField(
        verbose_name=_("SMS template values"),
        default=dict,
        blank=True,
        help_text=_("What an SMS provider's approved template is filled with, e.g. the binding code."),
    )
    read_at = models.DateTimeField(
        verbose_name=_("read at"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="accounts_notif_recipient"),
            models.Index(fields=["tenant", "-created_at"], name="accounts_notif_tenant"),
        ]

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """One attempt path of a notification through one backend; failures stay visible and retryable."""

    class Backend(models.TextChoices):
        INBOX = "inbox", _("Inbox")
        CONSOLE = "console", _("Console")
        DINGTALK = "dingtalk", _("DingTalk robot")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery status", "Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    backend = models.CharField(
        verbose_name=_("backend"),
        max_length=16,
        choices=Backend.choices,
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(
        verbose_name=_("attempts"),
        default=0,
    )
    last_error = models.TextField(
        verbose_name=_("last error"),
        blank=True,
    )
    sent_at = models.DateTimeField(
        verbose_name=_("sent at"),
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("updated at"),
        auto_now=True,
    )
    # Set while a worker sends this delivery: until then no other run may take it. A worker killed
    # mid-send leaves it in the past, and the reaper (``deliveries_reap``) then marks the delivery
    # failed with the reason, for the owner to retry: it may or may not have arrived.
    claimed_until = models.DateTimeField(
        verbose_name=_("claimed until"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "backend"],
                name="accounts_delivery_unique_backend",
                violation_error_message=_("This notification already goes through that backend."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="accounts_delivery_tenant_st"),
        ]

    def __str__(self):
        return f"{self.notification} → {self.get_backend_display()} ({self.get_status_display()})"

    @property
    def is_stuck(self):
        """Pending, and nothing has happened to it for a whole lease (``NOTIFICATION_LEASE_SECONDS``):
        its worker died, or its queued task was lost. The owner's Retry sends it again."""
        from django.utils import timezone

        if self.status != self.Status.PENDING:
            return False
        now = timezone.now()
        if self.claimed_until is not None:
            return self.claimed_until < now
        return self.updated_at < now - datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
