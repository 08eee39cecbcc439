from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .tenants import Tenant, mainland_mobile_validator

account_name_validator = RegexValidator(
    regex=r"^[a-z0-9][a-z0-9_.-]{1,29}$",
    message=_("Use 2–30 lower-case letters, digits, dots, hyphens or underscores."),
)


def staff_username(tenant_slug, account_name):
    """Return the login name of a staff account: ``<tenant>:<account name>`` (R-10)."""
    return f"{tenant_slug}:{account_name}"


class User(AbstractUser):
    """Anyone who logs in: a main account (owner), a staff account, an individual or a platform operator.

    An individual (个人用户) belongs to no tenant: shops bind it by invitation as their operation
    account (运营号, R-33), and it reaches only the task areas of the shops it serves.
    """

    class Kind(models.TextChoices):
        OWNER = "owner", _("Main account")
        STAFF = "staff", _("Staff account")
        INDIVIDUAL = "individual", _("Individual")
        OPERATOR = "operator", _("Platform operator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting binding")
        ACTIVE = "active", pgettext_lazy("account status", "Active")
        DISABLED = "disabled", _("Disabled")
        RESIGNED = "resigned", _("Resigned")
        FROZEN = "frozen", _("Frozen")

    class IdentityStatus(models.TextChoices):
        """Real-person verification (实人认证, R-17)."""

        UNVERIFIED = "unverified", _("Unverified")
        PENDING = "pending", _("Pending review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    # Statuses whose holders may hold a session; any other status ends it on the next request.
    LOGIN_STATUSES = frozenset({Status.ACTIVE})

    tenant = models.ForeignKey(
        Tenant,
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.OWNER,
    )
    account_name = models.CharField(
        verbose_name=_("account name"),
        max_length=30,
        blank=True,
        validators=[account_name_validator],
        help_text=_("Unique in the tenant, resigned accounts included; cannot be changed later."),
    )
    display_name = models.CharField(
        verbose_name=_("display name"),
        max_length=50,
        blank=True,
    )
    mobile = models.CharField(
        verbose_name=_("mobile"),
        max_length=11,
        blank=True,
        validators=[mainland_mobile_validator],
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.ACTIVE,
    )
    department = models.ForeignKey(
        "orgchart.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    position = models.ForeignKey(
        "orgchart.Position",
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    is_department_admin = models.BooleanField(
        verbose_name=_("department admin"),
        default=False,
        help_text=_("Sees the data of its department and every department below it."),
    )
    overseer_group = models.OneToOneField(
        "auth.Group",
        verbose_name=_("overseer group"),
        on_delete=models.SET_NULL,
        related_name="overseen_staff",
        null=True,
        blank=True,
        editable=False,
        help_text=_("Holds the department admins at or above this staff account's department."),
    )
    bound_at = models.DateTimeField(
        verbose_name=_("bound at"),
        null=True,
        blank=True,
    )
    resigned_at = models.DateTimeField(
        verbose_name=_("resigned at"),
        null=True,
        blank=True,
    )
    identity_status = models.CharField(
        verbose_name=_("real-person verification"),
        max_length=10,
        choices=IdentityStatus.choices,
        default=IdentityStatus.UNVERIFIED,
    )
    verify_deadline = models.DateTimeField(
        verbose_name=_("verify by"),
        null=True,
        blank=True,
        help_text=_("An unverified staff account is frozen at this time."),
    )
    frozen_at = models.DateTimeField(
        verbose_name=_("frozen at"),
        null=True,
        blank=True,
    )
    unfrozen_at = models.DateTimeField(
        verbose_name=_("unfrozen at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the main account last unfroze it: its verify-by time is then 2 days later."),
    )
    login_unlocked_at = models.DateTimeField(
        verbose_name=_("login unlocked at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Failed logins before this time no longer count towards the account-wide lock."),
    )
    freeze_warned_days = models.PositiveSmallIntegerField(
        verbose_name=_("freeze warning sent"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Days before the verify-by time of the last freeze warning sent for it."),
    )
    temporary_starts_at = models.DateTimeField(
        verbose_name=_("temporary from"),
        null=True,
        blank=True,
        help_text=_("Temporary customer-service accounts (临时客服) work only inside their window."),
    )
    temporary_ends_at = models.DateTimeField(
        verbose_name=_("temporary until"),
        null=True,
        blank=True,
    )
    # Written only by the database (issue 27): a trigger adds one on every UPDATE of the row and
    # on every change to its permissions or groups, and to its position's (migrations 0018 of
    # accounts and 0005 of orgchart). The request's cached copy of this row and of its
    # permission set is keyed by it (``accounts.user_cache``), so no writer can forget to retire it.
    cache_generation = models.BigIntegerField(verbose_name=_("cache generation"), db_default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            # An object permission on a staff account, granted by campaigns.visibility.
            ("view_contact_products", "View the products and effect data this person is contact person of"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account_name"],
                condition=Q(kind="staff"),
                name="accounts_user_unique_staff_account_name",
                violation_error_message=_("This account name is already taken in your organisation."),
            ),
            models.UniqueConstraint(
                fields=["tenant", "mobile"],
                condition=Q(kind="staff") & ~Q(mobile=""),
                name="accounts_user_unique_staff_mobile",
                violation_error_message=_("This mobile is already bound to another account of your organisation."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(temporary_starts_at__isnull=True, temporary_ends_at__isnull=True)
                    | Q(temporary_starts_at__isnull=False, temporary_ends_at__gt=models.F("temporary_starts_at"))
                ),
                name="accounts_user_temporary_window",
                violation_error_message=_("A temporary account's window must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["operator", "individual"]) | Q(tenant__isnull=False),
                name="accounts_user_tenant_required",
                violation_error_message=_("Main and staff accounts belong to a tenant."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="individual") | Q(tenant__isnull=True),
                name="accounts_user_individual_without_tenant",
                violation_error_message=_("An individual belongs to no tenant."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "kind", "status"], name="accounts_user_tenant_kind"),
            models.Index(fields=["tenant", "department"], name="accounts_user_tenant_dept"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The name people know this account by."""
        if self.display_name:
            return self.display_name
        return self.account_name or self.username

    @property
    def is_owner(self):
        return self.kind == self.Kind.OWNER

    @property
    def is_individual(self):
        """A person of no tenant, who may serve shops as their operation account (R-33)."""
        return self.kind == self.Kind.INDIVIDUAL

    @property
    def is_staff_account(self):
        return self.kind == self.Kind.STAFF

    @property
    def is_temporary(self):
        """A temporary customer-service account (临时客服, R-20)."""
        return self.temporary_ends_at is not None

    def in_window(self, now=None):
        """Whether a temporary account's window is open at ``now`` (always true for others)."""
        if not self.is_temporary:
            return True
        now = now or timezone.now()
        return self.temporary_starts_at <= now < self.temporary_ends_at

    @property
    def temporary_state(self):
        """``upcoming``, ``open`` or ``closed`` for a temporary account's window; ``""`` otherwise (R-20)."""
        if not self.is_temporary:
            return ""
        now = timezone.now()
        if now < self.temporary_starts_at:
            return "upcoming"
        return "open" if now < self.temporary_ends_at else "closed"

    def get_temporary_state_display(self):
        return {
            "upcoming": pgettext_lazy("temporary account window", "Upcoming"),
            "open": pgettext_lazy("temporary account window", "Open"),
            "closed": pgettext_lazy("temporary account window", "Closed"),
        }.get(self.temporary_state, "")

    @property
    def is_muted(self):
        """Muted (禁言, R-17): a staff account not yet verified; it may log in but not chat.

        Under review it works normally; temporary accounts need no verification (R-20).
        """
        return (
            self.is_staff_account
            and not self.is_temporary
            and self.identity_status in {self.IdentityStatus.UNVERIFIED, self.IdentityStatus.REJECTED}
        )

    @property
    def can_send_chat(self):
        """The one place that says whether this account may speak to buyers (R-17, R-20, R-36)."""
        return self.can_log_in and not self.is_muted

    @property
    def can_log_in(self):
        if not self.is_active:
            return False
        if self.kind != self.Kind.STAFF:
            return True
        return self.status in self.LOGIN_STATUSES and self.in_window()
