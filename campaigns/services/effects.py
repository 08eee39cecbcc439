"""Effect data (R-30): the platform's daily CSV report, and the demo generator."""

import csv
import datetime
import io
import random
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from utilities.exports import decode_text_upload
from accounts.services.audit import audit_record
from utilities.numbers import column_bounds
from utilities.text import normalize_identifier

from .. import rollups
from ..models import EffectDaily, EnrolledProduct
from .alerts import EVENT_SERVICE_FEE_RISK, product_alert

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
METRICS = ["clicks", "paid_orders", "paid_amount", "estimated_service_fee"]
METRIC_BOUNDS = {key: column_bounds(EffectDaily._meta.get_field(key)) for key in METRICS}

# The platform's report uses Chinese headers; English ones are accepted too.
COLUMNS = {
    "date": ("date", "日期"),
    "campaign_id": ("campaign_id", "活动ID"),
    "product_id": ("product_id", "商品ID"),
    "clicks": ("clicks", "点击数"),
    "paid_orders": ("paid_orders", "付款笔数"),
    "paid_amount": ("paid_amount", "付款金额"),
    "estimated_service_fee": ("estimated_service_fee", "预估服务费"),
}
TEMPLATE_HEADER = [names[1] for names in COLUMNS.values()]


class UploadRowErrors(ValidationError):
    """Every bad row of an upload, as ``(line number, message)`` pairs; nothing was stored."""

    def __init__(self, rows):
        self.rows = rows
        super().__init__([f"{line}: {message}" for line, message in rows])


def decode_upload(raw):
    return decode_text_upload(raw, max_bytes=MAX_UPLOAD_BYTES)


def _header_map(header):
    normalized = [h.strip().lower() for h in header]
    mapping, missing = {}, []
    for key, names in COLUMNS.items():
        for name in names:
            if name.lower() in normalized:
                mapping[key] = normalized.index(name.lower())
                break
        else:
            missing.append(names[1])
    if missing:
        raise ValidationError(_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})
    return mapping


def _parse_row(values, mapping, line, products):
    def cell(key):
        index = mapping[key]
        return values[index].strip() if index < len(values) else ""

    errors = []
    try:
        day = datetime.date.fromisoformat(normalize_identifier(cell("date")))
    except ValueError:
        errors.append(_("date %(value)r is not YYYY-MM-DD") % {"value": cell("date")})
        day = None
    product = products.get((normalize_identifier(cell("campaign_id")), normalize_identifier(cell("product_id"))))
    if product is None:
        errors.append(
            _("product %(product)s is not an approved product of campaign %(campaign)s")
            % {"product": cell("product_id") or "—", "campaign": cell("campaign_id") or "—"}
        )
    elif day is not None and day < product.campaign.starts_on:
        errors.append(
            _("date %(date)s is before campaign %(campaign)s starts on %(starts)s")
            % {"date": day.isoformat(), "campaign": product.campaign_id, "starts": product.campaign.starts_on.isoformat()}
        )
    numbers = {}
    for key in METRICS:
        raw = normalize_identifier(cell(key)).replace(",", "")
        whole = key in ("clicks", "paid_orders")
        try:
            value = int(raw) if whole else Decimal(raw).quantize(Decimal("0.01"))
            if value < 0:
                raise ValueError
        except (ValueError, InvalidOperation):
            message = (
                _("%(column)s %(value)r is not a whole number of 0 or more")
                if whole
                else _("%(column)s %(value)r is not a non-negative number")
            )
            errors.append(message % {"column": COLUMNS[key][1], "value": raw})
            continue
        highest = METRIC_BOUNDS[key][1]
        if value > highest:
            errors.append(
                _("%(column)s %(value)s is larger than the most that can be stored (%(highest)s)")
                % {"column": COLUMNS[key][1], "value": raw, "highest": highest}
            )
            continue
        numbers[key] = value
    if errors:
        return None, [(line, "; ".join(str(e) for e in errors))]
    return {"product": product, "date": day, **numbers}, []


@transaction.atomic
def effect_upload(*, actor, tenant, raw):
    """Store every row of the platform's daily report or none (R-30); return the number of rows.

    A row for a product and day that already exists replaces it, so re-uploading a corrected
    report is safe.
    """
    if not (actor.is_owner and actor.tenant_id == tenant.pk):
        raise PermissionDenied
    reader = csv.reader(io.StringIO(decode_upload(raw)))
    header = next(reader, None)
    if not header:
        raise ValidationError(_("The file is empty."))
    mapping = _header_map(header)
    products = {
        (str(p.campaign_id), p.product_id): p
        for p in EnrolledProduct.objects.filter(tenant=tenant, status=EnrolledProduct.Status.APPROVED).select_related(
            "contact_person", "campaign"
        )
    }
    rows, errors, seen = [], [], {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        parsed, row_errors = _parse_row(values, mapping, line, products)
        if row_errors:
            errors.extend(row_errors)
            continue
        key = (parsed["product"].pk, parsed["date"])
        if key in seen:
            errors.append((line, _("the same product and day is already on line %(line)d") % {"line": seen[key]}))
            continue
        seen[key] = line
        rows.append(parsed)
    if errors:
        raise UploadRowErrors(errors)
    if not rows:
        raise ValidationError(_("The file has a header but no data rows."))
    existing = {
        (e.product_id, e.date): e
        for e in EffectDaily.objects.filter(
            tenant=tenant,
            product_id__in={r["product"].pk for r in rows},
            date__in={r["date"] for r in rows},
        )
    }
    to_create, to_update = [], []
    for row in rows:
        current = existing.get((row["product"].pk, row["date"]))
        if current is None:
            to_create.append(
                EffectDaily(tenant=tenant, product=row["product"], campaign_id=row["product"].campaign_id, date=row["date"], **{k: row[k] for k in METRICS})
            )
        else:
            for key in METRICS:
                setattr(current, key, row[key])
            to_update.append(current)
    EffectDaily.objects.bulk_create(to_create, batch_size=2000)
    EffectDaily.objects.bulk_update(to_update, METRICS, batch_size=2000)
    rollups.refresh_dates(
        tenant.pk, {row["date"] for row in rows}, campaign_ids={row["product"].campaign_id for row in rows}
    )
    audit_record(
        actor=actor,
        tenant=tenant,
        action="effect.upload",
        target=tenant,
        after={"rows": len(rows), "created": len(to_create), "updated": len(to_update)},
    )
    risky = {r["product"].pk: r["product"] for r in rows if r["paid_orders"] > 0 and r["estimated_service_fee"] == 0}
    for product in risky.values():
        product_alert(
            product=product,
            event=EVENT_SERVICE_FEE_RISK,
            detail=_("Paid orders came in with no estimated service fee: check the service-fee settings."),
        )
    return len(rows)


def effect_generate_demo(*, tenant, days=90, today=None, seed=2026):
    """Fill ``days`` days of plausible metrics for every approved product; existing days are kept."""
    today = today or timezone.localdate()
    products = list(
        EnrolledProduct.objects.filter(tenant=tenant, status=EnrolledProduct.Status.APPROVED).only(
            "pk", "campaign_id", "price", "proposed_commission_rate"
        )
    )
    rng = random.Random(seed)
    rows = []
    for product in products:
        base = rng.randint(20, 400)
        for offset in range(days):
            day = today - datetime.timedelta(days=offset)
            clicks = max(0, int(base * (0.6 + rng.random() * 0.8)))
            orders = max(0, int(clicks * rng.uniform(0.01, 0.08)))
            amount = (product.price * orders).quantize(Decimal("0.01"))
            fee = (amount * product.proposed_commission_rate / Decimal(100) * Decimal("0.1")).quantize(Decimal("0.01"))
            rows.append(
                EffectDaily(
                    tenant=tenant,
                    product_id=product.pk,
                    campaign_id=product.campaign_id,
                    date=day,
                    clicks=clicks,
                    paid_orders=orders,
                    paid_amount=amount,
                    estimated_service_fee=fee,
                )
            )
    EffectDaily.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    rollups.refresh_dates(tenant.pk, {row.date for row in rows}, campaign_ids={row.campaign_id for row in rows})
    return len(rows)
