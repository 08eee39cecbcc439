"""The dashboard: what needs doing, one panel per item (issue 17).

Each panel is a function ``(request) -> dict | None`` and a template; ``None`` means the viewer
has nothing to see there (no right, nothing in scope). Apps that build on ``accounts`` register
their panels from ``AppConfig.ready`` (as they register menu entries in ``navigation``), so the
dashboard shows campaign figures without ``accounts`` importing ``campaigns``.

Every panel reads through the same visibility entry points as the list page it links to
(``accounts.selectors``, ``campaigns.visibility``), counts at most ``COUNT_CAP`` rows and reads
a fixed number of queries whatever the tenant's size (R-41).
"""

from dataclasses import dataclass
from typing import Callable

from django.db.models import Value
from django.utils.translation import gettext_lazy as _

from . import permissions as catalogue

COUNT_CAP = 99  # a dashboard count stops here: "99+" says enough and costs a LIMIT 100


@dataclass(frozen=True)
class Panel:
    """One dashboard item: ``build(request)`` returns the template's ``panel`` context or ``None``."""

    key: str
    template: str
    build: Callable
    order: int = 100


PANELS = []


def register(*panels):
    """Add panels (from another app's ``ready``); a panel of the same ``key`` is replaced."""
    for panel in panels:
        PANELS[:] = [p for p in PANELS if p.key != panel.key]
        PANELS.append(panel)
    PANELS.sort(key=lambda p: (p.order, p.key))


def capped_count(queryset, cap=COUNT_CAP):
    """``{"count": n, "capped": bool}`` counting at most ``cap`` rows of ``queryset`` (one query)."""
    counted = queryset.order_by()[: cap + 1].count()
    return {"count": min(counted, cap), "capped": counted > cap}


def panels_for(request):
    """The panels ``request.user`` sees, in order: ``[{"key", "template", "panel": {...}}]``."""
    shown = []
    for panel in PANELS:
        context = panel.build(request)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "panel": context})
    return shown


# The panels of the accounts app ------------------------------------------------------------

LIST_LENGTH = 5


def _owner_only(build):
    def wrapper(request):
        return build(request) if request.user.is_owner else None

    return wrapper


def _seats(request):
    from .selectors import seat_usage

    return seat_usage(request.user)


def _listed(queryset, **extra):
    """A capped count and the first ``LIST_LENGTH`` rows: two queries, none per row."""
    counted = capped_count(queryset)
    rows = list(queryset[:LIST_LENGTH]) if counted["count"] else []
    return {**counted, "rows": rows, **extra}


@_owner_only
def _invitations(request):
    from .selectors import pending_invitations_for

    return _listed(pending_invitations_for(request.user))


@_owner_only
def _freezing(request):
    from .selectors import accounts_freezing_for

    return _listed(accounts_freezing_for(request.user))


@_owner_only
def _failed_deliveries(request):
    from .selectors import failed_deliveries_for

    return _listed(failed_deliveries_for(request.user).select_related("notification"))


def _alerts(request):
    from .selectors import unread_alerts_for

    # Commission alerts reach only those who hold the right to receive them.
    if not request.user.is_staff_account or not request.user.has_perm(catalogue.perm(catalogue.COMMISSION_ALERTS)):
        return None
    return _listed(unread_alerts_for(request.user))


@_owner_only
def _audit(request):
    from .selectors import audit_entries_visible_to

    # Newest first, read through the (tenant, -created_at) index.
    return {"rows": list(audit_entries_visible_to(request.user)[:LIST_LENGTH])}


# First steps (issue 26) ---------------------------------------------------------------------


@dataclass(frozen=True)
class FirstStep:
    """One step of a new tenant's checklist: ``done(tenant)`` returns a boolean query expression
    (an ``Exists`` or a ``Value``), so that every step is answered by the same single query."""

    key: str
    label: str
    url_name: str
    done: Callable
    order: int = 100


FIRST_STEPS = []


def register_steps(*steps):
    """Add first steps (from another app's ``ready``); a step of the same ``key`` is replaced."""
    for step in steps:
        FIRST_STEPS[:] = [s for s in FIRST_STEPS if s.key != step.key]
        FIRST_STEPS.append(step)
    FIRST_STEPS.sort(key=lambda s: (s.order, s.key))


@_owner_only
def _first_steps(request):
    """The checklist a new main account works through, ticked from its data, or ``None`` once
    every step is done. Shape: ``{"steps": [{"key", "label", "url_name", "done"}], "done": n,
    "total": n}``. One query whatever the number of steps."""
    from .models import Tenant

    tenant = request.user.tenant
    if tenant is None:
        return None
    expressions = {f"step_{step.key}": step.done(tenant) for step in FIRST_STEPS}
    answers = Tenant.objects.filter(pk=tenant.pk).annotate(**expressions).values(*expressions).first() or {}
    steps = [
        {"key": step.key, "label": step.label, "url_name": step.url_name, "done": bool(answers.get(f"step_{step.key}"))}
        for step in FIRST_STEPS
    ]
    done = sum(step["done"] for step in steps)
    if done == len(steps):
        return None
    return {"steps": steps, "done": done, "total": len(steps)}


register_steps(
    FirstStep(
        "dingtalk",
        _("Fill in your DingTalk info"),
        "accounts:dingtalk",
        lambda tenant: Value(tenant.has_dingtalk_info),
        order=10,
    ),
)


register(
    Panel("first_steps", "accounts/includes/dashboard_first_steps.html", _first_steps, order=5),
    Panel("seats", "accounts/includes/dashboard_seats.html", _seats, order=10),
    Panel("failed_deliveries", "accounts/includes/dashboard_deliveries.html", _failed_deliveries, order=30),
    Panel("invitations", "accounts/includes/dashboard_invitations.html", _invitations, order=40),
    Panel("freezing", "accounts/includes/dashboard_freezing.html", _freezing, order=50),
    Panel("alerts", "accounts/includes/dashboard_alerts.html", _alerts, order=25),
    Panel("audit", "accounts/includes/dashboard_audit.html", _audit, order=90),
)
