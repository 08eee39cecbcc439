"""The tenant lock: every write that counts seats or changes a tenant's structure takes it first,
always before any other lock (STYLE 5). The org chart adds its own after it (``orgchart.locks``)."""

import hashlib

from django.db import connection

from .models import Tenant


def lock_tenant(tenant):
    """Lock the tenant row until the transaction ends and return the fresh row."""
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def lock_sign_ups_from(network):
    """Serialise sign-ups from one network (``utilities.request_context.network_of``) until the
    transaction ends, so that a burst of parallel requests cannot all pass the count of recent
    sign-ups at once. A PostgreSQL advisory lock keyed by the network; SQLite's write
    transactions (``BEGIN IMMEDIATE``) already serialise every writer."""
    if network and connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"sign-up:{network}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
