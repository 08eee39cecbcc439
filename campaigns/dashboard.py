"""The campaigns app's dashboard panels (``accounts.dashboard``), registered from ``apps.ready``.

* pending reviews: pending products of ``products_visible_to(…, status=PENDING)``, the product
  list's own query, so a reviewer counts only campaigns in their scope (R-27, R-28);
* effect figures: today against the same weekday a week before, and the last 7 days against the
  7 before, summed from the daily per-contact rollup within the viewer's data scope (R-31) in
  one query of at most 14 days × the contact persons in scope.
"""

import datetime

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dashboard import FirstStep, Panel, capped_count, first_rows
from utilities.formatting import exact_figures, percent_change

from accounts import permissions as catalogue

from .models import Campaign, EffectByContact, EnrolledProduct
from .reports import FIGURES, MONEY_FIGURES
from .visibility import effect_reader, effect_rows_visible_to, has_right, products_visible_to, viewer_scope


def _scope(request):
    """The viewer's ``Scope``, read once per request for all panels (never kept across requests)."""
    if not hasattr(request, "_campaigns_scope"):
        request._campaigns_scope = viewer_scope(request.user)
    return request._campaigns_scope


def pending_reviews(request):
    """``{"count", "capped", "rows"}`` of pending products the viewer may review, or ``None``
    for a viewer without the review right. Three queries at most (scope, count, rows)."""
    user = request.user
    if not (user.is_owner or (user.is_staff_account and has_right(user, catalogue.REVIEW_ENROLLMENTS))):
        return None
    pending = products_visible_to(user, _scope(request), status=EnrolledProduct.Status.PENDING)
    counted = capped_count(pending)
    return {**counted, "rows": first_rows(counted, pending.select_related("campaign").order_by("-id"))}


def effect_figures(request, today=None):
    """Today's and the last 7 days' figures against the week before, or ``None`` for a viewer
    who may not read effect data (R-31).

    Shape: ``{"date": today, "rows": [row]}``, a row per figure ``{"key", "label", "money",
    "today", "today_before", "today_change", "week", "week_before", "week_change"}`` with money
    as two-place ``Decimal`` and each ``*_change`` the percentage against the period before
    (``None`` when it had nothing). Two queries (scope, sums).
    """
    user = request.user
    if not effect_reader(user):
        return None
    today = today or timezone.localdate()
    week_start = today - datetime.timedelta(days=6)
    before_start = week_start - datetime.timedelta(days=7)
    same_day_before = today - datetime.timedelta(days=7)
    windows = {
        "today": Q(date=today),
        "today_before": Q(date=same_day_before),
        "week": Q(date__gte=week_start),
        "week_before": Q(date__lt=week_start),
    }
    rows = effect_rows_visible_to(user, EffectByContact, _scope(request)).filter(date__gte=before_start, date__lte=today)
    sums = rows.aggregate(
        **{f"{window}__{key}": Sum(key, filter=condition) for window, condition in windows.items() for key in FIGURES}
    )

    figures = {
        window: exact_figures({key: sums[f"{window}__{key}"] for key in FIGURES}) for window in windows
    }
    rows = []
    for key, label in FIGURES.items():
        row = {"key": key, "label": label, "money": key in MONEY_FIGURES}
        for window in ("today", "week"):
            row[window] = figures[window][key]
            row[f"{window}_before"] = figures[f"{window}_before"][key]
            row[f"{window}_change"] = percent_change(row[window], row[f"{window}_before"])
        rows.append(row)
    return {"date": today, "rows": rows}


PANELS = (
    Panel("pending_reviews", "campaigns/includes/dashboard_reviews.html", pending_reviews, order=20),
    Panel("effect_figures", "campaigns/includes/dashboard_figures.html", effect_figures, order=60),
)

# The last of a new tenant's first steps (issue 26): publish a campaign of its own.
FIRST_STEPS = (
    FirstStep(
        "campaign",
        _("Publish your first campaign"),
        "campaigns:create",
        lambda tenant: Exists(Campaign.objects.filter(tenant=OuterRef("pk"))),
        order=60,
    ),
)
