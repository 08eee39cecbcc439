"""Conversations: a buyer starts one and writes, the person serving replies, reads, closes or
transfers it (R-36).

Routing takes the tenant row lock (``accounts.locks.lock_tenant``) before it reads anyone's load,
the same lock every time, so conversations arriving at once are counted one after another and
spread evenly. Messages are stored first; the doorbell rings only after the commit.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services.audit import audit_record
from accounts.locks import lock_tenant
from utilities.names import clean_name

from .. import doorbell, routing
from ..models import BODY_MAX, NICKNAME_MAX, ChatGroup, ChatMember, Conversation, Message, Presence
from .rights import _muted_refusal
from .text import _clean_text

eligible_staff = routing.eligible_staff
_add_message = routing.add_message
_ring_conversation = routing.ring_conversation


# Buyers -----------------------------------------------------------------------------------------


def _start_rate_limited(ip, now):
    limit = settings.CHAT_START_RATE_LIMIT
    if not ip or not limit:
        return False
    since = now - datetime.timedelta(seconds=settings.CHAT_START_RATE_WINDOW_SECONDS)
    return Conversation.objects.filter(buyer_ip=ip, created_at__gte=since).count() >= limit


@transaction.atomic
def conversation_start(*, group, nickname, body, ip=None):
    """A buyer starts a conversation in ``group`` on the shop's public page; it is routed at once
    to a member, the main account (overflow) or the queue (every member at its cap, or the group
    closed for the day). A buyer who would wait (queue or overflow) is refused while the shop
    already has ``unassigned_cap`` conversations waiting (R-36: nothing an anonymous buyer does
    leaves the owner with unbounded work); one a member serves at once is never refused."""
    if not group.is_offered:
        raise ValidationError({"group": _("This shop does not offer that group.")})
    nickname = clean_name(nickname, what=_("nickname"), field="nickname", max_length=NICKNAME_MAX)
    body = _clean_text(body, field="body", max_length=BODY_MAX, what="message")
    if _start_rate_limited(ip, timezone.now()):
        raise ValidationError(
            _("Too many conversations from your network in a short time. Please try again in a few minutes."),
            code="rate_limited",
        )
    lock_tenant(group.tenant)
    now = timezone.now()  # read under the lock: the queue's order is the order of arrival
    setup = routing.distribution_settings(group.tenant_id)
    assignee, overflow = routing.route(group, now, setup=setup)
    # The cap bounds only what waits: a buyer a member serves at once is never refused. Refusing
    # raises inside this transaction, so the member's "last received" mark is rolled back too.
    if (assignee is None or overflow) and routing.unassigned_count(group.tenant_id) >= setup.unassigned_cap:
        raise ValidationError(
            _("Many buyers are waiting for this shop right now. Please wait a few minutes and try again."),
            code="shop_busy",
        )
    conversation = Conversation.objects.create(
        tenant_id=group.tenant_id,
        group=group,
        buyer_nickname=nickname,
        buyer_ip=ip,
        assignee=assignee,
        status=Conversation.Status.OPEN if assignee else Conversation.Status.QUEUED,
        is_overflow=overflow,
        waiting_since=now if (overflow or assignee is None) else None,
        created_at=now,
        last_message_at=now,
    )
    _add_message(conversation, kind=Message.Kind.BUYER, body=body, author_label=nickname, now=now)
    if assignee is None:
        note = "queued" if routing.group_is_open(group, now) else "after_hours"
        _add_message(conversation, kind=Message.Kind.SYSTEM, body=note, now=now)
    else:
        _add_message(
            conversation, kind=Message.Kind.SYSTEM, body="overflow" if overflow else "started", author_label=assignee.label
        )
    audit_record(
        actor=None,
        tenant=group.tenant,
        action="chat.conversation_start",
        target=conversation,
        after={"group": group.name, "served_by": assignee.label if assignee else None, "overflow": overflow},
    )
    _ring_conversation(conversation)
    return conversation


@transaction.atomic
def buyer_message_send(*, conversation, body):
    """The buyer writes in their open conversation (at most ``CHAT_MESSAGE_RATE_LIMIT`` a minute)."""
    body = _clean_text(body, field="body", max_length=BODY_MAX, what="message")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed. Start a new one to write again."))
    limit = settings.CHAT_MESSAGE_RATE_LIMIT
    since = timezone.now() - datetime.timedelta(minutes=1)
    recent = Message.objects.filter(conversation=conversation, kind=Message.Kind.BUYER, created_at__gte=since)
    if limit and recent.count() >= limit:
        raise ValidationError(_("You are writing too fast. Please wait a moment."), code="rate_limited")
    message = _add_message(conversation, kind=Message.Kind.BUYER, body=body, author_label=conversation.buyer_nickname)
    _ring_conversation(conversation)
    return message


# Staff ------------------------------------------------------------------------------------------


def _serving(actor, conversation):
    if conversation.assignee_id != actor.pk:
        raise PermissionDenied(_("Only the person serving this conversation can do that."))


@transaction.atomic
def staff_message_send(*, actor, conversation, body):
    """The person serving a conversation replies. Muted accounts are refused (R-17)."""
    if not actor.can_send_chat:
        raise _muted_refusal()
    body = _clean_text(body, field="body", max_length=BODY_MAX, what="reply")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _serving(actor, conversation)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed."))
    message = _add_message(conversation, kind=Message.Kind.STAFF, body=body, author=actor, author_label=actor.label)
    Conversation.objects.filter(pk=conversation.pk).update(read_upto=message.pk)
    _ring_conversation(conversation)
    return message


def conversation_mark_read(*, actor, conversation):
    """The person serving a conversation has read it up to its last message (not audited: no change of state)."""
    if conversation.assignee_id == actor.pk and conversation.read_upto < conversation.last_message_id:
        Conversation.objects.filter(pk=conversation.pk, read_upto__lt=conversation.last_message_id).update(
            read_upto=conversation.last_message_id
        )
        conversation.read_upto = conversation.last_message_id
        doorbell.ring(doorbell.user_key(actor.pk))


@transaction.atomic
def conversation_close(*, actor, conversation):
    """The person serving it, or the main account, closes a conversation."""
    lock_tenant(conversation.tenant)  # a freed place goes to the first one waiting, counted under the lock
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not (actor.is_owner and actor.tenant_id == conversation.tenant_id):
        _serving(actor, conversation)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is already closed."))
    now = timezone.now()
    before = conversation.status
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = now
    conversation.waiting_since = None
    Conversation.objects.filter(pk=conversation.pk).update(status=conversation.status, closed_at=now, waiting_since=None)
    _add_message(conversation, kind=Message.Kind.SYSTEM, body="closed", author_label=actor.label, now=now)
    audit_record(
        actor=actor,
        action="chat.conversation_close",
        target=conversation,
        before={"status": before},
        after={"status": Conversation.Status.CLOSED},
    )
    _ring_conversation(conversation, doorbell.queue_key(conversation.group_id) if before == Conversation.Status.QUEUED else None)
    routing.dispatch(conversation.tenant_id, now)
    return conversation


def transfer_targets(actor, conversation, now=None):
    """``(people, groups)`` a conversation can be handed to: eligible members other than its current
    server, and the tenant's groups."""
    people = [p for p in eligible_staff(conversation.tenant_id, now=now) if p.pk != conversation.assignee_id]
    groups = list(ChatGroup.objects.filter(tenant_id=conversation.tenant_id).order_by("name"))
    return people, groups


def _cap_of(person):
    """The most open conversations ``person`` may hold: its largest cap among its enabled groups."""
    caps = [m.cap for m in ChatMember.objects.filter(user=person, is_enabled=True).select_related("group")]
    return max(caps, default=0)


@transaction.atomic
def conversation_transfer(*, actor, conversation, to_user=None, to_group=None):
    """Hand an open conversation to another eligible member below its cap, or to a group (routed
    as a new one: a member with room, else the queue is refused here since the buyer is served)."""
    if (to_user is None) == (to_group is None):
        raise ValidationError(_("Choose either a person or a group to transfer to."))
    lock_tenant(conversation.tenant)
    conversation = (
        Conversation.objects.select_for_update(of=("self",)).select_related("group", "assignee").get(pk=conversation.pk)
    )
    if not (actor.is_owner and actor.tenant_id == conversation.tenant_id):
        _serving(actor, conversation)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed."))
    now = timezone.now()
    previous = conversation.assignee
    previous_id = previous.pk if previous else None
    previous_group = group = conversation.group
    if to_user is not None:
        eligible = {p.pk: p for p in eligible_staff(conversation.tenant_id, now=now)}
        if to_user.pk == previous_id or to_user.pk not in eligible:
            raise ValidationError(
                {"to_user": _("%(name)s cannot take conversations right now.") % {"name": to_user.label}}
            )
        assignee, overflow = eligible[to_user.pk], False
        if assignee.open_count >= _cap_of(assignee):
            raise ValidationError(
                {"to_user": _("%(name)s is at the reception cap: choose someone else.") % {"name": to_user.label}}
            )
        Presence.objects.filter(user=assignee).update(last_assigned_at=now)
        if not ChatMember.objects.filter(group=group, user=assignee, is_enabled=True).exists():
            # Served from now on within one of the person's own groups, so that the sweep (which
            # hands on what a member serves outside its groups) leaves it where it was sent.
            group = (
                ChatGroup.objects.filter(tenant_id=conversation.tenant_id, members__user=assignee, members__is_enabled=True)
                .order_by("name")
                .first()
            )
    else:
        if to_group.tenant_id != conversation.tenant_id:
            raise ValidationError({"to_group": _("Choose one of your groups.")})
        group = to_group
        assignee, overflow = routing.route(group, now, exclude={previous_id} if previous_id else ())
        if assignee is None:
            raise ValidationError({"to_group": _("No one else in %(group)s can take it right now.") % {"group": group.name}})
    conversation.group = group
    Conversation.objects.filter(pk=conversation.pk).update(group=group)
    routing.hand_to(conversation, assignee, overflow, now, note="transferred")
    audit_record(
        actor=actor,
        action="chat.conversation_transfer",
        target=conversation,
        before={"served_by": previous.label if previous else None, "group": previous_group.name},
        after={"served_by": assignee.label, "group": group.name, "overflow": overflow},
    )
    _ring_conversation(conversation, doorbell.user_key(previous_id) if previous_id else None)
    if previous_id and not overflow:
        routing.dispatch(conversation.tenant_id, now)  # the previous server has room again
    return conversation
