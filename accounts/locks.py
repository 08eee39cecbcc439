"""The tenant lock: every write that counts seats or changes a tenant's structure takes it first,
always before any other lock (STYLE 5). The org chart adds its own after it (``orgchart.locks``)."""

from .models import Tenant


def lock_tenant(tenant):
    """Lock the tenant row until the transaction ends and return the fresh row."""
    return Tenant.objects.select_for_update().get(pk=tenant.pk)
