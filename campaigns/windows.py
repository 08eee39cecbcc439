"""Effect totals of the last 7, 30 and 90 days per campaign and contact person (R-31 at R-41 scale).

The report by campaign ranks every campaign in the viewer's scope by paid amount over the
period. Summed from the daily rollup that is a row per campaign and day (600,000 rows for a
30-day report of the R-41 tenant, about 900 ms); ``EffectWindow`` holds one row per campaign,
contact person and period instead, for the current day.

* ``rebuild(tenant_id)`` recomputes a tenant's rows for today and marks them complete.
* ``refresh(tenant_id, contact_ids)`` keeps complete rows equal to the rollups after a write;
  ``campaigns.rollups`` calls it inside the same transaction. Rows of an earlier day are left
  alone: nothing reads them, and the next rebuild starts from the rollups.
* ``current(tenant_id, today)`` says whether the rows answer a report ending ``today``. When
  they do not (the first report after midnight), it asks the worker for a rebuild, once per
  tenant and day, and the report is summed from the daily rollup meanwhile.
* ``manage.py refresh_effect_windows`` rebuilds every tenant; run it from cron after midnight
  so that the first report of the day is fast too.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import EffectByCampaignContact, EffectWindow, EffectWindowState

RANGES = (7, 30, 90)
COLUMNS = "clicks, paid_orders, paid_amount, estimated_service_fee"
SUMS = "SUM(clicks), SUM(paid_orders), SUM(paid_amount), SUM(estimated_service_fee)"


def _insert(tenant_id, today, where="", params=()):
    """Insert the rows of ``tenant_id`` for ``today`` from the daily rollup, limited by ``where``."""
    with connection.cursor() as cursor:
        for days in RANGES:
            start = today - datetime.timedelta(days=days - 1)
            cursor.execute(
                f"INSERT INTO {EffectWindow._meta.db_table} "
                f"(tenant_id, as_of, days, campaign_id, contact_person_id, {COLUMNS}) "
                f"SELECT tenant_id, %s, %s, campaign_id, contact_person_id, {SUMS} "
                f"FROM {EffectByCampaignContact._meta.db_table} "
                f"WHERE tenant_id = %s AND date >= %s AND date <= %s{where} "
                "GROUP BY tenant_id, campaign_id, contact_person_id",
                [today, days, tenant_id, start, today, *params],
            )


def rebuild(tenant_id, today=None):
    """Recompute every row of ``tenant_id`` for ``today`` and mark them complete."""
    today = today or timezone.localdate()
    with transaction.atomic():
        EffectWindowState.objects.bulk_create([EffectWindowState(tenant_id=tenant_id)], ignore_conflicts=True)
        EffectWindowState.objects.select_for_update().get(tenant_id=tenant_id)
        EffectWindow.objects.filter(tenant_id=tenant_id).delete()
        _insert(tenant_id, today)
        EffectWindowState.objects.filter(tenant_id=tenant_id).update(as_of=today)


def refresh(tenant_id, contact_ids=None):
    """The daily rollup of ``tenant_id`` changed for ``contact_ids`` (``None`` in the set: products
    without a contact person; ``contact_ids=None``: anyone): recompute those rows if complete."""
    today = timezone.localdate()
    with transaction.atomic():
        if not EffectWindowState.objects.select_for_update().filter(tenant_id=tenant_id, as_of=today).exists():
            return
        stale = EffectWindow.objects.filter(tenant_id=tenant_id)
        where, params = "", []
        if contact_ids is not None:
            people = sorted(c for c in contact_ids if c is not None)
            condition, parts = Q(pk__in=[]), []
            if people:
                condition |= Q(contact_person_id__in=people)
                parts.append(f"contact_person_id IN ({', '.join(['%s'] * len(people))})")
                params += people
            if None in contact_ids:
                condition |= Q(contact_person__isnull=True)
                parts.append("contact_person_id IS NULL")
            if not parts:
                return
            stale = stale.filter(condition)
            where = f" AND ({' OR '.join(parts)})"
        stale.delete()
        _insert(tenant_id, today, where, params)


def current(tenant_id, today):
    """Whether ``tenant_id``'s rows answer a report ending ``today``; when they do not and
    ``today`` is today, ask the worker for a rebuild (once per tenant and day)."""
    state = EffectWindowState.objects.filter(tenant_id=tenant_id).values_list("as_of", "requested_for").first()
    if state and state[0] == today:
        return True
    if today == timezone.localdate() and not (state and state[1] == today):
        _request_rebuild(tenant_id, today, exists=state is not None)
    return False


def _request_rebuild(tenant_id, today, exists):
    from .tasks import rebuild_effect_windows

    if not exists:
        EffectWindowState.objects.bulk_create([EffectWindowState(tenant_id=tenant_id)], ignore_conflicts=True)
    # Only the request whose UPDATE changes the row enqueues: concurrent reports ask once.
    asked = EffectWindowState.objects.filter(tenant_id=tenant_id).exclude(requested_for=today).update(requested_for=today)
    if asked:
        transaction.on_commit(lambda: rebuild_effect_windows.enqueue(tenant_id))
