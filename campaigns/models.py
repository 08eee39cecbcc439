"""Campaigns, enrolled products, effect data and their object-permission tables (R-23 … R-31)."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models.tenants import HttpsURLField

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
        from utilities.links import object_url

        return object_url("campaigns:detail", self.pk)

    @property
    def is_open(self):
        from django.utils import timezone

        today = timezone.localdate()
        return self.is_published and self.starts_on <= today <= self.ends_on


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
            models.Index(fields=["tenant", "contact_person", "-id"], name="campaigns_prod_tenant_contact"),
            models.Index(fields=["campaign", "status"], name="campaigns_prod_campaign_status"),
            models.Index(fields=["submitter_ip", "created_at"], name="campaigns_prod_ip_time"),
        ]

    def __str__(self):
        return f"{self.title} ({self.product_id})"

    def get_absolute_url(self):
        from utilities.links import object_url

        return object_url("campaigns:product_detail", self.pk)


class EffectDaily(models.Model):
    """One day of effect data for one enrolled product (R-30)."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    product = models.ForeignKey(
        EnrolledProduct,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="effects",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    date = models.DateField(
        verbose_name=_("date"),
    )
    clicks = models.PositiveIntegerField(
        verbose_name=_("clicks"),
        default=0,
    )
    paid_orders = models.PositiveIntegerField(
        verbose_name=_("paid orders"),
        default=0,
    )
    paid_amount = models.DecimalField(
        verbose_name=_("paid amount (¥)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
    )
    estimated_service_fee = models.DecimalField(
        verbose_name=_("estimated service fee (¥)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
    )

    class Meta:
        verbose_name = _("daily effect data")
        verbose_name_plural = _("daily effect data")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "date"],
                name="campaigns_effect_one_row_per_day",
                violation_error_message=_("There is already a row for this product and day."),
            ),
        ]
        indexes = [
            # (product, date) is covered by the unique constraint's index.
            models.Index(fields=["tenant", "date"], name="campaigns_effect_tenant_date"),
        ]

    def __str__(self):
        return f"{self.product_id} {self.date}"


# django-guardian's direct-foreign-key permission tables (never the generic ones, STYLE 6).


class CampaignUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Campaign, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("campaign grant to a person")
        verbose_name_plural = _("campaign grants to people")


class CampaignGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Campaign, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("campaign grant to a group")
        verbose_name_plural = _("campaign grants to groups")


class ContactPersonUserObjectPermission(UserObjectPermissionBase):
    """``accounts.view_contact_products`` on a staff account, held by that person (R-28)."""

    content_object = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="contact_person_grants",
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("contact-person grant to a person")
        verbose_name_plural = _("contact-person grants to people")


class ContactPersonGroupObjectPermission(GroupObjectPermissionBase):
    """``accounts.view_contact_products`` on a staff account, held by its overseer group (R-28)."""

    content_object = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="contact_person_group_grants",
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("contact-person grant to a group")
        verbose_name_plural = _("contact-person grants to groups")


class EffectTotals(models.Model):
    """The four summed figures of the rollups and period totals (wider than a day's row)."""

    clicks = models.BigIntegerField(
        verbose_name=_("clicks"),
        default=0,
    )
    paid_orders = models.BigIntegerField(
        verbose_name=_("paid orders"),
        default=0,
    )
    paid_amount = models.DecimalField(
        verbose_name=_("paid amount (¥)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
    )
    estimated_service_fee = models.DecimalField(
        verbose_name=_("estimated service fee (¥)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
    )

    class Meta:
        abstract = True


class EffectRollupBase(EffectTotals):
    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    date = models.DateField(
        verbose_name=_("date"),
    )

    class Meta:
        abstract = True


class EffectByContact(EffectRollupBase):
    """Daily effect totals per contact person, kept by ``campaigns.rollups`` (R-31 at R-41 scale).

    Approved products are visible exactly to their contact person and the admins above them, so
    a report in anyone's scope is a sum over these few rows instead of millions of daily rows.
    """

    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("daily effect totals per contact person")
        verbose_name_plural = _("daily effect totals per contact person")
        indexes = [
            models.Index(fields=["tenant", "date"], name="campaigns_ebc_tenant_date"),
            models.Index(fields=["contact_person", "date"], name="campaigns_ebc_contact_date"),
        ]

    def __str__(self):
        return f"{self.contact_person_id} {self.date}"


class EffectByCampaign(EffectRollupBase):
    """Daily effect totals per campaign, kept by ``campaigns.rollups``: the main account's report."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("daily effect totals per campaign")
        verbose_name_plural = _("daily effect totals per campaign")
        indexes = [
            models.Index(fields=["tenant", "date"], name="campaigns_ebcamp_tenant_date"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.date}"


class EffectByCampaignContact(EffectRollupBase):
    """Daily effect totals per campaign and contact person, kept by ``campaigns.rollups``: a staff
    member's report by campaign, summed over the contact persons in their data scope."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("daily effect totals per campaign and contact person")
        verbose_name_plural = _("daily effect totals per campaign and contact person")
        indexes = [
            models.Index(fields=["tenant", "contact_person", "date"], name="campaigns_ebcc_contact_date"),
            models.Index(fields=["tenant", "date"], name="campaigns_ebcc_tenant_date"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.contact_person_id} {self.date}"


class EffectWindow(EffectTotals):
    """Totals of the last 7, 30 or 90 days up to ``as_of`` per campaign and contact person, kept
    by ``campaigns.windows``: the report by campaign sums a few rows per campaign instead of a
    row per campaign and day (600,000 rows for 30 days at R-41 scale)."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    as_of = models.DateField(
        verbose_name=_("as of"),
    )
    days = models.PositiveSmallIntegerField(
        verbose_name=_("days"),
    )
    all_contacts = models.BooleanField(
        verbose_name=_("all contact persons"),
        default=False,
        help_text=_("The campaign's totals over every contact person (contact person left empty)."),
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("effect totals of a recent period")
        verbose_name_plural = _("effect totals of recent periods")
        indexes = [
            models.Index(fields=["tenant", "days", "contact_person"], name="campaigns_ew_contact"),
            models.Index(
                fields=["tenant", "days", "-paid_amount"], condition=Q(all_contacts=True), name="campaigns_ew_campaign_rank"
            ),
            models.Index(fields=["campaign"], name="campaigns_ew_campaign"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.contact_person_id} {self.days}d {self.as_of}"


class EffectWindowState(models.Model):
    """For which day a tenant's ``EffectWindow`` rows are complete, and for which day a rebuild
    has been asked for (so that many report views ask the worker once)."""

    tenant = models.OneToOneField(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    as_of = models.DateField(
        verbose_name=_("complete as of"),
        null=True,
        blank=True,
    )
    requested_for = models.DateField(
        verbose_name=_("rebuild requested for"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("effect period totals state")
        verbose_name_plural = _("effect period totals states")

    def __str__(self):
        return f"{self.tenant_id} {self.as_of}"
