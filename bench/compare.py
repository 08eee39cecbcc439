"""Visibility filtering side by side (R-41): ours, (a) django-guardian's default generic path,
(b) the floor — one hand-written SQL query — each timed with EXPLAIN ANALYZE on the same page."""

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


def _persona_facts(user):
    from campaigns.visibility import CAMPAIGN_RIGHTS, has_right
    from accounts import permissions as catalogue

    department = user.department if user.department_id else None
    return {
        "in_scope": user.is_department_admin or any(has_right(user, c) for c in CAMPAIGN_RIGHTS),
        "admin": bool(user.is_department_admin and department),
        "reviewer": has_right(user, catalogue.REVIEW_ENROLLMENTS),
        "tree": department.tree_id if department else 0,
        "lft": department.lft if department else 0,
        "rght": department.rght if department else 0,
    }


# The floor reads only the base tables (campaign scope, org tree, contact persons), never a grant,
# and is written for speed: each scope source is an index scan into one materialised id set.
SCOPED_CAMPAIGN_IDS = """
    SELECT s.campaign_id FROM campaigns_campaign_scope_staff s
    WHERE %(in_scope)s AND s.user_id = %(user)s
    UNION
    SELECT sd.campaign_id FROM campaigns_campaign_scope_departments sd
    JOIN orgchart_department d ON d.id = sd.department_id
    WHERE %(in_scope)s AND d.tree_id = %(tree)s AND d.lft <= %(lft)s AND d.rght >= %(rght)s
    UNION
    SELECT sd.campaign_id FROM campaigns_campaign_scope_departments sd
    JOIN orgchart_department d ON d.id = sd.department_id
    WHERE %(admin)s AND d.tree_id = %(tree)s AND d.lft BETWEEN %(lft)s AND %(rght)s
    UNION
    SELECT s.campaign_id FROM campaigns_campaign_scope_staff s
    JOIN accounts_user su ON su.id = s.user_id
    JOIN orgchart_department d ON d.id = su.department_id
    WHERE %(admin)s AND su.tenant_id = %(tenant)s AND d.tree_id = %(tree)s AND d.lft BETWEEN %(lft)s AND %(rght)s
"""

CAMPAIGN_FLOOR = f"""
WITH scoped AS MATERIALIZED ({SCOPED_CAMPAIGN_IDS})
SELECT c.* FROM campaigns_campaign c
WHERE c.tenant_id = %(tenant)s AND NOT c.is_legacy AND (
    c.creator_id = %(user)s
    OR (%(in_scope)s AND c.scope_whole_tenant)
    OR c.id IN (SELECT campaign_id FROM scoped)
)
"""

PRODUCT_FLOOR = f"""
WITH contacts AS MATERIALIZED (
    SELECT cu.id FROM accounts_user cu LEFT JOIN orgchart_department d ON d.id = cu.department_id
    WHERE cu.tenant_id = %(tenant)s AND cu.kind = 'staff'
      AND (cu.id = %(user)s OR (%(admin)s AND d.tree_id = %(tree)s AND d.lft BETWEEN %(lft)s AND %(rght)s))
), visible_campaigns AS MATERIALIZED (
    SELECT c.id FROM campaigns_campaign c
    WHERE %(reviewer)s AND c.tenant_id = %(tenant)s AND NOT c.is_legacy
      AND (c.creator_id = %(user)s OR (%(in_scope)s AND c.scope_whole_tenant))
    UNION
    SELECT c.id FROM ({SCOPED_CAMPAIGN_IDS}) scoped JOIN campaigns_campaign c ON c.id = scoped.campaign_id
    WHERE %(reviewer)s AND NOT c.is_legacy
)
SELECT p.* FROM campaigns_enrolledproduct p
WHERE p.tenant_id = %(tenant)s AND (
    (p.status = 'approved' AND p.contact_person_id = ANY (ARRAY (SELECT id FROM contacts)))
    OR (%(reviewer)s AND p.status IN ('pending', 'rejected') AND p.campaign_id IN (SELECT id FROM visible_campaigns))
)
"""


def floor_sql(user, kind, tenant_id):
    if user.is_owner:
        table = "campaigns_campaign" if kind == "campaigns" else "campaigns_enrolledproduct"
        return f"SELECT * FROM {table} WHERE tenant_id = %(tenant)s ORDER BY id DESC LIMIT {PAGE}", {"tenant": tenant_id}
    params = {"tenant": tenant_id, "user": user.pk, **_persona_facts(user)}
    if kind == "campaigns":
        return f"{CAMPAIGN_FLOOR} ORDER BY c.id DESC LIMIT {PAGE}", params
    return f"{PRODUCT_FLOOR} ORDER BY p.id DESC LIMIT {PAGE}", params


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
    """Return rows ``{set, ours_ms, guardian_ms, floor_ms, same_rows}`` for campaigns and products.

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
        floor, floor_params = floor_sql(user, kind, tenant_id)
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
            }
        )
    return rows
