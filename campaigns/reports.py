"""Effect reports (R-31): totals by day, campaign, contact person or department within the
viewer's data scope, a server-side SVG trend chart, and the rows an export writes."""

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import windows
from .models import Campaign, EffectByCampaign, EffectByCampaignContact, EffectByContact, EffectWindow
from .visibility import effect_reader, effect_rows_visible_to, viewer_scope

GROUPINGS = {
    "day": (_("Day"), ["date"]),
    "campaign": (_("Campaign"), ["campaign_id"]),  # titles are read for the shown rows only
    "contact": (_("Contact person"), ["contact_person_id", "contact_person__display_name", "contact_person__username"]),
    "department": (_("Department"), ["contact_person__department_id"]),
}
RANGES = windows.RANGES  # the periods a report offers are the ones kept summed
SUMS = {
    "clicks": Sum("clicks"),
    "paid_orders": Sum("paid_orders"),
    "paid_amount": Sum("paid_amount"),
    "estimated_service_fee": Sum("estimated_service_fee"),
}
MAX_ROWS = 500


def period(days, today=None):
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=days - 1), today


def _label(group_by, row, names):
    if group_by == "day":
        return row["date"].isoformat()
    if group_by == "campaign":
        return names.get(row["campaign_id"], "")
    if group_by == "contact":
        return row["contact_person__display_name"] or row["contact_person__username"] or _("(none)")
    return names.get(row["contact_person__department_id"], _("(none)"))


def build_report(user, *, group_by="day", days=30, today=None):
    """Return ``{"rows": [...], "totals": {...}, "series": [(date, amount)], ...}`` for ``user``."""
    from orgchart.forms import departments_with_paths

    if group_by not in GROUPINGS:
        group_by = "day"
    if days not in RANGES:
        days = 30
    start, end = period(days, today)
    # Daily totals per contact person carry the viewer's whole scope in a few rows. The campaign
    # grouping reads the period's totals (campaigns.windows): per campaign as they are for the
    # main account, summed over the contact persons in scope for staff. Until those are rebuilt
    # for today it sums the daily rollups (per campaign for the main account).
    scope = viewer_scope(user)
    totals_rows = effect_rows_visible_to(user, EffectByContact, scope).filter(date__gte=start, date__lte=end)
    fields = GROUPINGS[group_by][1]
    if group_by == "campaign" and effect_reader(user) and windows.current(user.tenant_id, end):
        source = effect_rows_visible_to(user, EffectWindow, scope).filter(
            days=days, as_of=end, all_contacts=user.is_owner
        )
    elif group_by == "campaign":
        source = (
            EffectByCampaign.objects.filter(tenant_id=user.tenant_id)
            if user.is_owner
            else effect_rows_visible_to(user, EffectByCampaignContact, scope)
        ).filter(date__gte=start, date__lte=end)
    else:
        source = totals_rows
    if source.model is EffectWindow and user.is_owner:
        grouped = source.values(*fields, *SUMS).order_by("-paid_amount", *fields)  # one row per campaign already
    else:
        grouped = source.values(*fields).annotate(**SUMS)
        grouped = grouped.order_by(*(["date"] if group_by == "day" else ["-paid_amount", fields[0]]))
    shown = list(grouped[:MAX_ROWS])
    names = {}
    if group_by == "department" and user.tenant_id:
        names = {d.pk: d.path for d in departments_with_paths(user.tenant)}
    elif group_by == "campaign" and shown:
        # Joining the titles before grouping cost a lookup per summed row (57,000 at R-41 scale).
        names = dict(Campaign.objects.filter(pk__in=[row["campaign_id"] for row in shown]).values_list("pk", "title"))
    rows = []
    for row in shown:
        rows.append(
            {
                # str(): "(none)" is a lazy translation, which openpyxl cannot write to a cell.
                "label": str(_label(group_by, row, names)),
                **{key: row[key] or 0 for key in SUMS},
            }
        )
    totals = {key: value or 0 for key, value in totals_rows.aggregate(**SUMS).items()}
    series_rows = {
        r["date"]: r["paid_amount"] or Decimal("0")
        for r in totals_rows.values("date").annotate(paid_amount=Sum("paid_amount")).order_by()
    }
    series = [(start + datetime.timedelta(days=i), series_rows.get(start + datetime.timedelta(days=i), Decimal("0"))) for i in range(days)]
    return {
        "group_by": group_by,
        "group_label": GROUPINGS[group_by][0],
        "days": days,
        "start": start,
        "end": end,
        "rows": rows,
        "truncated": len(rows) >= MAX_ROWS,
        "totals": totals,
        "series": series,
    }


def export_rows(report):
    """The table exactly as shown: the grouped rows, then the total line."""
    for row in report["rows"]:
        yield [row["label"], row["clicks"], row["paid_orders"], row["paid_amount"], row["estimated_service_fee"]]
    totals = report["totals"]
    yield [str(_("Total")), totals["clicks"], totals["paid_orders"], totals["paid_amount"], totals["estimated_service_fee"]]


def export_header(report):
    return [
        str(report["group_label"]),
        str(_("Clicks")),
        str(_("Paid orders")),
        str(_("Paid amount (¥)")),
        str(_("Estimated service fee (¥)")),
    ]


def trend_svg(series, width=720, height=220, pad=40):
    """Render the paid-amount trend as a small, dependency-free SVG line chart."""
    from django.utils.html import escape

    if not series:
        return ""
    values = [float(v) for _, v in series]
    top = max(values) or 1.0
    step = (width - 2 * pad) / max(len(series) - 1, 1)
    points = []
    for index, value in enumerate(values):
        x = pad + index * step
        y = height - pad - (value / top) * (height - 2 * pad)
        points.append(f"{x:.1f},{y:.1f}")
    first, last = series[0][0], series[-1][0]
    grid = []
    for fraction in (0, 0.5, 1):
        y = height - pad - fraction * (height - 2 * pad)
        grid.append(
            f'<line x1="{pad}" y1="{y:.1f}" x2="{width - pad}" y2="{y:.1f}" stroke="#d9e2ec" />'
            f'<text x="{pad - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#616e7c">{top * fraction:,.0f}</text>'
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(str(_("Paid amount per day")))}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        + "".join(grid)
        + f'<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{" ".join(points)}" />'
        + f'<text x="{pad}" y="{height - 12}" font-size="11" fill="#616e7c">{first.isoformat()}</text>'
        + f'<text x="{width - pad}" y="{height - 12}" font-size="11" text-anchor="end" fill="#616e7c">{last.isoformat()}</text>'
        + "</svg>"
    )
