"""The fixed-shape SQL of ``routing.eligible_staff``, written once per process (issue 27).

Building ``eligible_staff``'s query through the ORM (two ``Exists``, an ``OR`` of two more, a
grouped ``Subquery`` and a join) cost about 2.5 ms a call, more than the database spent answering
it, and a conversation page, the live view, routing, transfers and bulk assignment all call it.
Its shape has two forms only, with or without a group; each request only binds its parameters.
The pattern is ``campaigns.visibility.compiled``.

``eligible_rows`` says the same as ``routing.eligible_staff_query`` (the ORM reference it
replaces): ``tests/chat/test_compiled_eligibility.py`` compares who each returns, case by case,
on SQLite and PostgreSQL. It only narrows the candidates: ``User.can_send_chat`` and
``User.in_window`` stay the rule that decides (R-17), in ``routing.eligible_staff``.
"""

from functools import lru_cache

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router

from accounts import permissions as catalogue
from accounts.models import User
from orgchart.models import Position

from .models import ChatMember, Conversation, Presence


def _table(model):
    return model._meta.db_table


def _user_fields():
    return User._meta.concrete_fields


@lru_cache(maxsize=None)
def _eligible_sql(quote, with_group):
    """The query's text for a connection whose ``quote_name`` is ``quote``; ``with_group`` adds
    the membership's group. Parameters: see ``eligible_rows``."""
    user = quote(_table(User))
    presence = quote(_table(Presence))
    member = quote(_table(ChatMember))
    conversation = quote(_table(Conversation))
    by_position = quote(_table(Position.permissions.through))
    by_person = quote(_table(User.user_permissions.through))
    permission = quote(_table(Permission))
    content_type = quote(_table(ContentType))
    columns = ", ".join(f"{user}.{quote(field.column)}" for field in _user_fields())
    chat_right = (
        f"SELECT perm.{quote('id')} FROM {permission} perm INNER JOIN {content_type} ct "
        f"ON perm.{quote('content_type_id')} = ct.{quote('id')} "
        f"WHERE perm.{quote('codename')} = %s AND ct.{quote('app_label')} = %s"
    )
    group = f" AND m.{quote('group_id')} = %s" if with_group else ""
    return (
        f"SELECT {columns}, "
        f"COALESCE((SELECT COUNT(*) FROM {conversation} c WHERE c.{quote('assignee_id')} = {user}.{quote('id')} "
        f"AND c.{quote('status')} = %s), 0), "
        f"{presence}.{quote('last_assigned_at')} "
        f"FROM {user} INNER JOIN {presence} ON {user}.{quote('id')} = {presence}.{quote('user_id')} "
        f"WHERE {user}.{quote('tenant_id')} = %s AND {user}.{quote('kind')} = %s "
        f"AND {user}.{quote('status')} = %s AND {user}.{quote('is_active')} = %s "
        f"AND {presence}.{quote('status')} = %s AND {presence}.{quote('last_seen_at')} >= %s "
        f"AND (({user}.{quote('temporary_ends_at')} IS NULL AND {user}.{quote('identity_status')} IN (%s, %s)) "
        f"OR ({user}.{quote('temporary_starts_at')} <= %s AND {user}.{quote('temporary_ends_at')} > %s)) "
        f"AND EXISTS (SELECT 1 FROM {member} m WHERE m.{quote('user_id')} = {user}.{quote('id')} "
        f"AND m.{quote('tenant_id')} = %s AND m.{quote('is_enabled')} = %s{group}) "
        f"AND (EXISTS (SELECT 1 FROM {by_position} pp WHERE pp.{quote('position_id')} = {user}.{quote('position_id')} "
        f"AND pp.{quote('permission_id')} IN ({chat_right})) "
        f"OR EXISTS (SELECT 1 FROM {by_person} up WHERE up.{quote('user_id')} = {user}.{quote('id')} "
        f"AND up.{quote('permission_id')} IN ({chat_right}))) "
        f"ORDER BY {user}.{quote('id')}"
    )


def _converters(connection, fields):
    """``[(position, [converter], col)]`` turning a raw row's values into what the ORM would give
    for ``fields``, ``{position: field}`` (SQLite: aware datetimes, booleans), as
    ``SQLCompiler.get_converters`` does."""
    result = []
    for index, field in fields.items():
        col = field.get_col(field.model._meta.db_table)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            result.append((index, found, col))
    return result


def eligible_rows(tenant_id, *, group_id=None, now, fresh_since):
    """``[User]`` of ``tenant_id`` who may receive a conversation at ``now`` by the database's
    reading (see ``routing.eligible_staff``), ordered by id, each with ``open_count`` (int) and
    ``idle_since`` (aware datetime or ``None``). ``group_id``: enabled members of that group only
    (``None``: of any group). One query; reads the primary (what decides routing never comes from
    a replica)."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql = _eligible_sql(connection.ops.quote_name, group_id is not None)
    params = [
        Conversation.Status.OPEN,
        tenant_id,
        User.Kind.STAFF,
        User.Status.ACTIVE,
        True,
        Presence.Status.ONLINE,
        fresh_since,
        User.IdentityStatus.PENDING,
        User.IdentityStatus.VERIFIED,
        now,
        now,
        tenant_id,
        True,
    ]
    if group_id is not None:
        params.append(group_id)
    params += [catalogue.CUSTOMER_CHAT, catalogue.APP_LABEL] * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    fields = _user_fields()
    names = [field.attname for field in fields]
    width = len(fields)
    assigned_field = Presence._meta.get_field("last_assigned_at")
    converters = _converters(connection, {**dict(enumerate(fields)), width + 1: assigned_field})
    people = []
    for row in rows:
        row = list(row)
        for index, functions, col in converters:
            value = row[index]
            for function in functions:
                value = function(value, col, connection)
            row[index] = value
        person = User.from_db(alias, names, row[:width])
        person.open_count = row[width]
        person.idle_since = row[width + 1]
        people.append(person)
    return people
