"""Keep the daily effect rollups (``EffectByContact``, ``EffectByCampaign``) equal to the sums of
``EffectDaily``. Every write that changes effect rows or a product's contact person calls one of
these inside its transaction; each recomputes only the slice it touched with INSERT … SELECT."""

from django.db import connection

from .models import EffectByCampaign, EffectByContact, EffectDaily, EnrolledProduct

SUMS = "SUM(e.clicks), SUM(e.paid_orders), SUM(e.paid_amount), SUM(e.estimated_service_fee)"
COLUMNS = "clicks, paid_orders, paid_amount, estimated_service_fee"


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _in(values):
    return ", ".join(["%s"] * len(values))


def refresh_dates(tenant_id, dates):
    """Recompute both rollups of ``tenant_id`` for ``dates`` (after an upload or generator run)."""
    dates = sorted(set(dates))
    if not dates:
        return
    EffectByContact.objects.filter(tenant_id=tenant_id, date__in=dates).delete()
    EffectByCampaign.objects.filter(tenant_id=tenant_id, date__in=dates).delete()
    where = f"e.tenant_id = %s AND e.date IN ({_in(dates)})"
    _execute(
        f"INSERT INTO {EffectByContact._meta.db_table} (tenant_id, date, contact_person_id, {COLUMNS}) "
        f"SELECT e.tenant_id, e.date, p.contact_person_id, {SUMS} FROM {EffectDaily._meta.db_table} e "
        f"JOIN {EnrolledProduct._meta.db_table} p ON p.id = e.product_id WHERE {where} "
        "GROUP BY e.tenant_id, e.date, p.contact_person_id",
        [tenant_id, *dates],
    )
    _execute(
        f"INSERT INTO {EffectByCampaign._meta.db_table} (tenant_id, date, campaign_id, {COLUMNS}) "
        f"SELECT e.tenant_id, e.date, e.campaign_id, {SUMS} FROM {EffectDaily._meta.db_table} e WHERE {where} "
        "GROUP BY e.tenant_id, e.date, e.campaign_id",
        [tenant_id, *dates],
    )


def refresh_contacts(tenant_id, contact_ids):
    """Recompute the per-contact rollup for ``contact_ids`` (after a hand-over moved products)."""
    contact_ids = sorted({c for c in contact_ids if c is not None})
    if not contact_ids:
        return
    EffectByContact.objects.filter(tenant_id=tenant_id, contact_person_id__in=contact_ids).delete()
    _execute(
        f"INSERT INTO {EffectByContact._meta.db_table} (tenant_id, date, contact_person_id, {COLUMNS}) "
        f"SELECT e.tenant_id, e.date, p.contact_person_id, {SUMS} FROM {EffectDaily._meta.db_table} e "
        f"JOIN {EnrolledProduct._meta.db_table} p ON p.id = e.product_id "
        f"WHERE e.tenant_id = %s AND p.contact_person_id IN ({_in(contact_ids)}) "
        "GROUP BY e.tenant_id, e.date, p.contact_person_id",
        [tenant_id, *contact_ids],
    )


def refresh_product(product):
    """A product changed contact person: recompute the days it has data for."""
    dates = list(EffectDaily.objects.filter(product=product).values_list("date", flat=True).distinct())
    refresh_dates(product.tenant_id, dates)


def refresh_tenant(tenant_id):
    """Rebuild every rollup row of a tenant (tests, repairs and the benchmark loader)."""
    EffectByContact.objects.filter(tenant_id=tenant_id).delete()
    EffectByCampaign.objects.filter(tenant_id=tenant_id).delete()
    dates = EffectDaily.objects.filter(tenant_id=tenant_id).values_list("date", flat=True).distinct()
    refresh_dates(tenant_id, list(dates))
