"""Real-person verification (实人认证, R-17, R-19): who stands behind a staff account.

The resident ID number itself is never stored: only a keyed hash (for per-tenant uniqueness)
and a masked form (for the operator who reviews). See ``id_number_hash`` and ``mask_id_number``.
"""

import datetime
import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from .tenants import mainland_mobile_validator

# GB 11643-1999: weights of the first 17 digits, and the check character for each sum mod 11
# (ISO 7064 MOD 11-2).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def id_check_character(first17):
    """The GB 11643 check character (0–9 or X) of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


@sensitive_variables()  # an error report must not show the number
def normalize_id_number(value):
    """Return ``value`` as the canonical 18-character form: NFKC (full-width digits), no spaces, upper X."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(value.split()).upper()


@sensitive_variables()  # an error report must not show the number
def validate_id_number(value):
    """Raise ``ValidationError`` unless ``value`` is a valid PRC resident ID number (GB 11643).

    Accepts the normalised form (``normalize_id_number``): 17 digits and a digit or X, a birth date
    between 1900-01-01 and today, and the MOD 11-2 check character. The messages never repeat the
    number.
    """
    number = normalize_id_number(value)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("Enter the 18-character resident ID number: 17 digits, then a digit or X."),
            code="id_format",
        )
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born < datetime.date(1900, 1, 1) or born > timezone.localdate():
        raise ValidationError(
            _("The birth date inside this ID number (characters 7–14) is not a real date."),
            code="id_birth_date",
        )
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number is not valid: its last character does not match the others. Check for a typo."),
            code="id_checksum",
        )


@sensitive_variables()  # an error report must not show the number
def id_number_hash(number):
    """HMAC-SHA256 of the normalised number keyed by ``settings.IDENTITY_HASH_KEY``, as 64 hex digits."""
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, normalize_id_number(number).encode(), hashlib.sha256).hexdigest()


@sensitive_variables()  # an error report must not show the number
def mask_id_number(number):
    """The form operators see: first 4 and last 4 characters, e.g. ``1101**********1234``."""
    number = normalize_id_number(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


class IdentityVerification(models.Model):
    """One submission of a staff account's real name, ID number and mobile (R-17, R-19)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed (unbound)")

    # A person holds these; a rejected or removed submission frees the ID and the mobile again.
    HOLDING = (Status.PENDING, Status.VERIFIED)

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="identity_verifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="identity_verifications",
    )
    real_name = models.CharField(
        verbose_name=_("real name"),
        max_length=50,
    )
    id_number_hash = models.CharField(
        verbose_name=_("ID number hash"),
        max_length=64,
        editable=False,
    )
    id_number_masked = models.CharField(
        verbose_name=_("ID number (masked)"),
        max_length=18,
    )
    mobile = models.CharField(
        verbose_name=_("mobile"),
        max_length=11,
        validators=[mainland_mobile_validator],
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
    )
    rejection_reason = models.CharField(
        verbose_name=_("rejection reason"),
        max_length=200,
        blank=True,
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("submitted at"),
        default=timezone.now,
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
    removed_at = models.DateTimeField(
        verbose_name=_("removed at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("real-person verification")
        verbose_name_plural = _("real-person verifications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "id_number_hash"],
                condition=Q(status__in=["pending", "verified"]),
                name="accounts_identity_unique_id_number",
                violation_error_message=_(
                    "This ID number is already verified or under review for another account of this organisation."
                ),
            ),
            models.UniqueConstraint(
                fields=["tenant", "mobile"],
                condition=Q(status__in=["pending", "verified"]),
                name="accounts_identity_unique_mobile",
                violation_error_message=_(
                    "This mobile is already verified or under review for another account of this organisation."
                ),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "verified"]),
                name="accounts_identity_one_per_account",
                violation_error_message=_("This account already has a verification under review or verified."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="accounts_identity_tenant"),
        ]

    def __str__(self):
        return f"{self.real_name} {self.id_number_masked}"
