from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

tenant_slug_validator = RegexValidator(
    regex=r"^[a-z][a-z0-9-]{1,30}$",
    message=_(
        "Use 2–31 lower-case letters, digits or hyphens, starting with a letter. "
        "Staff log in as <prefix>:<account name>."
    ),
)

mainland_mobile_validator = RegexValidator(
    regex=r"^1[3-9][0-9]{9}$",
    message=_("Enter a mainland China mobile number: 11 digits starting with 13–19."),
)


class HttpsURLField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is left out."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class Tenant(models.Model):
    """A main account's organisation: a shop or a Taobao Union recruiting service provider."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("Shop")
        SERVICE_PROVIDER = "service_provider", _("Recruiting service provider")

    DEFAULT_STAFF_QUOTA = 50
    DEFAULT_TEMPORARY_QUOTA = 20
    MAX_QUOTA = 10_000  # far above any team this product serves; keeps typos out of the seat count

    slug = models.CharField(
        verbose_name=_("login prefix"),
        max_length=31,
        unique=True,
        validators=[tenant_slug_validator],
        help_text=_("Staff log in as <prefix>:<account name>. Cannot be changed later."),
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.SHOP,
    )
    staff_quota = models.PositiveIntegerField(
        verbose_name=_("staff quota"),
        default=DEFAULT_STAFF_QUOTA,
        validators=[MaxValueValidator(MAX_QUOTA)],
        help_text=_("Most staff accounts this tenant may hold, resigned ones excluded."),
    )
    temporary_quota = models.PositiveIntegerField(
        verbose_name=_("temporary account quota"),
        default=DEFAULT_TEMPORARY_QUOTA,
        validators=[MaxValueValidator(MAX_QUOTA)],
        help_text=_("Most temporary customer-service accounts this tenant may hold; they take no staff seat."),
    )
    dingtalk_contact_name = models.CharField(
        verbose_name=_("DingTalk contact name"),
        max_length=50,
        blank=True,
    )
    dingtalk_mobile = models.CharField(
        verbose_name=_("DingTalk mobile"),
        max_length=11,
        blank=True,
        validators=[mainland_mobile_validator],
    )
    dingtalk_webhook = HttpsURLField(
        verbose_name=_("DingTalk robot webhook"),
        max_length=500,
        blank=True,
        help_text=_("The custom robot's webhook address, used for invitations and alerts."),
    )
    dingtalk_secret = models.CharField(
        verbose_name=_("DingTalk robot secret"),
        max_length=200,
        blank=True,
        help_text=_("The robot's signing secret (starts with SEC). Never shown again once saved."),
    )
    dingtalk_completed_at = models.DateTimeField(
        verbose_name=_("DingTalk info completed at"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    # Written only by the database: a trigger adds one on every UPDATE (``User.cache_generation``).
    cache_generation = models.BigIntegerField(verbose_name=_("cache generation"), db_default=0, editable=False)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["slug"]

    def __str__(self):
        return f"{self.name} ({self.slug})"

    @property
    def has_dingtalk_info(self):
        return self.dingtalk_completed_at is not None
