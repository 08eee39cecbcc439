"""Effect reports (R-31): totals by day, campaign, contact person or department within the
viewer's data scope, a server-side SVG trend chart, and the rows an export writes.

Every summed figure passes through ``utilities.formatting.exact_figures``: on SQLite a ``Sum`` of
a ``DecimalField`` comes back through a float (``9860.46999999999``), so money is quantized to
two places here, once, and pages and exports receive exact ``Decimal`` values.

The chart is SVG written on the server (``trend_svg``) rather than a JavaScript library: it is
readable without JavaScript, costs no download, carries each value in a ``<title>`` per point
(a native tooltip and what screen readers read), prints, and the same numbers as the table
below it come from one place. ``static/js/chart.js`` only adds a styled tooltip.
"""

import datetime

from django.db import connections
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from utilities.formatting import exact_figures, format_count, format_money, percent_change

from . import windows
from .models import EffectByCampaign, EffectByCampaignContact, EffectByContact, EffectWindow
from .visibility import campaign_titles_for, effect_reader, effect_rows_visible_to, viewer_scope

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
FIGURES = {
    "clicks": _("Clicks"),
    "paid_orders": _("Paid orders"),
    "paid_amount": _("Paid amount (¥)"),
    "estimated_service_fee": _("Estimated service fee (¥)"),
}
MONEY_FIGURES = ("paid_amount", "estimated_service_fee")
DEFAULT_FIGURE = "paid_amount"


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


# Summing rows into thousands of campaigns, PostgreSQL's hash aggregate keeps a NUMERIC sum state
# per campaign: a level-1 admin's 90 days at R-41 scale (9,209 rows into 8,081 campaigns) took
# 18.6 ms, where the same rows sorted by campaign and summed one campaign after another took
# 11.5 ms (bench/results/2026-12-07-page-cost-fifth-pass.md). The planner prefers the hash; rows
# that arrive sorted (a subquery kept by ``OFFSET 0``) need no hash table.
_RANKED_SQL = (
    "SELECT s.campaign_id, SUM(s.clicks), SUM(s.paid_orders), SUM(s.paid_amount), SUM(s.estimated_service_fee) "
    "FROM ({rows} OFFSET 0) s GROUP BY s.campaign_id ORDER BY 4 DESC, 1 LIMIT %s"
)


def ranked_campaigns(source, limit=MAX_ROWS):
    """The ``limit`` campaigns of ``source`` (a filtered queryset of rows with ``campaign_id`` and
    the four figures: ``EffectWindow``, ``EffectByCampaign``, ``EffectByCampaignContact``) with
    the largest summed paid amount, ties by campaign id: ``[{"campaign_id", "clicks",
    "paid_orders", "paid_amount", "estimated_service_fee"}]``, the sums as the database returns
    them (``exact_figures`` makes them exact). One query."""
    connection = connections[source.db]
    if connection.vendor != "postgresql":
        return list(source.values("campaign_id").annotate(**SUMS).order_by("-paid_amount", "campaign_id")[:limit])
    rows = source.order_by("campaign_id").values_list("campaign_id", *SUMS)
    sql, params = rows.query.get_compiler(using=source.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(_RANKED_SQL.format(rows=sql), [*params, limit])
        return [dict(zip(("campaign_id", *SUMS), row)) for row in cursor.fetchall()]


def build_report(user, *, group_by="day", days=30, today=None, figure=DEFAULT_FIGURE):
    """Return the report of ``user``'s data scope over the last ``days`` days ending ``today``.

    Shape: ``{"group_by", "group_label", "days", "start", "end", "figure", "figure_label",
    "rows": [{"label", "clicks", "paid_orders", "paid_amount", "estimated_service_fee"}],
    "truncated", "totals": {figure: value}, "previous_totals": {…}, "changes": {figure: Decimal % or None},
    "series": [(date, value)], "previous_series": [(date, value)]}``. Counts are ``int``, money
    ``Decimal`` with two places on every backend. ``series`` is ``figure`` per day of the period,
    ``previous_series`` the same days of the period before it. Unknown ``group_by``, ``days``
    or ``figure`` fall back to day, 30 and paid amount. R-31.
    """
    from orgchart.forms import departments_with_paths

    if group_by not in GROUPINGS:
        group_by = "day"
    if days not in RANGES:
        days = 30
    if figure not in FIGURES:
        figure = DEFAULT_FIGURE
    start, end = period(days, today)
    previous_start = start - datetime.timedelta(days=days)
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
        # One row per campaign already.
        shown = list(source.values(*fields, *SUMS).order_by("-paid_amount", *fields)[:MAX_ROWS])
    elif group_by == "campaign":
        shown = ranked_campaigns(source)
    else:
        grouped = source.values(*fields).annotate(**SUMS)
        shown = list(grouped.order_by(*(["date"] if group_by == "day" else ["-paid_amount", fields[0]]))[:MAX_ROWS])
    names = {}
    if group_by == "department" and user.tenant_id:
        names = {d.pk: d.path for d in departments_with_paths(user.tenant)}
    elif group_by == "campaign" and shown:
        # Joining the titles before grouping cost a lookup per summed row (57,000 at R-41 scale).
        names = campaign_titles_for(user, [row["campaign_id"] for row in shown])
    rows = []
    for row in shown:
        rows.append(
            {
                # str(): "(none)" is a lazy translation, which openpyxl cannot write to a cell.
                "label": str(_label(group_by, row, names)),
                **exact_figures({key: row[key] for key in SUMS}),
            }
        )
    # One query for both periods, day by day; the totals are summed from it in Python.
    both_periods = effect_rows_visible_to(user, EffectByContact, scope).filter(date__gte=previous_start, date__lte=end)
    by_date = {r["date"]: exact_figures(r) for r in both_periods.values("date").annotate(**SUMS).order_by()}
    zero = exact_figures({key: None for key in SUMS})

    def day_figures(day_start):
        return [(day_start + datetime.timedelta(days=i), by_date.get(day_start + datetime.timedelta(days=i), zero)) for i in range(days)]

    current, previous = day_figures(start), day_figures(previous_start)
    totals = {key: sum((f[key] for _d, f in current), zero[key]) for key in SUMS}
    previous_totals = {key: sum((f[key] for _d, f in previous), zero[key]) for key in SUMS}
    return {
        "group_by": group_by,
        "group_label": GROUPINGS[group_by][0],
        "days": days,
        "start": start,
        "end": end,
        "rows": rows,
        "truncated": len(rows) >= MAX_ROWS,
        "totals": totals,
        "previous_totals": previous_totals,
        "changes": {key: percent_change(totals[key], previous_totals[key]) for key in SUMS},
        "figure": figure,
        "figure_label": FIGURES[figure],
        "series": [(day, f[figure]) for day, f in current],
        "previous_series": [(day, f[figure]) for day, f in previous],
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


def _axis_top(value):
    """A round number at or above ``value`` for the top of the y axis (1, 2, 2.5 or 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10.0 * magnitude


def trend_svg(series, previous_series=(), *, figure=DEFAULT_FIGURE, labels=None, width=720, height=280):
    """Render ``series`` (``[(date, value)]``) and the previous period as an SVG line chart.

    ``labels`` holds the translated ``current``, ``previous`` (legend) and ``axis`` (x axis)
    texts; the y axis is named by ``FIGURES[figure]``. Each point carries a ``<title>`` with its
    date and value (the browser's own tooltip, read by screen readers) and ``data-tip`` for
    ``static/js/chart.js``. Returns "" for an empty series; every text is escaped.
    """
    from django.utils.html import escape

    if not series:
        return ""
    labels = {"current": _("This period"), "previous": _("Previous period"), "axis": _("Date"), **(labels or {})}
    show = format_money if figure in MONEY_FIGURES else format_count
    figure_label = str(FIGURES.get(figure, figure))
    left, right, top_pad, bottom = 78, 16, 40, 56
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [float(v) for _d, v in series] + [float(v) for _d, v in previous_series]
    top = _axis_top(max(values or [0]))
    step = plot_w / max(len(series) - 1, 1)

    def xy(index, value):
        return left + index * step, top_pad + plot_h - (float(value) / top) * plot_h

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="trend" data-figure="{escape(figure)}" '
        f'aria-label="{escape(figure_label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(figure_label)}</title>",
    ]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = top_pad + plot_h - fraction * plot_h
        tick = top * fraction
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid" stroke="#d9e2ec" />'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#616e7c">'
            f"{escape(show(tick) if figure in MONEY_FIGURES else format_count(round(tick)))}</text>"
        )
    # Axis titles: the figure (rotated, left) and the date (below).
    parts.append(
        f'<text class="axis-label" x="14" y="{top_pad + plot_h / 2:.1f}" font-size="12" fill="#323f4b" '
        f'text-anchor="middle" transform="rotate(-90 14 {top_pad + plot_h / 2:.1f})">{escape(figure_label)}</text>'
        f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 8}" font-size="12" fill="#323f4b" '
        f'text-anchor="middle">{escape(str(labels["axis"]))}</text>'
    )
    ticks = sorted({0, (len(series) - 1) // 2, len(series) - 1})
    for index in ticks:
        x, _y = xy(index, 0)
        anchor = "start" if index == 0 else "end" if index == len(series) - 1 else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{top_pad + plot_h + 18}" font-size="11" text-anchor="{anchor}" fill="#616e7c">'
            f"{series[index][0].isoformat()}</text>"
        )
    # Legend, top right: a solid line for this period, a dashed one for the previous.
    legend = [("current", "#1f6feb", ""), ("previous", "#9aa5b1", ' stroke-dasharray="6 4"')]
    if not previous_series:
        legend = legend[:1]
    x = width - right - 300
    for key, colour, dash in legend:
        parts.append(
            f'<g class="legend-item" data-series="{key}"><line x1="{x}" y1="16" x2="{x + 24}" y2="16" stroke="{colour}" '
            f'stroke-width="2"{dash} /><text x="{x + 30}" y="20" font-size="12" fill="#323f4b">'
            f"{escape(str(labels[key]))}</text></g>"
        )
        x += 150
    for key, data, colour, dash in (
        ("previous", previous_series, "#9aa5b1", ' stroke-dasharray="6 4"'),
        ("current", series, "#1f6feb", ""),
    ):
        if not data:
            continue
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in (xy(i, v) for i, (_d, v) in enumerate(data)))
        parts.append(
            f'<polyline class="series" data-series="{key}" fill="none" stroke="{colour}" stroke-width="2"{dash} points="{points}" />'
        )
        series_label = escape(str(labels[key]))
        for index, (day, value) in enumerate(data):
            px, py = xy(index, value)
            tip = f"{day.isoformat()} · {escape(figure_label)}: {escape(show(value))} ({series_label})"
            parts.append(
                f'<circle class="point" data-series="{key}" data-tip="{tip}" cx="{px:.1f}" cy="{py:.1f}" r="4" '
                f'fill="{colour}"><title>{tip}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)
