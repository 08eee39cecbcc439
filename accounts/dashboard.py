"""The dashboard: what needs doing, one panel per item (issue 17).

Each panel is a function ``(request) -> dict | None`` and a template; ``None`` means the viewer
has nothing to see there (no right, nothing in scope). Apps that build on ``accounts`` register
their panels from ``AppConfig.ready`` (as they register menu entries in ``navigation``), so the
dashboard shows campaign figures without ``accounts`` importing ``campaigns``.

Every panel reads through the same visibility entry points as the list page it links to
(``accounts.selectors``, ``campaigns.visibility``), counts at most ``COUNT_CAP`` rows and reads
a fixed number of queries whatever the tenant's size (R-41).

The panels are served from a cache kept by the writers (issue 27, ``render_panels``): their HTML
is kept in this process per viewer (the user's ``cache_key``: its row, rights, position and
tenant), per its tenant's data generation (``accounts.data_generation``: moved by database
triggers on every table a panel or the visibility behind it reads), language, script prefix and
day, and for ``CACHE_SECONDS`` at most, for what moves with the clock alone (a verify-by time
coming within the warning window, an invitation expiring).
"""

import contextvars
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from django.db.models import Value
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .data_generation import data_generation

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


class _Batch:
    """The capped counts the panels of one dashboard asked for, counted together in one query."""

    def __init__(self):
        self.pending = []

    def flush(self):
        """Count every pending one: ``SELECT (SELECT count(*) FROM (…) c0), (…) c1, …``."""
        from django.db import connection

        pending, self.pending = [c for c in self.pending if c.value is None], []
        if not pending:
            return
        parts, params = [], []
        for index, count in enumerate(pending):
            sql, sql_params = count.queryset.query.sql_with_params()
            parts.append(f"(SELECT count(*) FROM ({sql}) c{index})")
            params.extend(sql_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        for count, counted in zip(pending, row):
            count.value = counted


_batch = contextvars.ContextVar("dashboard_counts", default=None)


class _Count:
    """A capped count still to be counted with the rest of its dashboard's (``panels_for``)."""

    def __init__(self, queryset, cap, batch):
        self.queryset = queryset.order_by()[: cap + 1]
        self.cap = cap
        self.batch = batch
        self.value = None
        batch.pending.append(self)

    def counted(self):
        """``(count, capped)``, counting the whole batch first if need be."""
        if self.value is None:
            self.batch.flush()
        return min(self.value, self.cap), self.value > self.cap

    # Read before the batch was counted (a panel deciding on it): count the batch now.
    def __bool__(self):
        return bool(self.counted()[0])


class _Capped:
    def __init__(self, count):
        self.count = count

    def __bool__(self):
        return self.count.counted()[1]


class _Rows:
    """The first rows of a list whose capped count is still to come: read only when it is not zero."""

    def __init__(self, count, queryset):
        self.count = count
        self.queryset = queryset

    def rows(self):
        return list(self.queryset[:LIST_LENGTH]) if self.count.counted()[0] else []


def capped_count(queryset, cap=COUNT_CAP):
    """``{"count": n, "capped": bool}`` counting at most ``cap`` rows of ``queryset``.

    While ``panels_for`` builds a dashboard, the count is only noted, and every panel's counts are
    then read in one query (issue 27: nine counts of a dashboard were nine round trips and nine
    executions); the values are filled in before the panels are returned. Elsewhere, one query now.
    """
    batch = _batch.get()
    if batch is None:
        counted = queryset.order_by()[: cap + 1].count()
        return {"count": min(counted, cap), "capped": counted > cap}
    count = _Count(queryset, cap, batch)
    return {"count": count, "capped": _Capped(count)}


def first_rows(counted, queryset):
    """The first ``LIST_LENGTH`` rows of ``queryset`` when ``counted`` (a ``capped_count``) is not
    zero, else ``[]``: no query for an empty list. Inside ``panels_for``, read after the counts."""
    count = counted["count"]
    if isinstance(count, _Count):
        return _Rows(count, queryset)
    return list(queryset[:LIST_LENGTH]) if count else []


def _resolved(value):
    """``value`` with every pending count, flag and row list replaced by what it stands for."""
    if isinstance(value, _Count):
        return value.counted()[0]
    if isinstance(value, _Capped):
        return value.count.counted()[1]
    if isinstance(value, _Rows):
        return value.rows()
    if isinstance(value, dict):
        return {key: _resolved(item) for key, item in value.items()}
    return value


def panels_for(request):
    """The panels ``request.user`` sees, in order: ``[{"key", "template", "panel": {...}}]``.

    Every panel's capped counts are read together in one query (``capped_count``), then each
    non-empty list's first rows."""
    built = []
    token = _batch.set(_Batch())
    try:
        for panel in PANELS:
            context = panel.build(request)
            if context is not None:
                built.append((panel, context))
        _batch.get().flush()
        shown = [{"key": panel.key, "template": panel.template, "panel": _resolved(context)} for panel, context in built]
    finally:
        _batch.reset(token)
    return shown


# The panels' cache (issue 27) ------------------------------------------------------------

CACHE_SECONDS = 60  # what changes with the clock alone shows within a minute
CACHE_ENTRIES = 1024
PANELS_TEMPLATE = "accounts/includes/dashboard_panels.html"
# Kept HTML holds this in place of the CSRF token; each request puts its own in (64 letters and
# digits, so the hole can be nothing else on the page).
CSRF_HOLE = "csrf-hole-of-the-kept-dashboard-panels"

_kept = OrderedDict()
_kept_lock = threading.Lock()


def clear():
    """Forget every kept dashboard of this process (tests)."""
    with _kept_lock:
        _kept.clear()


def _cache_key(user):
    """The key a viewer's panels are kept under, or ``None`` (not kept: no ``cache_key``, as for a
    user not loaded through ``accounts.user_cache``, or no tenant). One query: the generation."""
    user_key = getattr(user, "cache_key", None)
    if user_key is None or user.tenant_id is None:
        return None
    return (user_key, data_generation(user.tenant_id), get_language(), get_script_prefix(), timezone.localdate())


def _kept_html(key):
    with _kept_lock:
        entry = _kept.get(key)
        if entry is None:
            return None
        html, expires = entry
        if expires <= time.monotonic():
            del _kept[key]
            return None
        _kept.move_to_end(key)
        return html


def _keep(key, html):
    with _kept_lock:
        _kept[key] = (html, time.monotonic() + CACHE_SECONDS)
        _kept.move_to_end(key)
        while len(_kept) > CACHE_ENTRIES:
            _kept.popitem(last=False)


def render_panels(context):
    """The dashboard's panels (``panels_for``) rendered for the template ``context`` (a
    RequestContext with ``request``): an HTML-safe string.

    Kept per viewer and data generation (see the module's docstring): a warm request reads one
    row (the generation) and renders nothing; the CSRF token of this request is put in."""
    request = context["request"]
    key = _cache_key(request.user)
    html = None if key is None else _kept_html(key)
    if html is None:
        template = context.template.engine.get_template(PANELS_TEMPLATE)
        with context.push(panels=panels_for(request), csrf_token=CSRF_HOLE):
            html = str(template.render(context))
        if key is not None:
            _keep(key, html)
    token = context.get("csrf_token")
    token = "" if token is None or str(token) == "NOTPROVIDED" else str(token)
    return mark_safe(html.replace(CSRF_HOLE, token))


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
    """A capped count (counted with the dashboard's others) and the first ``LIST_LENGTH`` rows."""
    counted = capped_count(queryset)
    return {**counted, "rows": first_rows(counted, queryset), **extra}


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
