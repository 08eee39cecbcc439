"""Campaigns (招商活动, R-23 … R-25): their windows, rates, contact person and visibility scope."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from utilities.links import object_url

RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("90"))]


def new_public_token():
    return secrets.token_urlsafe(12)


class Campaign(models.Model):
    """A recruiting campaign (招商活动). ``tenant`` is empty only for official campaigns (R-25)."""

    class ReviewMode(models.TextChoices):
        MANUAL = "manual", _("Manual review")
        AUTOMATIC = "automatic", _("Automatic approval")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        null=True,
        blank=True,
    )
    is_official = models.BooleanField(
        verbose_name=_("official campaign"),
        default=False,
        help_text=_("Published by the platform; every tenant's campaign staff see it."),
    )
    title = models.CharField(
        verbose_name=_("title"),
        max_length=120,
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    starts_on = models.DateField(
        verbose_name=_("starts on"),
    )
    ends_on = models.DateField(
        verbose_name=_("ends on"),
    )
    commission_rate = models.DecimalField(
        verbose_name=_("commission rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=RATE_VALIDATORS,
    )
    service_fee_rate = models.DecimalField(
        verbose_name=_("service fee rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=RATE_VALIDATORS,
    )
    review_mode = models.CharField(
        verbose_name=_("review mode"),
        max_length=10,
        choices=ReviewMode.choices,
        default=ReviewMode.MANUAL,
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("campaign contact person"),
        on_delete=models.PROTECT,
        related_name="contact_for_campaigns",
        null=True,
        blank=True,
        help_text=_("Whom merchants contact; under automatic review approved products go to this person."),
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        on_delete=models.PROTECT,
        related_name="created_campaigns",
        null=True,
        blank=True,
    )
    scope_whole_tenant = models.BooleanField(
        verbose_name=_("visible to the whole organisation"),
        default=False,
    )
    scope_departments = models.ManyToManyField(
        "orgchart.Department",
        verbose_name=_("visible to departments"),
        related_name="scoped_campaigns",
        blank=True,
        help_text=_("Sub-departments included."),
    )
    scope_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visible to staff"),
        related_name="scoped_campaigns",
        blank=True,
    )
    is_legacy = models.BooleanField(
        verbose_name=_("legacy"),
        default=False,
        help_text=_("Created before staff accounts existed: visible to the main account only."),
    )
    is_published = models.BooleanField(
        verbose_name=_("open for enrollment"),
        default=True,
    )
    public_token = models.CharField(
        verbose_name=_("public link token"),
        max_length=32,
        unique=True,
        default=new_public_token,
        editable=False,
    )
    ending_alerted_at = models.DateTimeField(
        verbose_name=_("ending alerts sent at"),
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("updated at"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-id"]
        permissions = [
            ("campaign_in_scope", "Is inside the campaign's visibility scope"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="campaigns_campaign_period_order",
                violation_error_message=_("The campaign cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(is_official=True, tenant__isnull=True) | Q(is_official=False, tenant__isnull=False),
                name="campaigns_campaign_official_has_no_tenant",
                violation_error_message=_("Official campaigns belong to the platform, others to a tenant."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-id"], name="campaigns_tenant_recent"),
            # The ids of "whole organisation" campaigns, read by every staff visibility query from
            # the index alone (a scan of the table cost 10 ms at R-41 scale).
            models.Index(
                fields=["tenant", "id"], condition=Q(scope_whole_tenant=True, is_legacy=False), name="campaigns_whole_tenant"
            ),
            models.Index(fields=["tenant", "scope_whole_tenant"], name="campaigns_tenant_whole"),
            models.Index(fields=["is_official", "-id"], name="campaigns_official_recent"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("campaigns:detail", self.pk)

    @property
    def is_open(self):
        today = timezone.localdate()
        return self.is_published and self.starts_on <= today <= self.ends_on
