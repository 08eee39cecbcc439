"""Effect data (效果数据, R-30, R-31): daily rows per product and the rollups reports read."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .campaigns import Campaign
from .products import EnrolledProduct


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
