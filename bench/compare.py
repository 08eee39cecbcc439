"""Visibility filtering side by side (R-41): ours, (a) django-guardian's default generic path,
(b) the floor — the visible set precomputed, one page of it read by index — each timed with
EXPLAIN ANALYZE on the same page."""

import json
import statistics
from contextlib import contextmanager

from django.db import connection

PAGE = 25
REPEAT = 5


def explain_ms(sql, params):
    """Median planning + execution time (ms) of ``sql`` over ``REPEAT`` runs, after one warm-up."""
    timings = []
    with connection.cursor() as cursor:
        for attempt in range(REPEAT + 1):
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            if attempt:
                timings.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
    return round(statistics.median(timings), 2)


def _page_sql(queryset):
    return queryset.order_by("-id")[:PAGE].query.sql_with_params()


@contextmanager
def generic_guardian():
    """Make django-guardian ignore our direct-FK tables, as a project without them would."""
    from campaigns import models

    direct = [
        models.CampaignUserObjectPermission,
        models.CampaignGroupObjectPermission,
        models.ContactPersonUserObjectPermission,
        models.ContactPersonGroupObjectPermission,
    ]
    for model in direct:
        model.enabled = False
    try:
        yield
    finally:
        for model in direct:
            del model.enabled


def guardian_default(user, model, codename, tenant_id):
    from guardian.shortcuts import get_objects_for_user

    base = model.objects.filter(tenant_id=tenant_id)
    if user.is_owner:
        return base  # a default project gives the owner the global permission: every row
    with generic_guardian():
        return get_objects_for_user(user, f"campaigns.{codename}", base, accept_global_perms=False)


# The floor (issue 27): the visible set precomputed, so reading a page of it is one indexed lookup.
# Built from (a)'s set, a computation independent of ours, before any timing.
VISIBLE_TABLE = "bench_visible_ids"


def build_visible_set(queryset):
    """Store the ids of ``queryset`` in the temporary table ``VISIBLE_TABLE`` (replacing it) with a
    primary key, and analyse it; return how many there are. Runs before timing, on the
    connection the timings use (a temporary table is the session's own)."""
    sql, params = queryset.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {VISIBLE_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {VISIBLE_TABLE} (id bigint PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {VISIBLE_TABLE} (id) {sql}", params)
        cursor.execute(f"ANALYZE {VISIBLE_TABLE}")
        cursor.execute(f"SELECT count(*) FROM {VISIBLE_TABLE}")
        return cursor.fetchone()[0]


def floor_sql(model):
    """One page of ``model``'s rows whose ids are in ``VISIBLE_TABLE``: newest first."""
    table = model._meta.db_table
    return (
        f"SELECT t.* FROM (SELECT id FROM {VISIBLE_TABLE} ORDER BY id DESC LIMIT {PAGE}) v "
        f"JOIN {table} t ON t.id = v.id ORDER BY t.id DESC",
        [],
    )


def _scope_sql(user):
    """The one query ``campaigns.visibility.viewer_scope`` runs before any list (staff only)."""
    from django.db.models import Value

    from accounts.models import User
    from campaigns.models import ContactPersonGroupObjectPermission, ContactPersonUserObjectPermission
    from campaigns.visibility import VIEW_CONTACT_PRODUCTS, permission_id

    memberships = User.groups.through.objects.filter(user_id=user.pk)
    perm = permission_id(VIEW_CONTACT_PRODUCTS)
    rows = memberships.order_by().values_list("group_id", Value("g")).union(
        ContactPersonUserObjectPermission.objects.filter(user_id=user.pk, permission_id=perm)
        .order_by()
        .values_list("content_object_id", Value("c")),
        ContactPersonGroupObjectPermission.objects.filter(group_id__in=memberships.values("group_id"), permission_id=perm)
        .order_by()
        .values_list("content_object_id", Value("c")),
        all=True,
    )
    return rows.query.sql_with_params()


def compare(user, tenant_id):
    """Return rows ``{set, ours_ms, guardian_ms, floor_ms, same_rows, visible}`` for campaigns and
    products (``visible``: how many rows the persona sees).

    ``ours_ms`` is the page query plus, for staff, the scope query that precedes it.
    """
    from campaigns.models import Campaign, EnrolledProduct
    from campaigns.visibility import campaigns_visible_to, products_visible_to

    scope_ms = explain_ms(*_scope_sql(user)) if user.is_staff_account else 0.0
    rows = []
    for kind, ours_qs, model, codename in (
        ("campaigns", campaigns_visible_to(user), Campaign, "view_campaign"),
        ("products", products_visible_to(user), EnrolledProduct, "view_enrolledproduct"),
    ):
        ours_sql = _page_sql(ours_qs)
        generic_qs = guardian_default(user, model, codename, tenant_id)
        generic_sql = _page_sql(generic_qs)
        visible = build_visible_set(generic_qs)
        floor, floor_params = floor_sql(model)
        with connection.cursor() as cursor:
            cursor.execute(floor, floor_params)
            floor_ids = [row[0] for row in cursor.fetchall()]
        ours_ids = list(ours_qs.order_by("-id").values_list("id", flat=True)[:PAGE])
        generic_ids = list(generic_qs.order_by("-id").values_list("id", flat=True)[:PAGE])
        rows.append(
            {
                "set": kind,
                "ours_ms": round(explain_ms(*ours_sql) + scope_ms, 2),
                "guardian_ms": explain_ms(*generic_sql),
                "floor_ms": explain_ms(floor, floor_params),
                "same_rows": ours_ids == generic_ids == floor_ids,
                "visible": visible,
            }
        )
    return rows
