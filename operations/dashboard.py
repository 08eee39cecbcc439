"""Dashboard panels (``accounts.dashboard``): the individual's invitations and shops, and the
shop's operation accounts at a glance. Each reads through ``selectors`` in a fixed number of queries."""

from accounts.dashboard import Panel, capped_count, first_rows

from .models import OperationBinding, TaskOrder
from .selectors import bindings_visible_to, invitations_for, is_shop_manager, orders_visible_to, shops_of


def my_invitations(request):
    """Pending invitations to the viewer, an individual: two queries."""
    if not request.user.is_individual:
        return None
    invitations = invitations_for(request.user)
    counted = capped_count(invitations)
    return {**counted, "rows": first_rows(counted, invitations)}


def my_shops(request):
    """The shops the viewer serves as operation account: two queries."""
    if not request.user.is_individual:
        return None
    shops = shops_of(request.user).order_by("tenant__name")
    counted = capped_count(shops)
    return {**counted, "rows": first_rows(counted, shops)}


def shop_operation_accounts(request):
    """For the shop's managers: active accounts, pending invitations and open orders (three queries)."""
    if not is_shop_manager(request.user):
        return None
    bindings = bindings_visible_to(request.user)
    return {
        "active": capped_count(bindings.filter(status=OperationBinding.Status.ACTIVE)),
        "pending": capped_count(bindings.filter(status=OperationBinding.Status.PENDING)),
        "open_orders": capped_count(orders_visible_to(request.user).filter(status__in=TaskOrder.OPEN_STATUSES)),
    }


PANELS = (
    Panel("operation_invitations", "operations/includes/dashboard_invitations.html", my_invitations, order=5),
    Panel("operation_shops", "operations/includes/dashboard_shops.html", my_shops, order=6),
    Panel("operation_accounts", "operations/includes/dashboard_accounts.html", shop_operation_accounts, order=70),
)
