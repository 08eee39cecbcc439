"""The fixed-shape SQL of ``routing.eligible_staff``, written once per process (issue 27).

Building ``eligible_staff``'s query through the ORM (two ``Exists``, an ``OR`` of two more, a
grouped ``Subquery`` and a join) cost about 2.5 ms a call, more than the database spent answering
it, and a conversation page, the live view, routing, transfers and bulk assignment all call it.
Its shape has two forms only, with or without a group; each request only binds its parameters.
The pattern is ``campaigns.visibility.compiled``.

``eligible_rows`` says the same as ``routing.eligible_staff_query`` (the ORM reference it
replaces): ``tests/chat/test_compiled.py`` compares who each returns, case by case,
on SQLite and PostgreSQL. It only narrows the candidates: ``User.can_send_chat`` and
``User.in_window`` stay the rule that decides (R-17), in ``routing.eligible_staff``.
"""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router

from accounts import permissions as catalogue
from accounts.models import User
from orgchart.models import Position
from utilities.sql import per_vendor

from .models import ChatGroup, ChatMember, Conversation, Presence


def _table(model):
    return model._meta.db_table


def _user_fields():
    return User._meta.concrete_fields


def _columns(model, quote, alias=None):
    """``alias.col, …`` of every concrete field of ``model`` (its table when no alias)."""
    alias = alias or quote(_table(model))
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


class _Loader:
    """Turns a slice of a raw row into a ``model`` instance as a queryset would (``from_db``),
    the backend's converters applied first (SQLite: aware datetimes, real booleans)."""

    def __init__(self, connection, alias, model, start):
        self.alias, self.model, self.start = alias, model, start
        fields = model._meta.concrete_fields
        self.names = [field.attname for field in fields]
        self.end = start + len(fields)
        self.converters = _converters(connection, dict(enumerate(fields)))
        self.connection = connection

    def __call__(self, row):
        values = list(row[self.start : self.end])
        for index, functions, col in self.converters:
            value = values[index]
            for function in functions:
                value = function(value, col, self.connection)
            values[index] = value
        return self.model.from_db(self.alias, self.names, values)


_RIGHT = [catalogue.CUSTOMER_CHAT, catalogue.APP_LABEL]


def _with_chat_right(quote):
    """The ``WITH`` clause naming ``chat_right``: the ids of the ``customer_chat`` permission
    (catalogue code and app label); two parameters, ``_RIGHT``, first in the statement. Written
    once and read by both halves of ``_holds_chat_right_sql``, PostgreSQL plans it once: a quarter
    of a millisecond less planning per query than the subquery written twice (issue 27)."""
    permission = quote(_table(Permission))
    content_type = quote(_table(ContentType))
    return (
        f"WITH chat_right AS (SELECT perm.{quote('id')} FROM {permission} perm INNER JOIN {content_type} ct "
        f"ON perm.{quote('content_type_id')} = ct.{quote('id')} "
        f"WHERE perm.{quote('codename')} = %s AND ct.{quote('app_label')} = %s) "
    )


def _holds_chat_right_sql(quote, user):
    """An SQL condition on ``user`` (a quoted table or alias): holds ``customer_chat`` through
    its position or personally (``routing.holds_chat_permission``); needs ``_with_chat_right``."""
    by_position = quote(_table(Position.permissions.through))
    by_person = quote(_table(User.user_permissions.through))
    return (
        f"(EXISTS (SELECT 1 FROM {by_position} pp WHERE pp.{quote('position_id')} = {user}.{quote('position_id')} "
        f"AND pp.{quote('permission_id')} IN (SELECT {quote('id')} FROM chat_right)) "
        f"OR EXISTS (SELECT 1 FROM {by_person} up WHERE up.{quote('user_id')} = {user}.{quote('id')} "
        f"AND up.{quote('permission_id')} IN (SELECT {quote('id')} FROM chat_right)))"
    )


def _open_count_sql(quote, user):
    """An SQL expression on ``user``: its open conversations (``routing.open_count``); one parameter."""
    conversation = quote(_table(Conversation))
    return (
        f"COALESCE((SELECT COUNT(*) FROM {conversation} c WHERE c.{quote('assignee_id')} = {user}.{quote('id')} "
        f"AND c.{quote('status')} = %s), 0)"
    )


@per_vendor
def _eligible_sql(quote, with_group):
    """The query's text for a connection whose ``quote_name`` is ``quote``; ``with_group`` adds
    the membership's group. Parameters: see ``eligible_rows``."""
    user = quote(_table(User))
    presence = quote(_table(Presence))
    member = quote(_table(ChatMember))
    group = f" AND m.{quote('group_id')} = %s" if with_group else ""
    return (
        f"{_with_chat_right(quote)}"
        f"SELECT {_columns(User, quote)}, {_open_count_sql(quote, user)}, {presence}.{quote('last_assigned_at')} "
        f"FROM {user} INNER JOIN {presence} ON {user}.{quote('id')} = {presence}.{quote('user_id')} "
        f"WHERE {user}.{quote('tenant_id')} = %s AND {user}.{quote('kind')} = %s "
        f"AND {user}.{quote('status')} = %s AND {user}.{quote('is_active')} = %s "
        f"AND {presence}.{quote('status')} = %s AND {presence}.{quote('last_seen_at')} >= %s "
        f"AND (({user}.{quote('temporary_ends_at')} IS NULL AND {user}.{quote('identity_status')} IN (%s, %s)) "
        f"OR ({user}.{quote('temporary_starts_at')} <= %s AND {user}.{quote('temporary_ends_at')} > %s)) "
        f"AND EXISTS (SELECT 1 FROM {member} m WHERE m.{quote('user_id')} = {user}.{quote('id')} "
        f"AND m.{quote('tenant_id')} = %s AND m.{quote('is_enabled')} = %s{group}) "
        f"AND {_holds_chat_right_sql(quote, user)} "
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
    sql = _eligible_sql(connection, group_id is not None)
    params = [
        *_RIGHT,
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    load = _Loader(connection, alias, User, 0)
    width = load.end
    assigned = _converters(connection, {width + 1: Presence._meta.get_field("last_assigned_at")})
    people = []
    for row in rows:
        person = load(row)
        person.open_count = row[width]
        idle_since = row[width + 1]
        for _index, functions, col in assigned:
            for function in functions:
                idle_since = function(idle_since, col, connection)
        person.idle_since = idle_since
        people.append(person)
    return people


@per_vendor
def _members_sql(quote, live):
    """``live``: with each person's presence, right and load, by group name then id; otherwise
    members, groups and people only, by account name (the distribution page needs no more).
    Parameters: ``_RIGHT`` and the open status when ``live``, then the tenant's id."""
    user = quote(_table(User))
    member, group, presence = quote(_table(ChatMember)), quote(_table(ChatGroup)), quote(_table(Presence))
    extra = (
        f", {_columns(Presence, quote, 'p')}, {_holds_chat_right_sql(quote, user)}, {_open_count_sql(quote, user)}"
        if live
        else ""
    )
    join = f"LEFT OUTER JOIN {presence} p ON p.{quote('user_id')} = {user}.{quote('id')} " if live else ""
    order = f"g.{quote('name')}, m.{quote('id')}" if live else f"{user}.{quote('account_name')}"
    return (
        (_with_chat_right(quote) if live else "")
        + f"SELECT {_columns(ChatMember, quote, 'm')}, {_columns(ChatGroup, quote, 'g')}, {_columns(User, quote)}{extra} "
        f"FROM {member} m INNER JOIN {group} g ON g.{quote('id')} = m.{quote('group_id')} "
        f"INNER JOIN {user} ON {user}.{quote('id')} = m.{quote('user_id')} {join}"
        f"WHERE m.{quote('tenant_id')} = %s ORDER BY {order}"
    )


def member_rows(tenant_id, *, live=True):
    """``[ChatMember]`` of ``tenant_id`` each with its ``group`` and its ``user`` loaded (one
    object per person, shared by its memberships). ``live``: by group name then id, each person
    with ``chat_presence`` (``None`` when it never set one), ``holds_right`` (``customer_chat``,
    by position or personally) and ``open_count`` (the live view); otherwise by account name, as
    the distribution page lists them. One query from SQL compiled once (issue 27)."""
    alias = router.db_for_read(ChatMember)
    connection = connections[alias]
    sql = _members_sql(connection, live)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_RIGHT, Conversation.Status.OPEN, tenant_id] if live else [tenant_id])
        rows = cursor.fetchall()
    if not rows:
        return []
    load_member = _Loader(connection, alias, ChatMember, 0)
    load_group = _Loader(connection, alias, ChatGroup, load_member.end)
    load_user = _Loader(connection, alias, User, load_group.end)
    if live:
        load_presence = _Loader(connection, alias, Presence, load_user.end)
        right, count = load_presence.end, load_presence.end + 1
    groups, people, members = {}, {}, []
    for row in rows:
        member = load_member(row)
        group = groups.get(member.group_id) or groups.setdefault(member.group_id, load_group(row))
        person = people.get(member.user_id)
        if person is None:
            person = people[member.user_id] = load_user(row)
            if live:
                presence = load_presence(row) if row[load_presence.start] is not None else None
                User.chat_presence.related.set_cached_value(person, presence)  # ``None`` cached too: no query
                person.holds_right = bool(row[right])
                person.open_count = row[count]
        member.group, member.user = group, person
        members.append(member)
    return members


@per_vendor
def _candidates_sql(quote):
    user = quote(_table(User))
    return (
        f"{_with_chat_right(quote)}SELECT {_columns(User, quote)} FROM {user} "
        f"WHERE {user}.{quote('tenant_id')} = %s AND {user}.{quote('kind')} = %s "
        f"AND {user}.{quote('status')} IN (%s, %s) AND {_holds_chat_right_sql(quote, user)} "
        f"ORDER BY {user}.{quote('account_name')}"
    )


def candidate_rows(tenant_id):
    """``[User]``: ``selectors.chat_candidates(tenant_id)`` (staff holding ``customer_chat``,
    active or still to bind), by account name, from SQL compiled once. One query."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql = _candidates_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_RIGHT, tenant_id, User.Kind.STAFF, User.Status.ACTIVE, User.Status.PENDING])
        rows = cursor.fetchall()
    load = _Loader(connection, alias, User, 0)
    return [load(row) for row in rows]
