"""Effect totals of the last 7, 30 and 90 days per campaign and contact person (R-31 at R-41 scale).

The report by campaign ranks every campaign in the viewer's scope by paid amount over the
period. Summed from the daily rollup that is a row per campaign and day (600,000 rows for a
30-day report of the R-41 tenant, about 900 ms); ``EffectWindow`` holds one row per campaign,
contact person and period instead, for the current day, plus one per campaign and period for
all contact persons together (``all_contacts``): the main account's report reads those as they
are, without summing 57,000 rows at query time.

* ``rebuild(tenant_id)`` recomputes a tenant's rows for today and marks them complete.
* ``refresh(tenant_id, contact_ids, campaign_ids)`` keeps complete rows equal to the rollups
  after a write, recomputing only the contact persons and campaigns it touched;
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


def _insert(tenant_id, today, where="", params=(), per_contact=True):
    """Insert the rows of ``tenant_id`` for ``today`` from the daily rollup, limited by ``where``:
    per campaign and contact person, or (``per_contact=False``) per campaign for all of them.

    One pass over the longest period sums all three (conditional sums), and on PostgreSQL with
    enough memory to hash the groups: at R-41 scale 4.6 M daily rows become 160,000 totals.
    """
    figures = COLUMNS.split(", ")
    starts = {days: today - datetime.timedelta(days=days - 1) for days in RANGES}
    sums, sum_params = [], []
    for days in RANGES:
        sums.append(f"SUM(CASE WHEN date >= %s THEN 1 ELSE 0 END) AS n{days}")
        sum_params.append(starts[days])
        for figure in figures:
            sums.append(f"SUM(CASE WHEN date >= %s THEN {figure} ELSE 0 END) AS {figure}{days}")
            sum_params.append(starts[days])
    keys = "campaign_id, contact_person_id" if per_contact else "campaign_id"
    contact = "contact_person_id" if per_contact else "CAST(NULL AS BIGINT)"
    selects, select_params = [], []
    for days in RANGES:
        selects.append(
            f"SELECT %s, %s, %s, %s, campaign_id, {contact}, {', '.join(f + str(days) for f in figures)} "
            f"FROM sums WHERE n{days} > 0"
        )
        select_params += [tenant_id, today, days, not per_contact]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(
            f"WITH sums AS (SELECT {keys}, {', '.join(sums)} "
            f"FROM {EffectByCampaignContact._meta.db_table} "
            f"WHERE tenant_id = %s AND date >= %s AND date <= %s{where} "
            f"GROUP BY {keys}) "
            f"INSERT INTO {EffectWindow._meta.db_table} "
            f"(tenant_id, as_of, days, all_contacts, campaign_id, contact_person_id, {COLUMNS}) "
            + " UNION ALL ".join(selects),
            [*sum_params, tenant_id, starts[max(RANGES)], today, *params, *select_params],
        )


def rebuild(tenant_id, today=None):
    """Recompute every row of ``tenant_id`` for ``today`` and mark them complete."""
    today = today or timezone.localdate()
    with transaction.atomic():
        EffectWindowState.objects.bulk_create([EffectWindowState(tenant_id=tenant_id)], ignore_conflicts=True)
        EffectWindowState.objects.select_for_update().get(tenant_id=tenant_id)
        EffectWindow.objects.filter(tenant_id=tenant_id).delete()
        _insert(tenant_id, today)
        _insert(tenant_id, today, per_contact=False)
        EffectWindowState.objects.filter(tenant_id=tenant_id).update(as_of=today)


def refresh(tenant_id, contact_ids=None, campaign_ids=None):
    """The daily rollup of ``tenant_id`` changed for ``contact_ids`` (``None`` in the set: products
    without a contact person) and ``campaign_ids``; ``None`` for either means any. Recompute
    those rows if the tenant's are complete for today."""
    today = timezone.localdate()
    with transaction.atomic():
        if not EffectWindowState.objects.select_for_update().filter(tenant_id=tenant_id, as_of=today).exists():
            return
        stale = EffectWindow.objects.filter(tenant_id=tenant_id, all_contacts=False)
        parts, params = [], []
        if contact_ids is not None:
            people = sorted(c for c in contact_ids if c is not None)
            condition, alternatives = Q(pk__in=[]), []
            if people:
                condition |= Q(contact_person_id__in=people)
                alternatives.append(f"contact_person_id IN ({_in(people)})")
                params += people
            if None in contact_ids:
                condition |= Q(contact_person__isnull=True)
                alternatives.append("contact_person_id IS NULL")
            if not alternatives:
                return
            stale = stale.filter(condition)
            parts.append(f"({' OR '.join(alternatives)})")
        whole = EffectWindow.objects.filter(tenant_id=tenant_id, all_contacts=True)
        campaign_part, campaign_params = [], []
        if campaign_ids is not None:
            campaigns = sorted(set(campaign_ids))
            if not campaigns:
                return
            stale = stale.filter(campaign_id__in=campaigns)
            whole = whole.filter(campaign_id__in=campaigns)
            campaign_part, campaign_params = [f"campaign_id IN ({_in(campaigns)})"], campaigns
        stale.delete()
        where = "".join(f" AND {part}" for part in [*parts, *campaign_part])
        _insert(tenant_id, today, where, [*params, *campaign_params])
        if contact_ids is None:
            # Products moving between contact persons leave a campaign's totals as they are.
            whole.delete()
            _insert(tenant_id, today, "".join(f" AND {part}" for part in campaign_part), campaign_params, per_contact=False)


def _in(values):
    return ", ".join(["%s"] * len(values))


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
