"""Operation accounts (运营号), the shop's tasks and the task orders they place (R-33 … R-35)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY_MAX = Decimal("9999999999.99")  # the largest a DecimalField(12, 2) stores on every backend


class OperationBinding(models.Model):
    """One invitation of an individual to be a shop's operation account, and its fate (运营号绑定记录).

    Pending until the invitee agrees (同意绑定) or declines; the shop may withdraw it while pending,
    and unbind it once active (R-33, R-35). Rows are never deleted: they are the binding records.
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("operation account binding", "Pending")
        ACTIVE = "active", pgettext_lazy("operation account binding", "Active")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        UNBOUND = "unbound", _("Unbound")

    OPEN_STATUSES = (Status.PENDING, Status.ACTIVE)

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="operation_bindings",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operation account"),
        on_delete=models.PROTECT,
        related_name="operation_bindings",
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    invited_at = models.DateTimeField(
        verbose_name=_("invited at"),
        default=timezone.now,
    )
    answered_at = models.DateTimeField(
        verbose_name=_("answered at"),
        null=True,
        blank=True,
        help_text=_("When the invitee agreed or declined."),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn or unbound by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    ended_at = models.DateTimeField(
        verbose_name=_("withdrawn or unbound at"),
        null=True,
        blank=True,
    )
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.PROTECT,
        related_name="replaces",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("operation account binding")
        verbose_name_plural = _("operation account bindings")
        ordering = ["-invited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account"],
                condition=Q(status__in=["pending", "active"]),
                name="operations_binding_one_open_per_account",
                violation_error_message=_("This person is already invited by or bound to your shop."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="operations_binding_tenant"),
            models.Index(fields=["account", "status"], name="operations_binding_account"),
        ]

    def __str__(self):
        return f"{self.account} @ {self.tenant}"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING


class Task(models.Model):
    """A content-marketing task the shop offers its operation accounts (e.g. a creator's 种草 video)."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="operation_tasks",
    )
    title = models.CharField(
        verbose_name=_("title"),
        max_length=100,
    )
    creator_name = models.CharField(
        verbose_name=_("creator (达人)"),
        max_length=50,
    )
    fee = models.DecimalField(
        verbose_name=_("fee (¥)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MONEY_MAX)],
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    deadline = models.DateField(
        verbose_name=_("deadline"),
    )
    is_open = models.BooleanField(
        verbose_name=_("open for orders"),
        default=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    submission = models.CharField(
        verbose_name=_("form submission"),
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("The one-time key of the form that made it: sending the same form twice makes it once."),
    )

    class Meta:
        verbose_name = _("operation task")
        verbose_name_plural = _("operation tasks")
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "submission"],
                condition=~Q(submission=""),
                name="operations_task_one_per_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "is_open", "deadline"], name="operations_task_tenant"),
        ]

    def __str__(self):
        return self.title


class TaskOrder(models.Model):
    """An order an operation account places for one of the shop's tasks (代下单), and its state."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        CONFIRMED = "confirmed", _("Receipt confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    # An account may be unbound only when none of its orders is in one of these.
    OPEN_STATUSES = (Status.PLACED, Status.IN_PROGRESS, Status.DELIVERED)
    # The next states an order may take; cancelling is possible until receipt is confirmed.
    TRANSITIONS = {
        Status.PLACED: (Status.IN_PROGRESS, Status.CANCELLED),
        Status.IN_PROGRESS: (Status.DELIVERED, Status.CANCELLED),
        Status.DELIVERED: (Status.CONFIRMED, Status.CANCELLED),
        Status.CONFIRMED: (),
        Status.CANCELLED: (),
    }

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="task_orders",
    )
    binding = models.ForeignKey(
        OperationBinding,
        verbose_name=_("binding"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operation account"),
        on_delete=models.PROTECT,
        related_name="task_orders",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    number = models.CharField(
        verbose_name=_("order number"),
        max_length=32,
    )
    amount = models.DecimalField(
        verbose_name=_("amount (¥)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MONEY_MAX)],
    )
    status = models.CharField(
        verbose_name=_("state"),
        max_length=12,
        choices=Status.choices,
        default=Status.PLACED,
    )
    placed_at = models.DateTimeField(
        verbose_name=_("placed at"),
        default=timezone.now,
    )
    status_changed_at = models.DateTimeField(
        verbose_name=_("state changed at"),
        default=timezone.now,
    )
    submission = models.CharField(
        verbose_name=_("form submission"),
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("The one-time key of the form that made it: sending the same form twice makes it once."),
    )

    class Meta:
        verbose_name = _("task order")
        verbose_name_plural = _("task orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"],
                name="operations_order_unique_number",
                violation_error_message=_("This order number is already used in this shop."),
            ),
            models.UniqueConstraint(
                fields=["tenant", "submission"],
                condition=~Q(submission=""),
                name="operations_order_one_per_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "binding", "status"], name="operations_order_binding"),
            # The task list's order counts, answered from the index alone (``views._count_orders_of_page``).
            models.Index(fields=["tenant", "task"], name="operations_order_task"),
            models.Index(fields=["tenant", "-placed_at"], name="operations_order_placed"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def next_statuses(self):
        return self.TRANSITIONS[self.status]

    def next_actions(self):
        """``[(action, label)]`` of the steps its operation account may take next (the buttons)."""
        return [(ORDER_ACTIONS[status], ORDER_ACTION_LABELS[status]) for status in self.next_statuses()]


# The path word and button of each step an order may take (``operations:order_action``).
ORDER_ACTIONS = {
    TaskOrder.Status.IN_PROGRESS: "start",
    TaskOrder.Status.DELIVERED: "deliver",
    TaskOrder.Status.CONFIRMED: "confirm",
    TaskOrder.Status.CANCELLED: "cancel",
}
ORDER_ACTION_LABELS = {
    TaskOrder.Status.IN_PROGRESS: _("Start work"),
    TaskOrder.Status.DELIVERED: _("Mark delivered"),
    TaskOrder.Status.CONFIRMED: _("Confirm receipt"),
    TaskOrder.Status.CANCELLED: _("Cancel order"),
}
