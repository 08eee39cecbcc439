"""Reads of customer chat, each starting from ``Conversation.objects.visible_to`` (STYLE 1, 7)."""

import datetime

from django.db import connections, router
from django.db.models import BooleanField, ExpressionWrapper, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import compiled
from .models import ChatGroup, Conversation, Message, Presence
from .routing import eligible_staff
from .routing import holds_chat_permission as _holds_chat_permission
from .search import said_or_named


def open_conversations(user):
    """The person's own open conversations, newest activity first, with ``unread`` buyer messages."""
    return (
        Conversation.objects.visible_to(user)
        .filter(assignee=user, status=Conversation.Status.OPEN)
        .select_related("group")
        .annotate(unread=_unread())
        .order_by("-last_message_at", "-id")
    )


def _unread():
    """The conversation's buyer messages after ``read_upto``: a count through
    ``chat_message_conv_id`` per conversation. The ORM's ``Count(filter=…)`` with its join and
    ``GROUP BY`` cost a third of a millisecond more to build on every workbench and conversation
    page (issue 27), for the same number."""
    return RawSQL(
        "SELECT COUNT(*) FROM chat_message unread WHERE unread.conversation_id = chat_conversation.id"
        " AND unread.kind = %s AND unread.id > chat_conversation.read_upto",
        (Message.Kind.BUYER,),
        output_field=IntegerField(),
    )


def history(user, *, q="", status="", group=None):
    """Every conversation ``user`` may see, newest first, searched by nickname, server or message text."""
    rows = Conversation.objects.visible_to(user).select_related("group", "assignee")
    if status in Conversation.Status.values:
        rows = rows.filter(status=status)
    if group is not None:
        rows = rows.filter(group=group)
    q = (q or "").strip()
    if q:
        # The servers named like q, read first from the primary (users never come from the replica)
        # and matched by id, not by a join: with no join in the filter, PostgreSQL walks
        # chat_conv_tenant_created_id newest first and stops at the page's capped count (the join
        # made it probe every conversation's messages and sort: 530 ms -> 15 ms at 50,000).
        servers = User.objects.filter(Q(display_name__icontains=q) | Q(account_name__icontains=q))
        if user.tenant_id is not None:
            servers = servers.filter(tenant_id=user.tenant_id)
        # The nickname and the messages in one row per conversation (chat.search: 10.5 -> 2.9 ms of
        # database CPU for the owner's search of a common term at 500,000 messages).
        written = said_or_named(q)
        named = Q(written) if written is not None else Q(buyer_nickname__icontains=q) | Q(_said(q))
        server_ids = list(servers.values_list("pk", flat=True))
        if server_ids:
            named |= Q(assignee_id__in=server_ids)
        rows = rows.filter(named)
    return rows.order_by("-created_at", "-id")


def _said(q):
    """Whether a buyer or a staff member wrote ``q`` (any case) in the conversation: a probe of its
    own messages through ``chat_message_conv_id``, for the rare term ``chat.search`` cannot serve
    (one holding its separator). ``OFFSET 0`` keeps the subquery correlated on PostgreSQL (a hashed
    SubPlan would read every matching message of the tenant first)."""
    connection = connections[router.db_for_read(Conversation)]
    pattern = "%%%s%%" % connection.ops.prep_for_like_query(q)
    keep_correlated = " OFFSET 0" if connection.vendor == "postgresql" else ""
    return ExpressionWrapper(
        RawSQL(
            "EXISTS (SELECT 1 FROM chat_message said WHERE said.conversation_id = chat_conversation.id"
            " AND said.kind <> %s AND UPPER(said.body) LIKE UPPER(%s) ESCAPE '\\'" + keep_correlated + ")",
            (Message.Kind.SYSTEM, pattern),
        ),
        output_field=BooleanField(),
    )


def overflow_conversations(tenant_id):
    """Open conversations the main account received because no member was available."""
    return (
        Conversation.objects.filter(tenant_id=tenant_id, status=Conversation.Status.OPEN, is_overflow=True)
        .select_related("group", "assignee")
        .order_by("-created_at")
    )


def live_view(tenant_id, now=None):
    """One row per member: groups (and whether enabled there), status, load, the cap of each enabled
    group (``member.is_full`` when its load reached it; ``full_in``: those groups' names) and why
    they get nothing.

    Two queries whatever the number of members, both from SQL compiled once (``compiled``).
    """
    now = now or timezone.now()
    members = compiled.member_rows(tenant_id)
    eligible = {p.pk for p in eligible_staff(tenant_id, now=now)}
    rows = {}
    for member in members:
        person = member.user
        row = rows.setdefault(person.pk, {"person": person, "groups": [], "eligible": person.pk in eligible})
        row["groups"].append(member)
    result = []
    for row in rows.values():
        person = row["person"]
        presence = getattr(person, "chat_presence", None)
        row["online"] = bool(presence and presence.is_online(now))
        row["busy"] = bool(presence and presence.status == Presence.Status.BUSY and presence.is_reporting(now))
        row["open_count"] = person.open_count
        # Caps are per group: a member full in one group may still receive in another.
        enabled = [m for m in row["groups"] if m.is_enabled]
        for member in enabled:
            member.is_full = row["open_count"] >= member.cap
        row["cap"] = max((m.cap for m in enabled), default=None)
        row["full_in"] = [m.group.name for m in enabled if m.is_full]
        row["eligible"] = row["eligible"] and len(row["full_in"]) < len(enabled)
        row["reasons"] = _not_receiving(person, row, presence, now)
        result.append(row)
    result.sort(key=lambda r: (not r["online"], r["person"].label))
    return result


def _not_receiving(person, row, presence, now):
    reasons = []
    if not person.holds_right:
        reasons.append(_("lacks the right “Customer chat reception”"))
    if person.is_muted:
        reasons.append(_("muted until verified"))
    if person.is_temporary and not person.in_window(now):
        reasons.append(_("outside its temporary window"))
    if person.status != User.Status.ACTIVE:
        reasons.append(person.get_status_display())
    if not any(m.is_enabled for m in row["groups"]):
        reasons.append(_("disabled"))
    if row["cap"] is not None and row["open_count"] >= row["cap"]:
        reasons.append(_("at its reception cap"))
    if row["busy"]:
        reasons.append(_("busy"))
    elif not row["online"]:
        reasons.append(_("away") if presence and presence.status == Presence.Status.AWAY else _("offline"))
    return reasons


def groups_with_members(tenant_id):
    """The tenant's groups, each with ``member_list`` and ``candidates`` (who may still be added:
    three queries whatever the number of groups; members and candidates from SQL compiled once)."""
    groups = list(ChatGroup.objects.filter(tenant_id=tenant_id).order_by("name"))
    by_group = {}
    for member in compiled.member_rows(tenant_id, live=False):
        by_group.setdefault(member.group_id, []).append(member)
    candidates = compiled.candidate_rows(tenant_id)
    for group in groups:
        group.member_list = by_group.get(group.pk, [])
        taken = {m.user_id for m in group.member_list}
        group.candidates = [person for person in candidates if person.pk not in taken]
    return groups


def chat_candidates(tenant_id, group=None):
    """Staff accounts that may be added to a group: holding ``customer_chat``, active or still to
    bind (not disabled, frozen or resigned), and not already a member of ``group``."""
    rows = (
        User.objects.filter(tenant_id=tenant_id, kind=User.Kind.STAFF, status__in=[User.Status.ACTIVE, User.Status.PENDING])
        .filter(_holds_chat_permission())
        .order_by("account_name")
    )
    if group is not None:
        rows = rows.exclude(chat_memberships__group=group)
    return rows


def waiting_conversations(tenant_id, *, group=None, state="", older_than=None, now=None):
    """Conversations no member serves, first in line first: queued, and overflow held by the main
    account; filtered by group, state (``queued``/``overflow``) and minutes waited at least."""
    rows = (
        Conversation.objects.filter(tenant_id=tenant_id, waiting_since__isnull=False)
        .exclude(status=Conversation.Status.CLOSED)
        .select_related("group", "assignee")
        .order_by("waiting_since", "pk")
    )
    if group is not None:
        rows = rows.filter(group=group)
    if state == "queued":
        rows = rows.filter(status=Conversation.Status.QUEUED)
    elif state == "overflow":
        rows = rows.filter(status=Conversation.Status.OPEN, is_overflow=True)
    if older_than:
        rows = rows.filter(waiting_since__lte=(now or timezone.now()) - datetime.timedelta(minutes=older_than))
    return rows


def all_open_conversations(tenant_id):
    """Every conversation of the shop being served now, for the main account's live view."""
    return (
        Conversation.objects.filter(tenant_id=tenant_id, status=Conversation.Status.OPEN)
        .select_related("group", "assignee")
        .order_by("-last_message_at", "-id")
    )


def messages_after(conversation, after=0, limit=500):
    return list(conversation.messages.filter(id__gt=after).order_by("id")[:limit])

