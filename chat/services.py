"""Every write of customer-chat distribution (R-36), each checking its actor and audited.

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
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import User
from accounts.services.audit import audit_record
from accounts import permissions as catalogue
from accounts.locks import lock_tenant
from utilities.names import UNSHOWABLE, clean_name, has_visible_character, unshowable

from . import doorbell, routing
from .models import BODY_MAX, NICKNAME_MAX, ChatGroup, ChatMember, Conversation, DistributionSettings, Message, Presence


# Rights -----------------------------------------------------------------------------------------


def holds_chat_right(user):
    """Whether ``user`` takes customer conversations: the main account, or staff with ``customer_chat``."""
    if not user.is_authenticated or user.tenant_id is None:
        return False
    return user.is_owner or (user.is_staff_account and user.has_perm(catalogue.perm(catalogue.CUSTOMER_CHAT)))


def reads_chat_history(user):
    """Whether ``user`` may open the conversation history: chat takers and department admins (R-5)."""
    return holds_chat_right(user) or (
        user.is_authenticated and user.is_staff_account and user.is_department_admin and bool(user.department_id)
    )


def sets_presence(user):
    """Whether ``user`` chooses online / busy / away: customer-service staff, and the main account
    (which receives conversations only while online when its setting makes it a member)."""
    return user.is_authenticated and (user.is_owner or (user.is_staff_account and holds_chat_right(user)))


def _owner_only(actor):
    if not actor.is_owner:
        raise PermissionDenied(_("Only the main account manages customer-chat distribution."))


def _muted_refusal():
    return PermissionDenied(
        _(
            "Your account is muted (禁言): it cannot send messages to buyers until your real-person "
            "verification is approved."
        )
    )


# Who may receive a conversation (chat.routing decides; these names stay for the readers) ----------

eligible_staff = routing.eligible_staff
_holds_chat_permission = routing.holds_chat_permission
_open_count = routing.open_count
_add_message = routing.add_message
_ring_conversation = routing.ring_conversation


_WHAT = {
    # kind: (empty, too long, the noun for the shared refusal of unshowable characters)
    "message": (
        gettext_lazy("Write a message."),
        gettext_lazy("Keep the message to %(max)d characters or fewer."),
        pgettext_lazy("noun, what a buyer writes", "message"),
    ),
    "reply": (
        gettext_lazy("Write a reply."),
        gettext_lazy("Keep the reply to %(max)d characters or fewer."),
        pgettext_lazy("noun, what a staff member writes", "reply"),
    ),
}


def _clean_text(value, *, field, max_length, what):
    """``value`` stripped, its line breaks as ``\\n`` (browsers send a textarea's as CRLF), or a
    ``ValidationError`` on ``field`` saying what is wrong: the names' rule for control and
    text-direction characters (``utilities.names.unshowable``), with line breaks and tabs allowed."""
    empty, too_long, noun = _WHAT[what]
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unshowable(ch, line_breaks=True) for ch in text):
        raise ValidationError({field: UNSHOWABLE % {"what": noun}})
    if not has_visible_character(text):
        raise ValidationError({field: empty})
    if len(text) > max_length:
        raise ValidationError({field: too_long % {"max": max_length}})
    return text


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


@transaction.atomic
def presence_set(*, actor, status):
    """A customer-service member, or the main account, goes online (receives conversations while
    the browser reports), busy or away (its open conversations go to others)."""
    if not sets_presence(actor):
        raise PermissionDenied(_("Only customer-service staff set a chat status."))
    if status not in Presence.Status.values:
        raise ValidationError(_("Choose online, busy or away."))
    lock_tenant(actor.tenant)
    now = timezone.now()
    presence, _created = Presence.objects.select_for_update().get_or_create(
        user=actor, defaults={"tenant_id": actor.tenant_id, "status": Presence.Status.AWAY}
    )
    before = presence.status
    presence.status = status
    presence.last_seen_at = now
    presence.save(update_fields=["status", "last_seen_at"])
    if before != status:
        audit_record(actor=actor, action="chat.presence", target=actor, before={"status": before}, after={"status": status})
    if status == Presence.Status.AWAY:
        routing.release(actor, reason="away", actor=actor, now=now)
    elif status == Presence.Status.ONLINE:
        routing.dispatch(actor.tenant_id, now)  # the queue and the overflow come to a member who arrives
    doorbell.ring(doorbell.tenant_key(actor.tenant_id), doorbell.user_key(actor.pk))
    return presence


def presence_end_on_logout(sender, request, user, **kwargs):
    """Logging out sets a member (or the main account) away at once (audited) and routes its open
    conversations to others (the main account's overflow stays: it waits for a member anyway)."""
    if user is None or not (user.is_staff_account or user.is_owner):
        return
    with transaction.atomic():
        working = Presence.objects.filter(user=user).exclude(status=Presence.Status.AWAY).first()
        if working is not None:
            Presence.objects.filter(user=user).update(status=Presence.Status.AWAY)
            audit_record(
                actor=user, action="chat.presence", target=user, before={"status": working.status}, after={"status": "away"}
            )
        routing.release(user, reason="logout", actor=user)
        doorbell.ring(doorbell.tenant_key(user.tenant_id))


def release_on_lost_access(sender, staff, reason, **kwargs):
    """``accounts.signals.staff_can_no_longer_serve``: disabled, offboarded, frozen or muted staff
    hand their open conversations on at once, in the same transaction (R-36)."""
    routing.release(staff, reason=reason)


def presence_heartbeat(*, actor):
    """The workbench is still open: keep an online or busy member so for another TTL (not audited)."""
    if not (actor.is_staff_account or actor.is_owner):
        return None
    updated = Presence.objects.filter(
        user=actor, status__in=[Presence.Status.ONLINE, Presence.Status.BUSY]
    ).update(last_seen_at=timezone.now())
    return bool(updated)


# Distribution settings (main account) -----------------------------------------------------------


def _ring_tenant(tenant_id):
    doorbell.ring(doorbell.tenant_key(tenant_id))


def _name_free(group):
    taken = ChatGroup.objects.filter(tenant_id=group.tenant_id, name=group.name).exclude(pk=group.pk)
    if group.name and taken.exists():
        raise ValidationError({"name": _("A chat group with this name already exists.")})


@transaction.atomic
def group_create(*, actor, name, description="", is_offered=True):
    _owner_only(actor)
    name = clean_name(name, what=_("group name"), field="name")
    group = ChatGroup(tenant_id=actor.tenant_id, name=name, description=description, is_offered=is_offered)
    _name_free(group)
    group.full_clean()
    group.save()
    audit_record(actor=actor, action="chat.group_create", target=group, after={"name": group.name, "offered": is_offered})
    _ring_tenant(actor.tenant_id)
    return group


def _group_fields(group):
    return {
        "name": group.name,
        "description": group.description,
        "offered": group.is_offered,
        "reception_cap": group.reception_cap,
        "opens_at": group.opens_at,
        "closes_at": group.closes_at,
    }


@transaction.atomic
def group_update(*, actor, group, name, description="", is_offered=True, reception_cap=None, opens_at=None, closes_at=None):
    """Rename a group, offer it or not, set its members' default reception cap and its working
    hours (Beijing time; both or neither). A higher cap or an opening hands out what waits."""
    _owner_only(actor)
    if group.tenant_id != actor.tenant_id:
        raise PermissionDenied
    lock_tenant(actor.tenant)
    before = _group_fields(group)
    group.name = clean_name(name, what=_("group name"), field="name")
    group.description = description
    group.is_offered = is_offered
    if reception_cap is not None:
        group.reception_cap = reception_cap
    if (opens_at is None) != (closes_at is None):
        raise ValidationError({"closes_at": _("Give both the opening and the closing time, or neither.")})
    if opens_at is not None and opens_at == closes_at:
        raise ValidationError({"closes_at": _("The closing time must differ from the opening time.")})
    group.opens_at, group.closes_at = opens_at, closes_at
    _name_free(group)
    group.full_clean()
    group.save(update_fields=["name", "description", "is_offered", "reception_cap", "opens_at", "closes_at"])
    audit_record(actor=actor, action="chat.group_update", target=group, before=before, after=_group_fields(group))
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return group


@transaction.atomic
def member_add(*, actor, group, user):
    """Add a staff account holding ``customer_chat`` to a group, enabled."""
    _owner_only(actor)
    if group.tenant_id != actor.tenant_id or user.tenant_id != actor.tenant_id:
        raise PermissionDenied
    if not user.is_staff_account or user.status not in {User.Status.ACTIVE, User.Status.PENDING}:
        raise ValidationError({"user": _("Choose an active staff account of your organisation.")})
    if not user.has_perm(catalogue.perm(catalogue.CUSTOMER_CHAT)):
        raise ValidationError(
            {"user": _("%(name)s does not hold the right “Customer chat reception”.") % {"name": user.label}}
        )
    if ChatMember.objects.filter(group=group, user=user).exists():
        raise ValidationError({"user": _("%(name)s is already in this group.") % {"name": user.label}})
    lock_tenant(actor.tenant)
    member = ChatMember.objects.create(tenant_id=actor.tenant_id, group=group, user=user)
    audit_record(actor=actor, action="chat.member_add", target=user, after={"group": group.name})
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return member


@transaction.atomic
def member_set_enabled(*, actor, member, enabled):
    """Enable or disable a member's distribution in one group. Disabling routes its open
    conversations of that group to others at once; enabling hands it what waits."""
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    if member.is_enabled == enabled:
        return member
    lock_tenant(actor.tenant)
    member.is_enabled = enabled
    member.save(update_fields=["is_enabled"])
    if enabled:
        routing.dispatch(actor.tenant_id)
    else:
        routing.release(member.user, reason="group_disabled", actor=actor, group=member.group)
    audit_record(
        actor=actor,
        action="chat.member_enable" if enabled else "chat.member_disable",
        target=member.user,
        before={"group": member.group.name, "enabled": not enabled},
        after={"group": member.group.name, "enabled": enabled},
    )
    _ring_tenant(actor.tenant_id)
    return member


@transaction.atomic
def member_remove(*, actor, member):
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    audit_record(actor=actor, action="chat.member_remove", target=member.user, before={"group": member.group.name})
    member.delete()
    routing.release(member.user, reason="removed", actor=actor, group=member.group)
    _ring_tenant(actor.tenant_id)


@transaction.atomic
def member_update(*, actor, member, reception_cap, weight):
    """Set a member's own reception cap in its group (``None``: the group's) and its weight.
    Above its new cap a member keeps what it has and receives nothing new; room hands out what waits."""
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    lock_tenant(actor.tenant)
    before = {"group": member.group.name, "reception_cap": member.reception_cap, "weight": member.weight}
    member.reception_cap = reception_cap
    member.weight = weight
    member.full_clean()
    member.save(update_fields=["reception_cap", "weight"])
    after = {"group": member.group.name, "reception_cap": member.reception_cap, "weight": member.weight}
    audit_record(actor=actor, action="chat.member_update", target=member.user, before=before, after=after)
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return member


SETTINGS_FIELDS = ("main_account_mode", "main_account_cap", "grace_seconds", "unassigned_cap")


def _check_grace(seconds):
    """A new grace period shorter than the presence timeout would do nothing: a lost connection is
    noticed only once the workbench has been silent for ``CHAT_PRESENCE_TTL_SECONDS``. Checked
    when the owner changes it only, so that a longer timeout set later in the environment does
    not make every other setting impossible to save."""
    least = settings.CHAT_PRESENCE_TTL_SECONDS
    if seconds is not None and seconds < least:
        raise ValidationError(
            {
                "grace_seconds": _(
                    "The grace period must be at least %(least)d seconds: a lost connection is only noticed "
                    "after the workbench has been silent that long."
                )
                % {"least": least}
            }
        )


@transaction.atomic
def settings_update(*, actor, **values):
    """The main account's distribution settings (主账号分流设置): whether it receives conversations
    (never / when every member is busy or offline / as a member), its cap, the grace period for a
    lost connection and the most conversations waiting at once. Unknown keys raise ``TypeError``."""
    _owner_only(actor)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    lock_tenant(actor.tenant)
    setup, _created = DistributionSettings.objects.select_for_update().get_or_create(tenant_id=actor.tenant_id)
    before = {name: getattr(setup, name) for name in SETTINGS_FIELDS}
    if values.get("grace_seconds", before["grace_seconds"]) != before["grace_seconds"]:
        _check_grace(values["grace_seconds"])
    for name, value in values.items():
        setattr(setup, name, value)
    setup.full_clean()
    setup.save()
    after = {name: getattr(setup, name) for name in SETTINGS_FIELDS}
    audit_record(actor=actor, action="chat.settings", target=actor.tenant, before=before, after=after)
    member = DistributionSettings.MainAccountMode.MEMBER
    if before["main_account_mode"] == member and setup.main_account_mode != member:
        # No longer a member: what it received as one is routed again, as when a member leaves.
        routing.release(actor, reason="main_account_mode", actor=actor)
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return setup


BULK_ACTIONS = ("assign", "close")


@transaction.atomic
def conversations_bulk(*, actor, conversations, action, to_user=None):
    """Assign many waiting conversations (queued, or overflow on the main account) to one member,
    or close them, all or nothing: any one that is no longer waiting, or a member without room for
    all of them, refuses the whole batch with a message saying which. Returns how many changed."""
    _owner_only(actor)
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose assign or close.")})
    ids = sorted({c.pk for c in conversations})
    if not ids:
        raise ValidationError({"conversations": _("Select at least one conversation.")})
    lock_tenant(actor.tenant)
    now = timezone.now()
    rows = list(
        Conversation.objects.filter(tenant_id=actor.tenant_id, pk__in=ids)
        .select_for_update(of=("self",))
        .select_related("group", "assignee")
        .order_by("waiting_since", "pk")
    )
    gone = [c for c in rows if c.waiting_since is None or not c.is_open]
    if len(rows) != len(ids) or gone:
        names = ", ".join(c.buyer_nickname for c in gone) or _("some of them")
        raise ValidationError(
            {"conversations": _("No longer waiting: %(names)s. Reload the list; nothing was changed.") % {"names": names}}
        )
    if action == "assign":
        if to_user is None:
            raise ValidationError({"to_user": _("Choose who receives them.")})
        eligible = {p.pk: p for p in eligible_staff(actor.tenant_id, now=now)}
        person = eligible.get(to_user.pk)
        if person is None:
            raise ValidationError({"to_user": _("%(name)s cannot take conversations right now.") % {"name": to_user.label}})
        room = _cap_of(person) - person.open_count
        if len(rows) > room:
            raise ValidationError(
                {
                    "to_user": _("%(name)s has room for %(room)d more (reception cap); you selected %(n)d. Nothing was changed.")
                    % {"name": person.label, "room": max(room, 0), "n": len(rows)}
                }
            )
    for conversation in rows:
        previous = conversation.assignee
        if action == "assign":
            routing.hand_to(conversation, person, False, now, note="assigned")
        else:
            conversation.status = Conversation.Status.CLOSED
            conversation.closed_at = now
            conversation.waiting_since = None
            Conversation.objects.filter(pk=conversation.pk).update(status=conversation.status, closed_at=now, waiting_since=None)
            _add_message(conversation, kind=Message.Kind.SYSTEM, body="closed", author_label=actor.label, now=now)
        _ring_conversation(
            conversation,
            doorbell.user_key(previous.pk) if previous else None,
            doorbell.queue_key(conversation.group_id),
        )
    audit_record(
        actor=actor,
        action="chat.conversation_bulk",
        tenant=actor.tenant,
        after={
            "action": action,
            "conversations": [c.pk for c in rows],
            "served_by": person.label if action == "assign" else None,
        },
    )
    if action == "close":
        routing.dispatch(actor.tenant_id, now)
    _ring_tenant(actor.tenant_id)
    return len(rows)
