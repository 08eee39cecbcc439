"""Who serves a buyer (旺旺分流, R-36): routing, the reception cap, the queue, and routing again.

A conversation is in one of three places: served by a member (``open``), held by the main account
as overflow (``open``, ``is_overflow``, with ``waiting_since``), or waiting in the queue (``queued``,
no one serving, with ``waiting_since``). ``waiting_since`` is its place in line: the queue and the
overflow are handed out first come, first served (``dispatch``) whenever capacity frees.

When a member can no longer serve (``release``) its open conversations are routed again at once
(a handed-on buyer keeps its priority by when it started: it joins the line at its ``created_at``);
a lost connection only after the shop's grace period, found by the worker's sweep (``chat.sweep``). Every
function that moves conversations runs under the tenant's lock (``accounts.locks.lock_tenant``),
taken before anyone's load is read, so that concurrent starts, closes and releases are counted one
after another and no member goes above its cap.
"""

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import permissions as catalogue
from accounts.locks import lock_tenant
from accounts.models import User
from accounts.services.audit import audit_record
from orgchart.models import Position

from . import compiled, doorbell
from .models import SHOP_TIME_ZONE, ChatMember, Conversation, DistributionSettings, Message, Presence
from .search import search_text_keep

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
SHOP_ZONE = ZoneInfo(SHOP_TIME_ZONE)
DISPATCH_BATCH = 500

# Why a member's conversations were routed again (the system line and the audit entry say it).
REASONS = (
    "offline",
    "logout",
    "away",
    "disabled",
    "offboarded",
    "frozen",
    "muted",
    "removed",
    "group_disabled",
    "window",
    "no_right",
    "main_account_mode",
)


# Settings and working hours ---------------------------------------------------------------------


def distribution_settings(tenant_id):
    """The shop's ``DistributionSettings``, or an unsaved row with the defaults when it set none."""
    return DistributionSettings.objects.filter(tenant_id=tenant_id).first() or DistributionSettings(tenant_id=tenant_id)


def shop_time(now):
    return timezone.localtime(now, SHOP_ZONE)


def group_is_open(group, now):
    """Whether ``group`` serves at ``now`` (its working hours, Beijing time; none: always)."""
    if not group.has_hours or group.opens_at == group.closes_at:
        return True
    moment = shop_time(now).time()
    if group.opens_at < group.closes_at:
        return group.opens_at <= moment < group.closes_at
    return moment >= group.opens_at or moment < group.closes_at  # works past midnight


def group_opens_next(group, now):
    """When a closed ``group`` opens again (aware, Beijing time), or ``None`` while it is open."""
    if group_is_open(group, now):
        return None
    local = shop_time(now)
    opening = local.replace(hour=group.opens_at.hour, minute=group.opens_at.minute, second=0, microsecond=0)
    if opening <= local:
        opening += datetime.timedelta(days=1)
    return opening


# Who may receive a conversation -----------------------------------------------------------------


def holds_chat_permission():
    """An ``Exists`` on ``User``: holds ``customer_chat`` through its position or personally."""
    perm = dict(content_type__app_label=catalogue.APP_LABEL, codename=catalogue.CUSTOMER_CHAT)
    by_position = Position.permissions.through.objects.filter(
        position_id=OuterRef("position_id"), permission__in=Permission.objects.filter(**perm)
    )
    by_person = User.user_permissions.through.objects.filter(
        user_id=OuterRef("pk"), permission__in=Permission.objects.filter(**perm)
    )
    return Exists(by_position) | Exists(by_person)


def open_count():
    """A subquery on ``User``: how many open conversations the person serves now."""
    return Coalesce(
        Subquery(
            Conversation.objects.filter(assignee=OuterRef("pk"), status=Conversation.Status.OPEN)
            .order_by()
            .values("assignee")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )


def eligible_staff_query(tenant_id, *, group=None, now):
    """A ``User`` queryset: the database's half of ``eligible_staff`` written through the ORM,
    annotated with ``open_count`` and ``idle_since``. ``compiled.eligible_rows`` runs the same
    query from SQL compiled once; this one stays as the reference the tests compare it with."""
    memberships = ChatMember.objects.filter(user=OuterRef("pk"), tenant_id=tenant_id, is_enabled=True)
    if group is not None:
        memberships = memberships.filter(group=group)
    return (
        User.objects.filter(
            tenant_id=tenant_id,
            kind=User.Kind.STAFF,
            status=User.Status.ACTIVE,
            is_active=True,
            chat_presence__status=Presence.Status.ONLINE,
            chat_presence__last_seen_at__gte=Presence.fresh_since(now),
        )
        .filter(
            Q(
                temporary_ends_at__isnull=True,
                identity_status__in=[User.IdentityStatus.PENDING, User.IdentityStatus.VERIFIED],
            )
            | Q(temporary_starts_at__lte=now, temporary_ends_at__gt=now)
        )
        .filter(Exists(memberships))
        .filter(holds_chat_permission())
        .annotate(open_count=open_count(), idle_since=F("chat_presence__last_assigned_at"))
        .order_by("pk")
    )


def eligible_staff(tenant_id, *, group=None, now=None):
    """``[User]``, by id: staff who may receive a conversation now (R-36, R-17, R-20): online
    (not busy, not away) and reporting, enabled in ``group`` (any group when ``None``), holding
    ``customer_chat``, active, not muted, and a temporary account only inside its window. Each
    carries ``open_count`` and ``idle_since``. One query, from SQL compiled once (``compiled``)."""
    now = now or timezone.now()
    candidates = compiled.eligible_rows(
        tenant_id,
        group_id=group.pk if group is not None else None,
        now=now,
        fresh_since=Presence.fresh_since(now),
    )
    # The database narrowed it down; ``can_send_chat`` stays the one rule that decides.
    return [person for person in candidates if person.can_send_chat and person.in_window(now)]


def main_account(tenant_id):
    """The shop's main account, annotated with ``open_count`` and ``idle_since`` (its own
    ``Presence.last_assigned_at``, as a member's)."""
    return (
        User.objects.filter(tenant_id=tenant_id, kind=User.Kind.OWNER)
        .select_related("chat_presence")
        .annotate(open_count=open_count(), idle_since=F("chat_presence__last_assigned_at"))
        .order_by("pk")
        .first()
    )


def main_account_is_online(owner, now):
    """Whether the main account chose online on its workbench and it still reports (member mode)."""
    presence = getattr(owner, "chat_presence", None)
    return presence is not None and presence.is_online(now)


def _with_caps(group, people):
    """``people`` with ``cap`` and ``weight`` of their membership in ``group``."""
    members = {m.user_id: m for m in ChatMember.objects.filter(group=group, is_enabled=True)}
    for person in people:
        member = members[person.pk]
        person.cap = member.reception_cap or group.reception_cap
        person.weight = member.weight
    return people


def _least_loaded(people):
    """Below its cap, the fewest open conversations per unit of weight; ties: idle longest (never
    received one counts as idle since the epoch), then the lowest id. The main account as a member
    carries its own ``last_assigned_at`` like anyone else, so it takes its turn in the rotation."""
    room = [p for p in people if p.open_count < p.cap]
    return min(room, key=lambda p: (p.open_count / p.weight, p.idle_since or EPOCH, p.pk), default=None)


def route(group, now, *, exclude=(), setup=None, main_allowed=True):
    """``(person, overflow)`` for a new or re-routed conversation of ``group``, or ``(None, False)``
    when it waits in the queue: the group is closed, every member online is at its cap, or nobody
    is online and the main-account setting does not take it (or the main account is at its cap)."""
    setup = setup or distribution_settings(group.tenant_id)
    if not group_is_open(group, now):
        return None, False
    online = _with_caps(group, [p for p in eligible_staff(group.tenant_id, group=group, now=now) if p.pk not in exclude])
    mode = setup.main_account_mode
    pool = list(online)
    owner = None
    if main_allowed and mode != DistributionSettings.MainAccountMode.NEVER:
        owner = main_account(group.tenant_id)
        if owner is not None and owner.pk not in exclude:
            owner.cap, owner.weight = setup.main_account_cap, 1
            if mode == DistributionSettings.MainAccountMode.MEMBER:
                # A member like any other: it receives only while online on its workbench.
                if main_account_is_online(owner, now):
                    pool.append(owner)
                owner = None
        else:
            owner = None
    person = _least_loaded(pool)
    if person is not None:
        Presence.objects.filter(user=person).update(last_assigned_at=now)
        return person, False
    if online or owner is None or mode != DistributionSettings.MainAccountMode.FALLBACK:
        return None, False  # members at work but full, or the main account does not take it: queue
    if owner.open_count < owner.cap:
        return owner, True
    return None, False


# Moving a conversation --------------------------------------------------------------------------


def add_message(conversation, *, kind, body, author=None, author_label="", now=None):
    """Store one line of ``conversation``, add it to the conversation's searchable text
    (``chat.search``) and make it the conversation's last."""
    now = now or timezone.now()
    message = Message.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        kind=kind,
        author=author,
        author_label=author_label[:50],
        body=body,
        created_at=now,
    )
    search_text_keep(conversation, kind=kind, body=body)
    conversation.last_message_id = message.pk
    conversation.last_message_at = now
    Conversation.objects.filter(pk=conversation.pk).update(last_message_id=message.pk, last_message_at=now)
    return message


def ring_conversation(conversation, *also):
    doorbell.ring(
        doorbell.conversation_key(conversation.pk),
        doorbell.user_key(conversation.assignee_id) if conversation.assignee_id else None,
        doorbell.tenant_key(conversation.tenant_id),
        *also,
    )


def hand_to(conversation, person, overflow, now, *, note):
    """Make ``person`` serve ``conversation`` (overflow: the main account holds it while it waits
    for a member, keeping its place in line) and tell the buyer with the system line ``note``."""
    if conversation.is_queued:
        doorbell.ring(doorbell.queue_key(conversation.group_id))  # the ones behind it move up
    conversation.assignee = person
    conversation.status = Conversation.Status.OPEN
    conversation.is_overflow = overflow
    conversation.waiting_since = (conversation.waiting_since or now) if overflow else None
    conversation.read_upto = 0
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=person,
        status=conversation.status,
        is_overflow=overflow,
        waiting_since=conversation.waiting_since,
        read_upto=0,
    )
    add_message(conversation, kind=Message.Kind.SYSTEM, body=note, author_label=person.label, now=now)


def put_in_queue(conversation, now, *, note):
    """Nobody can take ``conversation`` now: it waits, keeping its place in line if it had one, else
    taking the place its start gives it (a buyer whose member dropped has waited since then)."""
    conversation.assignee = None
    conversation.status = Conversation.Status.QUEUED
    conversation.is_overflow = False
    conversation.waiting_since = conversation.waiting_since or conversation.created_at or now
    conversation.read_upto = 0
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=None, status=conversation.status, is_overflow=False, waiting_since=conversation.waiting_since, read_upto=0
    )
    add_message(conversation, kind=Message.Kind.SYSTEM, body=note, now=now)
    doorbell.ring(doorbell.queue_key(conversation.group_id))


def queue_position(conversation):
    """The buyer's place in its group's queue (1 = next), or ``None`` when it is not queued."""
    if not conversation.is_queued or conversation.waiting_since is None:
        return None
    ahead = Conversation.objects.filter(
        tenant_id=conversation.tenant_id, group_id=conversation.group_id, status=Conversation.Status.QUEUED
    ).filter(
        Q(waiting_since__lt=conversation.waiting_since) | Q(waiting_since=conversation.waiting_since, pk__lt=conversation.pk)
    )
    return ahead.count() + 1


def unassigned_count(tenant_id):
    """Conversations no member serves: queued, or held by the main account as overflow."""
    return Conversation.objects.filter(tenant_id=tenant_id, waiting_since__isnull=False).exclude(
        status=Conversation.Status.CLOSED
    ).count()


def dispatch(tenant_id, now=None):
    """Hand out waiting conversations, first come first served, while anyone has room (the caller
    holds the tenant lock). The queue goes to members (or the main account as its setting says);
    overflow held by the main account goes back to members only. Returns how many moved."""
    now = now or timezone.now()
    setup = distribution_settings(tenant_id)
    waiting = (
        Conversation.objects.filter(tenant_id=tenant_id, waiting_since__isnull=False)
        .exclude(status=Conversation.Status.CLOSED)
        .select_related("group", "assignee", "tenant")
        .order_by("waiting_since", "pk")[:DISPATCH_BATCH]
    )
    full = set()
    moved = 0
    for conversation in waiting:
        queued = conversation.is_queued
        key = (conversation.group_id, queued)
        if key in full:
            continue
        previous = conversation.assignee
        person, overflow = route(
            conversation.group,
            now,
            setup=setup,
            main_allowed=queued,
            exclude={previous.pk} if previous is not None else (),
        )
        if person is None or (not queued and overflow):
            full.add(key)
            continue
        hand_to(conversation, person, overflow, now, note="overflow" if overflow else "assigned")
        audit_record(
            actor=None,
            tenant=conversation.tenant,
            action="chat.conversation_assign",
            target=conversation,
            before={"served_by": previous.label if previous else None, "queued": queued},
            after={"served_by": person.label, "overflow": overflow},
        )
        ring_conversation(conversation, doorbell.user_key(previous.pk) if previous else None)
        moved += 1
    if moved:
        doorbell.ring(doorbell.tenant_key(tenant_id))
    return moved


def release(user, *, reason, actor=None, group=None, now=None):
    """Route again every open conversation ``user`` serves (in ``group`` only, if given), because
    it can no longer serve for ``reason`` (one of ``REASONS``): to an eligible member of the same
    group, else the queue. A handed-on buyer keeps its priority by when it started (its
    ``created_at`` becomes its ``waiting_since``), so the main account's overflow places then go to
    whoever has waited longest, older queued buyers first (``dispatch``). Each move is a
    system line naming who serves now, and an audit entry with the reason. Takes the tenant lock;
    call inside a transaction. Returns the conversations moved."""
    assert reason in REASONS, reason
    now = now or timezone.now()
    lock_tenant(user.tenant)
    rows = Conversation.objects.filter(tenant_id=user.tenant_id, assignee=user, status=Conversation.Status.OPEN)
    if user.is_owner:
        rows = rows.filter(is_overflow=False)  # overflow waits for a member already, keeping its place
    if group is not None:
        rows = rows.filter(group=group)
    rows = list(rows.select_related("group", "tenant").order_by("created_at", "pk"))
    if not rows:
        return []
    setup = distribution_settings(user.tenant_id)
    for conversation in rows:
        person, overflow = route(conversation.group, now, exclude={user.pk}, setup=setup)
        if overflow:
            # The main account's free places go first come, first served: this buyer joins the
            # line by when it started (``put_in_queue``) and ``dispatch`` below hands out the line.
            person, overflow = None, False
        if person is None:
            put_in_queue(conversation, now, note=f"requeued:{reason}")
        else:
            hand_to(conversation, person, overflow, now, note=f"reassigned:{reason}")
        audit_record(
            actor=actor,
            tenant=conversation.tenant,
            action="chat.conversation_reassign",
            target=conversation,
            before={"served_by": user.label},
            after={"served_by": person.label if person else None, "queued": person is None, "reason": reason},
        )
        ring_conversation(conversation)
    dispatch(user.tenant_id, now)
    doorbell.ring(doorbell.user_key(user.pk), doorbell.tenant_key(user.tenant_id))
    return rows
