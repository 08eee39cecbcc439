"""Who sees what of operation accounts (R-33, R-34): the one place every list, detail, count,
statement and export starts from.

* the shop's main account, and staff holding ``manage_operation_accounts`` (R-7), see every
  binding, task and order of their own shop;
* an individual sees only its own orders with the shops it is actively bound to, and those
  shops' open tasks; pending invitations reach it through ``invitations_for`` only;
* anyone else sees nothing.
"""

import datetime

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from utilities.formatting import exact_money
from accounts import permissions as catalogue

from .models import OperationBinding, Task, TaskOrder


def is_shop_manager(user):
    """Whether ``user`` manages its shop's operation accounts: the main account, or staff with the right (R-7)."""
    if not user.is_authenticated or user.tenant_id is None:
        return False
    if user.is_owner:
        return True
    return user.is_staff_account and user.has_perm(catalogue.perm(catalogue.MANAGE_OPERATION_ACCOUNTS))


def manages(user, tenant_id):
    """Whether ``user`` manages the operation accounts of the shop ``tenant_id``."""
    return is_shop_manager(user) and user.tenant_id == tenant_id


def bindings_visible_to(user):
    """Binding records the viewer may open: all of its shop's for a manager, its own active ones for an individual."""
    if is_shop_manager(user):
        return OperationBinding.objects.filter(tenant_id=user.tenant_id)
    if user.is_authenticated and user.is_individual:
        return OperationBinding.objects.filter(account=user, status=OperationBinding.Status.ACTIVE)
    return OperationBinding.objects.none()


def invitations_for(user):
    """The pending invitations addressed to ``user``, with their shop and inviter (two joins, no query per row)."""
    if not (user.is_authenticated and user.is_individual):
        return OperationBinding.objects.none()
    return OperationBinding.objects.filter(account=user, status=OperationBinding.Status.PENDING).select_related(
        "tenant", "invited_by"
    )


def bindings_addressed_to(user):
    """Every invitation ever sent to ``user``, whatever became of it: to answer, or to be told it is no longer open."""
    if not (user.is_authenticated and user.is_individual):
        return OperationBinding.objects.none()
    return OperationBinding.objects.filter(account=user).select_related("tenant", "invited_by")


def shops_of(user):
    """The active bindings of an individual, one per shop it serves, with the shop; nothing for anyone else."""
    if not (user.is_authenticated and user.is_individual):
        return OperationBinding.objects.none()
    return OperationBinding.objects.filter(account=user, status=OperationBinding.Status.ACTIVE).select_related("tenant")


def invitations_and_shops_of(user):
    """``(invitations, shops)`` of ``user`` in one query: what ``invitations_for`` (newest first) and
    ``shops_of`` (by shop name) return, as lists, with the shop and the inviter; two empty lists
    for anyone but an individual."""
    if not (user.is_authenticated and user.is_individual):
        return [], []
    rows = list(
        OperationBinding.objects.filter(account=user, status__in=OperationBinding.OPEN_STATUSES)
        .select_related("tenant", "invited_by")
        .order_by("-invited_at", "-id")
    )
    invitations = [row for row in rows if row.status == OperationBinding.Status.PENDING]
    shops = sorted((row for row in rows if row.status == OperationBinding.Status.ACTIVE), key=lambda row: row.tenant.name)
    return invitations, shops


def tasks_visible_to(user):
    """A manager's shop's tasks; for an individual, the open tasks of the shops it actively serves."""
    if is_shop_manager(user):
        return Task.objects.filter(tenant_id=user.tenant_id)
    if user.is_authenticated and user.is_individual:
        return Task.objects.filter(
            tenant__operation_bindings__account=user,
            tenant__operation_bindings__status=OperationBinding.Status.ACTIVE,
            is_open=True,
        )
    return Task.objects.none()


def orders_visible_to(user):
    """A manager's shop's orders; an individual's own orders on its active bindings; nothing else."""
    if is_shop_manager(user):
        return TaskOrder.objects.filter(tenant_id=user.tenant_id)
    if user.is_authenticated and user.is_individual:
        return TaskOrder.objects.filter(account=user, binding__status=OperationBinding.Status.ACTIVE)
    return TaskOrder.objects.none()


def open_orders_of(binding):
    """The orders of ``binding`` that block unbinding it: neither confirmed nor cancelled (R-35)."""
    return (
        TaskOrder.objects.filter(tenant_id=binding.tenant_id, binding=binding, status__in=TaskOrder.OPEN_STATUSES)
        .select_related("task")
        .order_by("placed_at", "id")
    )


def _local_midnight(day):
    """The aware instant the local ``day`` (a ``date``) begins, in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def statement_for(binding, *, start, end):
    """The statement (账单明细) of ``binding`` for orders placed on ``start`` … ``end`` (local dates).

    ``{"orders": <queryset>, "count", "total", "confirmed_total", "open_total", "cancelled_total"}``;
    the total leaves cancelled orders out. The sums are one query; ``orders`` (oldest first, with
    their task) is read by whoever pages through it or exports it. Money as two-place ``Decimal``.
    """
    start = max(start, settings.STATEMENT_CUTOFF)
    orders = (
        TaskOrder.objects.filter(
            tenant_id=binding.tenant_id,
            binding=binding,
            # The local days as an instant range, not ``placed_at__date``: PostgreSQL estimates a
            # cast column at a few rows, and joined 1,477 orders to every task in a nested loop
            # (9 ms for the busiest account at R-41 scale).
            placed_at__gte=_local_midnight(start),
            placed_at__lt=_local_midnight(end + datetime.timedelta(days=1)),
        )
        .select_related("task")
        .order_by("placed_at", "id")
    )
    sums = orders.order_by().aggregate(
        count=Count("id"),
        total=Sum("amount", filter=~Q(status=TaskOrder.Status.CANCELLED)),
        confirmed_total=Sum("amount", filter=Q(status=TaskOrder.Status.CONFIRMED)),
        open_total=Sum("amount", filter=Q(status__in=TaskOrder.OPEN_STATUSES)),
        cancelled_total=Sum("amount", filter=Q(status=TaskOrder.Status.CANCELLED)),
    )
    return {
        "start": start,
        "end": end,
        "orders": orders,
        "count": sums["count"],
        **{key: exact_money(sums[key]) for key in ("total", "confirmed_total", "open_total", "cancelled_total")},
    }
