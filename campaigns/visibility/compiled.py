"""The fixed-shape SQL of the visibility reads, written once per process (issue 27).

Compiling ``campaigns_visible_to``'s OR of grant subqueries through the ORM was about a third of
a department admin's campaign list (cProfile, bench/results/2026-12-06-page-cost-second-pass.md);
its shape never changes, only its parameters do. Here the grant subqueries' text is built from
the models' table names once per process and used as ``RawSQL`` on the right of an ``__in``, so
the ORM still writes (and relabels) the outer column; each request only joins its parameters
(one ``%s`` per group id: the planner still sees the literal list, as the ORM wrote it).

Each piece says the same as the ORM expression it replaces in ``reads``; ``tests/campaigns/
test_compiled_visibility.py`` compares their rows persona by persona. Every piece reads the
primary (``default`` router choice for grants and groups): what decides visibility never comes
from a replica (``utilities.db_router``).
"""

from functools import lru_cache

from django.db import connections, router
from django.db.models.expressions import RawSQL

from ..models import (
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
)


def _table(model):
    return model._meta.db_table


@lru_cache(maxsize=None)
def _scope_sql(quote):
    """``viewer_scope``'s query: ``(id, kind)`` rows, kind ``g`` (a group) or ``c`` (a contact person)."""
    from accounts.models import User

    memberships = quote(_table(User.groups.through))
    person = quote(_table(ContactPersonUserObjectPermission))
    group = quote(_table(ContactPersonGroupObjectPermission))
    return (
        f"SELECT group_id, 'g' FROM {memberships} WHERE user_id = %s "
        f"UNION ALL SELECT content_object_id, 'c' FROM {person} WHERE user_id = %s AND permission_id = %s "
        f"UNION ALL SELECT content_object_id, 'c' FROM {group} WHERE permission_id = %s "
        f"AND group_id IN (SELECT group_id FROM {memberships} WHERE user_id = %s)"
    )


def scope_rows(user_id, contact_permission_id):
    """``[(id, "g" | "c")]``: ``user_id``'s groups and the contact persons its grants name (the
    ``accounts.view_contact_products`` permission id given), by the person or through a group. One query."""
    connection = connections[router.db_for_read(ContactPersonUserObjectPermission)]
    sql = _scope_sql(connection.ops.quote_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id, contact_permission_id, contact_permission_id, user_id])
        return cursor.fetchall()


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


@lru_cache(maxsize=None)
def _grant_tables(quote):
    return quote(_table(CampaignUserObjectPermission)), quote(_table(CampaignGroupObjectPermission))


def _quote():
    return connections[router.db_for_read(CampaignUserObjectPermission)].ops.quote_name


def person_granted_campaigns(user_id, permission_ids):
    """``RawSQL``: the ids of the campaigns granted to ``user_id`` under any of ``permission_ids``
    (``CampaignUserObjectPermission``), for the right side of ``…__in``."""
    person, _group = _grant_tables(_quote())
    sql = f"SELECT content_object_id FROM {person} WHERE user_id = %s AND permission_id IN ({_placeholders(permission_ids)})"
    return RawSQL(sql, [user_id, *permission_ids])


def group_granted_campaigns(group_ids, permission_ids):
    """``RawSQL``: the ids of the campaigns granted to any of ``group_ids`` under any of
    ``permission_ids`` (``CampaignGroupObjectPermission``), for the right side of ``…__in``;
    ``None`` for no groups (nothing can match: the ORM drops such a subquery as well)."""
    if not group_ids:
        return None
    _person, group = _grant_tables(_quote())
    sql = (
        f"SELECT content_object_id FROM {group} "
        f"WHERE group_id IN ({_placeholders(group_ids)}) AND permission_id IN ({_placeholders(permission_ids)})"
    )
    return RawSQL(sql, [*group_ids, *permission_ids])


@lru_cache(maxsize=None)
def _campaign_table(quote):
    from ..models import Campaign

    return quote(_table(Campaign))


def campaigns_among(ids, *, tenant_id, user_id, group_ids, permission_ids, whole_tenant):
    """The set of ids among ``ids`` of ``tenant_id``'s non-legacy campaigns granted to ``user_id``
    or one of ``group_ids`` under any of ``permission_ids`` (or, with ``whole_tenant``, scoped to
    the whole organisation). One query; each campaign probes its own grants (``EXISTS`` per id),
    so the cost follows ``len(ids)``, not the viewer's grant count (``reads._visible_among``)."""
    if not ids:
        return set()
    ids = list(ids)
    connection = connections[router.db_for_read(CampaignUserObjectPermission)]
    quote = connection.ops.quote_name
    campaign = _campaign_table(quote)
    person, group = _grant_tables(quote)
    perms = _placeholders(permission_ids)
    alternatives = [
        f"EXISTS (SELECT 1 FROM {person} p WHERE p.content_object_id = {campaign}.id "
        f"AND p.user_id = %s AND p.permission_id IN ({perms}))"
    ]
    params = [*ids, tenant_id, False, user_id, *permission_ids]
    if group_ids:
        alternatives.append(
            f"EXISTS (SELECT 1 FROM {group} g WHERE g.content_object_id = {campaign}.id "
            f"AND g.group_id IN ({_placeholders(group_ids)}) AND g.permission_id IN ({perms}))"
        )
        params += [*group_ids, *permission_ids]
    if whole_tenant:
        alternatives.append(f"{campaign}.scope_whole_tenant = %s")
        params.append(True)
    sql = (
        f"SELECT id FROM {campaign} WHERE id IN ({_placeholders(ids)}) AND tenant_id = %s AND is_legacy = %s "
        f"AND ({' OR '.join(alternatives)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def campaign_titles(tenant_id, ids):
    """``{id: title}`` of ``tenant_id``'s campaigns among ``ids`` (any iterable of ints). One query
    whose only per-request work is its parameters: a report by campaign names up to 500 of them,
    and the ORM spent more preparing 500 ``IN`` values than the database spent answering."""
    ids = list(ids)
    if not ids:
        return {}
    from ..models import Campaign

    connection = connections[router.db_for_read(Campaign)]
    table = _campaign_table(connection.ops.quote_name)
    if connection.vendor == "postgresql":
        # One array parameter: the statement's text stays the same whatever the ids, so psycopg
        # parses it once per process; 500 ``%s`` made it re-parse a long statement on every
        # request (``_split_query``: about 1.5 ms of a report by campaign).
        sql, params = f"SELECT id, title FROM {table} WHERE tenant_id = %s AND id = ANY(%s)", [tenant_id, ids]
    else:
        sql, params = f"SELECT id, title FROM {table} WHERE tenant_id = %s AND id IN ({_placeholders(ids)})", [tenant_id, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
