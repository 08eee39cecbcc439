"""Keep the daily effect rollups equal to the sums of ``EffectDaily`` (R-31 at R-41 scale).

* ``EffectByContact`` (day, contact person): reports by day, contact person and department.
* ``EffectByCampaignContact`` (day, campaign, contact person): a staff member's report by campaign.
* ``EffectByCampaign`` (day, campaign): the main account's report by campaign.

A product's contact person decides who sees its figures (R-28), so a viewer's report is a sum
over the rollup rows of the contact persons in their scope instead of over millions of daily
rows. Every write that changes effect rows or a product's contact person calls one of these
functions inside its transaction; each recomputes only the slice it touched with INSERT … SELECT,
and passes the change on to the 7/30/90-day totals of ``campaigns.windows``.
"""

import datetime

from django.db import connection
from django.utils import timezone

from . import windows
from .models import EffectByCampaign, EffectByCampaignContact, EffectByContact, EffectDaily, EnrolledProduct

SUMS = "SUM(e.clicks), SUM(e.paid_orders), SUM(e.paid_amount), SUM(e.estimated_service_fee)"
COLUMNS = "clicks, paid_orders, paid_amount, estimated_service_fee"
EFFECTS = EffectDaily._meta.db_table
PRODUCTS = EnrolledProduct._meta.db_table

# (rollup, its key columns in the rollup, the same columns in the SELECT over effects ⨝ products)
ROLLUPS = (
    (EffectByContact, "contact_person_id", "p.contact_person_id"),
    (EffectByCampaignContact, "campaign_id, contact_person_id", "e.campaign_id, p.contact_person_id"),
    (EffectByCampaign, "campaign_id", "e.campaign_id"),
)
BY_CONTACT = ROLLUPS[:2]


def _in(values):
    return ", ".join(["%s"] * len(values))


def _rebuild(rollups, where, params):
    """Re-insert ``rollups``' rows from the effect rows matching ``where`` (over ``e`` and ``p``)."""
    with connection.cursor() as cursor:
        for model, keys, selected in rollups:
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} (tenant_id, date, {keys}, {COLUMNS}) "
                f"SELECT e.tenant_id, e.date, {selected}, {SUMS} FROM {EFFECTS} e "
                f"JOIN {PRODUCTS} p ON p.id = e.product_id WHERE {where} "
                f"GROUP BY e.tenant_id, e.date, {selected}",
                params,
            )


def refresh_dates(tenant_id, dates, campaign_ids=None):
    """Recompute every rollup of ``tenant_id`` for ``dates`` (after an upload or generator run);
    ``campaign_ids``, when given, are the only campaigns whose rows changed."""
    dates = sorted(set(dates))
    if not dates:
        return
    for model, _keys, _selected in ROLLUPS:
        model.objects.filter(tenant_id=tenant_id, date__in=dates).delete()
    _rebuild(ROLLUPS, f"e.tenant_id = %s AND e.date IN ({_in(dates)})", [tenant_id, *dates])
    if _in_windows(dates):
        windows.refresh(tenant_id, campaign_ids=campaign_ids)


def _in_windows(dates):
    """Whether any of ``dates`` falls in the longest period the windows sum (today included)."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=max(windows.RANGES) - 1)
    return any(first <= date <= today for date in dates)


def refresh_contacts(tenant_id, contact_ids, dates=None, campaign_ids=None):
    """Recompute the per-contact rollups for ``contact_ids`` (``None`` for products with no
    contact person), on ``dates`` only when given: after a hand-over or a review moved products.
    ``campaign_ids``, when given, are the only campaigns whose products moved."""
    contact_ids = set(contact_ids)
    people = sorted(c for c in contact_ids if c is not None)
    conditions, params = [], []
    if people:
        conditions.append(f"p.contact_person_id IN ({_in(people)})")
        params += people
    if None in contact_ids:
        conditions.append("p.contact_person_id IS NULL")
    if not conditions:
        return
    where = f"e.tenant_id = %s AND ({' OR '.join(conditions)})"
    params = [tenant_id, *params]
    if dates is not None:
        dates = sorted(set(dates))
        if not dates:
            return
        where += f" AND e.date IN ({_in(dates)})"
        params += dates
    for model, _keys, _selected in BY_CONTACT:
        stale = model.objects.filter(tenant_id=tenant_id)
        if dates is not None:
            stale = stale.filter(date__in=dates)
        people_q = stale.filter(contact_person_id__in=people) if people else stale.none()
        people_q.delete()
        if None in contact_ids:
            stale.filter(contact_person__isnull=True).delete()
    _rebuild(BY_CONTACT, where, params)
    if dates is None or _in_windows(dates):
        windows.refresh(tenant_id, contact_ids, campaign_ids=campaign_ids)


def refresh_product(product, previous_contact_id=None):
    """A product changed contact person (review): move its days from the old contact's rows to the new one's."""
    dates = list(EffectDaily.objects.filter(product=product).values_list("date", flat=True).distinct())
    if dates:
        refresh_contacts(
            product.tenant_id, {previous_contact_id, product.contact_person_id}, dates, campaign_ids=[product.campaign_id]
        )


def refresh_tenant(tenant_id):
    """Rebuild every rollup row of a tenant (tests, repairs and the benchmark loader)."""
    for model, _keys, _selected in ROLLUPS:
        model.objects.filter(tenant_id=tenant_id).delete()
    _rebuild(ROLLUPS, "e.tenant_id = %s", [tenant_id])
    windows.refresh(tenant_id)
