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


from django.db import connections, router
from django.db.models.expressions import RawSQL

from utilities.sql import per_vendor

from ..models import (
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
)


def _table(model):
    return model._meta.db_table


@per_vendor
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
    sql = _scope_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id, contact_permission_id, contact_permission_id, user_id])
        return cursor.fetchall()


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


@per_vendor
def _grant_tables(quote):
    return quote(_table(CampaignUserObjectPermission)), quote(_table(CampaignGroupObjectPermission))


def _connection():
    return connections[router.db_for_read(CampaignUserObjectPermission)]


def person_granted_campaigns(user_id, permission_ids):
    """``RawSQL``: the ids of the campaigns granted to ``user_id`` under any of ``permission_ids``
    (``CampaignUserObjectPermission``), for the right side of ``…__in``."""
    person, _group = _grant_tables(_connection())
    sql = f"SELECT content_object_id FROM {person} WHERE user_id = %s AND permission_id IN ({_placeholders(permission_ids)})"
    return RawSQL(sql, [user_id, *permission_ids])


def group_granted_campaigns(group_ids, permission_ids):
    """``RawSQL``: the ids of the campaigns granted to any of ``group_ids`` under any of
    ``permission_ids`` (``CampaignGroupObjectPermission``), for the right side of ``…__in``;
    ``None`` for no groups (nothing can match: the ORM drops such a subquery as well)."""
    if not group_ids:
        return None
    _person, group = _grant_tables(_connection())
    sql = (
        f"SELECT content_object_id FROM {group} "
        f"WHERE group_id IN ({_placeholders(group_ids)}) AND permission_id IN ({_placeholders(permission_ids)})"
    )
    return RawSQL(sql, [*group_ids, *permission_ids])


@per_vendor
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
    campaign = _campaign_table(connection)
    person, group = _grant_tables(connection)
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
    table = _campaign_table(connection)
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


def _any(column, values, vendor):
    """``(sql, params)``: ``column`` equals one of ``values``. On PostgreSQL one array parameter
    (``= ANY(%s)``), so the statement's text is the same whatever the values and psycopg parses it
    once per process; elsewhere one placeholder per value (nothing matches an empty list)."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({_placeholders(values)})", list(values)


def _contains(connection, column, text):
    """``(sql, params)``: ``column`` contains ``text`` whatever its case, as Django's
    ``__icontains`` writes it on this database (``UPPER(…) LIKE UPPER(%s)`` on PostgreSQL, which
    the trigram indexes serve), ``%``, ``_`` and ``\\`` in ``text`` matched literally."""
    lhs = connection.ops.lookup_cast("icontains", "CharField") % column
    return f"{lhs} {connection.operators['icontains'] % '%s'}", [f"%{connection.ops.prep_for_like_query(text)}%"]


def product_search(connection, table, text, product_id):
    """``(sql, params)``: the product list's search: title or shop name containing ``text``, or
    the product ID equal to ``product_id`` (``text`` normalised by the caller)."""
    title, title_params = _contains(connection, f"{table}.title", text)
    shop, shop_params = _contains(connection, f"{table}.shop_name", text)
    return f"({title} OR {shop} OR {table}.product_id = %s)", [*title_params, *shop_params, product_id]


def _granted(column, connection, user_id, group_ids, permission_ids):
    """``(sources, params)``: one ``column IN (…)`` per source of grants, the campaigns granted to
    ``user_id`` and those granted to one of ``group_ids`` (none for no groups), under any of
    ``permission_ids``; ``params`` in the order of the sources' placeholders."""
    vendor = connection.vendor
    person, group = _grant_tables(connection)
    perms_sql, perms = _any("permission_id", permission_ids, vendor)
    sources = [f"{column} IN (SELECT content_object_id FROM {person} WHERE user_id = %s AND {perms_sql})"]
    params = [user_id, *perms]
    if group_ids:
        groups_sql, groups = _any("group_id", group_ids, vendor)
        sources.append(f"{column} IN (SELECT content_object_id FROM {group} WHERE {groups_sql} AND {perms_sql})")
        params += [*groups, *perms]
    return sources, params


def _newest_ids(connection, table, where, params, limit):
    """``[id]`` of ``table``'s rows matching every condition of ``where`` (``params`` their
    values), newest first, at most ``limit`` (``None``: all). One query."""
    sql = f"SELECT {table}.id FROM {table} WHERE {' AND '.join(where)} ORDER BY {table}.id DESC"
    if limit is not None:
        sql += " LIMIT %s"
        params = [*params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def visible_product_ids(
    *, tenant_id, status, contact_ids, reviewable_statuses, user_id, group_ids, permission_ids, whole_tenant, search, limit
):
    """``[id]``: the first ``limit`` ids, newest first, of ``tenant_id``'s enrolled products that a
    viewer sees, one query (``reads.product_ids_visible_to``; the rule is ``products_visible_to``'s,
    R-28, which ``tests/campaigns/test_compiled_visibility.py`` compares it with).

    ``status`` (``None`` or one status) narrows the rows; ``contact_ids`` (``None``: every
    product, the main account's view; else a sequence) are the contact persons whose approved
    products are seen; ``reviewable_statuses`` (possibly empty) are the statuses seen in the
    campaigns granted to ``user_id`` or one of ``group_ids`` under any of ``permission_ids``,
    or, with ``whole_tenant``, scoped to the whole organisation (non-legacy campaigns only);
    ``search`` (``None`` or ``(text, product_id)``) keeps the products whose title or shop name
    contains ``text`` or whose product ID is ``product_id``; ``limit`` ``None`` reads them all.

    The list page spent more building and compiling ``products_visible_to``'s queryset through
    the ORM (1.2 ms for a level-1 admin) than reading its 1,001 ids; this text is written from
    the models' table names, its parameters only change."""
    from ..models import EnrolledProduct

    connection = connections[router.db_for_read(EnrolledProduct)]
    vendor, quote = connection.vendor, connection.ops.quote_name
    product = quote(_table(EnrolledProduct))
    where, params = [f"{product}.tenant_id = %s"], [tenant_id]
    if status is not None:
        where.append(f"{product}.status = %s")
        params.append(status)
    if search is not None:
        sql, values = product_search(connection, product, *search)
        where.append(sql)
        params += values
    if contact_ids is not None:
        alternatives = []
        approved = EnrolledProduct.Status.APPROVED
        if status in (None, approved) and contact_ids:
            sql, values = _any(f"{product}.contact_person_id", contact_ids, vendor)
            alternatives.append(f"({product}.status = %s AND {sql})")
            params += [approved, *values]
        if reviewable_statuses:
            statuses_sql, statuses = _any(f"{product}.status", reviewable_statuses, vendor)
            sources, granted = _granted(f"{product}.campaign_id", connection, user_id, group_ids, permission_ids)
            params += [*statuses, *granted]
            if whole_tenant:
                campaign = _campaign_table(connection)
                sources.append(
                    f"{product}.campaign_id IN (SELECT id FROM {campaign} "
                    f"WHERE tenant_id = %s AND scope_whole_tenant = %s AND is_legacy = %s)"
                )
                params += [tenant_id, True, False]
            # An OR of one ``IN`` per source, checked row by row during the ordered scan, which
            # stops after ``limit`` rows (``reads._in_visible_campaign`` says why not one ``IN``).
            alternatives.append(f"({statuses_sql} AND ({' OR '.join(sources)}))")
        if not alternatives:
            return []
        where.append(f"({' OR '.join(alternatives)})")
    return _newest_ids(connection, product, where, params, limit)


def visible_campaign_ids(*, tenant_id, owner, user_id, group_ids, permission_ids, whole_tenant, title, period, limit):
    """``[id]``: the first ``limit`` ids (``None``: all), newest first, of ``tenant_id``'s campaigns a
    viewer sees, one query (``reads.campaign_ids_visible_to``; the rule is ``campaigns_visible_to``'s,
    R-24, which ``tests/campaigns/test_compiled_visibility.py`` compares it with).

    ``owner``: every campaign of the tenant, legacy ones included. Otherwise the non-legacy ones
    granted to ``user_id`` or one of ``group_ids`` under any of ``permission_ids`` or, with
    ``whole_tenant``, scoped to the whole organisation. ``title`` (``None`` or text) keeps the
    titles containing it, whatever the case; ``period`` (``None`` or ``(lookup, date)`` with
    lookup ``running``, ``upcoming`` or ``ended``; ``KeyError`` for any other) keeps those
    running on, starting after or ended before ``date``."""
    from ..models import Campaign

    connection = connections[router.db_for_read(Campaign)]
    campaign = _campaign_table(connection)
    where, params = [f"{campaign}.tenant_id = %s"], [tenant_id]
    if not owner:
        sources, granted = _granted(f"{campaign}.id", connection, user_id, group_ids, permission_ids)
        params += [False, *granted]
        if whole_tenant:
            sources.append(f"{campaign}.scope_whole_tenant = %s")
            params.append(True)
        where.append(f"{campaign}.is_legacy = %s AND ({' OR '.join(sources)})")
    if title is not None:
        sql, values = _contains(connection, f"{campaign}.title", title)
        where.append(sql)
        params += values
    if period is not None:
        lookup, day = period
        sql = {
            "running": f"{campaign}.starts_on <= %s AND {campaign}.ends_on >= %s",
            "upcoming": f"{campaign}.starts_on > %s",
            "ended": f"{campaign}.ends_on < %s",
        }[lookup]
        where.append(sql)
        params += [day] * sql.count("%s")
    return _newest_ids(connection, campaign, where, params, limit)
