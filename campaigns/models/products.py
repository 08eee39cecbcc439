"""Enrolled products (报名商品, R-26 … R-29): what merchants enroll, and its review."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.tenants import HttpsURLField
from utilities.links import object_url

from .campaigns import RATE_VALIDATORS, Campaign


class EnrolledProduct(models.Model):
    """A merchant's product enrolled into a campaign (报名商品, R-26 … R-29)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Attention(models.TextChoices):
        HIGH = "high", _("High: all alerts")
        NORMAL = "normal", _("Normal: risk alerts only")
        OFF = "off", _("Off: no alerts")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="enrolled_products",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    shop_name = models.CharField(
        verbose_name=_("shop name"),
        max_length=100,
    )
    product_id = models.CharField(
        verbose_name=_("product ID"),
        max_length=32,
    )
    product_url = HttpsURLField(
        verbose_name=_("product link"),
        max_length=500,
        blank=True,
    )
    title = models.CharField(
        verbose_name=_("product title"),
        max_length=200,
    )
    price = models.DecimalField(
        verbose_name=_("price (¥)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    proposed_commission_rate = models.DecimalField(
        verbose_name=_("proposed commission rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=RATE_VALIDATORS,
    )
    merchant_contact = models.CharField(
        verbose_name=_("merchant contact"),
        max_length=100,
        help_text=_("Name and mobile or Wangwang ID of the merchant's contact."),
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.PROTECT,
        related_name="contact_for_products",
        null=True,
        blank=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(
        verbose_name=_("reviewed at"),
        null=True,
        blank=True,
    )
    reject_reason = models.CharField(
        verbose_name=_("reason for rejection"),
        max_length=200,
        blank=True,
    )
    attention = models.CharField(
        verbose_name=_("attention level"),
        max_length=10,
        choices=Attention.choices,
        default=Attention.NORMAL,
    )
    is_legacy = models.BooleanField(
        verbose_name=_("legacy"),
        default=False,
    )
    submitter_ip = models.GenericIPAddressField(
        verbose_name=_("submitted from"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("enrolled at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("enrolled product")
        verbose_name_plural = _("enrolled products")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "product_id"],
                name="campaigns_product_once_per_campaign",
                violation_error_message=_("This product is already enrolled in this campaign."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-id"], name="campaigns_prod_tenant_status"),
            # The product list's visible ids (``visibility.product_ids_visible_to``) walk a tenant's
            # products newest first testing status, contact person and campaign: read from the
            # index alone (PostgreSQL), never from the table's rows (issue 27).
            models.Index(
                fields=["tenant", "-id"],
                include=["status", "contact_person", "campaign"],
                name="campaigns_prod_tenant_id_cover",
            ),
            models.Index(fields=["tenant", "contact_person", "-id"], name="campaigns_prod_tenant_contact"),
            models.Index(fields=["campaign", "status"], name="campaigns_prod_campaign_status"),
            models.Index(fields=["submitter_ip", "created_at"], name="campaigns_prod_ip_time"),
        ]

    def __str__(self):
        return f"{self.title} ({self.product_id})"

    def get_absolute_url(self):
        return object_url("campaigns:product_detail", self.pk)
