"""Every write of customer-chat distribution (R-36), each checking its actor and audited.

Routing takes the tenant row lock (``accounts.locks.lock_tenant``) before it reads anyone's load,
the same lock every time, so conversations arriving at once are counted one after another and
spread evenly. Messages are stored first; the doorbell rings only after the commit.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import User
from accounts.services.audit import audit_record
from accounts import permissions as catalogue
from accounts.locks import lock_tenant
from orgchart.models import Position
from utilities.names import UNSHOWABLE, clean_name, has_visible_character, unshowable

from . import doorbell
from .models import BODY_MAX, NICKNAME_MAX, ChatGroup, ChatMember, Conversation, Message, Presence

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


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


# Who may receive a conversation -----------------------------------------------------------------


def _holds_chat_permission():
    perm = dict(content_type__app_label=catalogue.APP_LABEL, codename=catalogue.CUSTOMER_CHAT)
    by_position = Position.permissions.through.objects.filter(
        position_id=OuterRef("position_id"), permission__in=Permission.objects.filter(**perm)
    )
    by_person = User.user_permissions.through.objects.filter(
        user_id=OuterRef("pk"), permission__in=Permission.objects.filter(**perm)
    )
    return Exists(by_position) | Exists(by_person)


def _open_count():
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


def eligible_staff(tenant_id, *, group=None, now=None):
    """Staff who may receive a conversation now (R-36, R-17, R-20): online and reporting, enabled in
    ``group`` (any group when ``None``), holding ``customer_chat``, active, not muted, and a
    temporary account only inside its window. Annotated with ``open_count`` and ``idle_since``."""
    now = now or timezone.now()
    memberships = ChatMember.objects.filter(user=OuterRef("pk"), tenant_id=tenant_id, is_enabled=True)
    if group is not None:
        memberships = memberships.filter(group=group)
    candidates = (
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
        .filter(_holds_chat_permission())
        .annotate(open_count=_open_count(), idle_since=F("chat_presence__last_assigned_at"))
        .order_by("pk")
    )
    # The database narrowed it down; ``can_send_chat`` stays the one rule that decides.
    return [person for person in candidates if person.can_send_chat and person.in_window(now)]


def _least_busy(candidates):
    return min(candidates, key=lambda p: (p.open_count, p.idle_since or EPOCH, p.pk), default=None)


def _main_account(tenant_id):
    return User.objects.filter(tenant_id=tenant_id, kind=User.Kind.OWNER).order_by("pk").first()


def _route(group, now, *, exclude=()):
    """``(person, overflow)``: the least busy eligible member of ``group``, else the main account."""
    candidates = [p for p in eligible_staff(group.tenant_id, group=group, now=now) if p.pk not in exclude]
    person = _least_busy(candidates)
    if person is not None:
        Presence.objects.filter(user=person).update(last_assigned_at=now)
        return person, False
    return _main_account(group.tenant_id), True


def _add_message(conversation, *, kind, body, author=None, author_label="", now=None):
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
    conversation.last_message_id = message.pk
    conversation.last_message_at = now
    Conversation.objects.filter(pk=conversation.pk).update(last_message_id=message.pk, last_message_at=now)
    return message


def _ring_conversation(conversation, *also):
    doorbell.ring(
        doorbell.conversation_key(conversation.pk),
        doorbell.user_key(conversation.assignee_id),
        doorbell.tenant_key(conversation.tenant_id),
        *also,
    )


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
    """A buyer starts a conversation in ``group`` on the shop's public page; it is routed at once."""
    now = timezone.now()
    if not group.is_offered:
        raise ValidationError({"group": _("This shop does not offer that group.")})
    nickname = clean_name(nickname, what=_("nickname"), field="nickname", max_length=NICKNAME_MAX)
    body = _clean_text(body, field="body", max_length=BODY_MAX, what="message")
    if _start_rate_limited(ip, now):
        raise ValidationError(
            _("Too many conversations from your network in a short time. Please try again in a few minutes."),
            code="rate_limited",
        )
    lock_tenant(group.tenant)
    assignee, overflow = _route(group, now)
    conversation = Conversation.objects.create(
        tenant_id=group.tenant_id,
        group=group,
        buyer_nickname=nickname,
        buyer_ip=ip,
        assignee=assignee,
        is_overflow=overflow,
        created_at=now,
        last_message_at=now,
    )
    _add_message(conversation, kind=Message.Kind.BUYER, body=body, author_label=nickname, now=now)
    _add_message(
        conversation, kind=Message.Kind.SYSTEM, body="overflow" if overflow else "started", author_label=assignee.label
    )
    audit_record(
        actor=None,
        tenant=group.tenant,
        action="chat.conversation_start",
        target=conversation,
        after={"group": group.name, "served_by": assignee.label, "overflow": overflow},
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
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not (actor.is_owner and actor.tenant_id == conversation.tenant_id):
        _serving(actor, conversation)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is already closed."))
    now = timezone.now()
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = now
    Conversation.objects.filter(pk=conversation.pk).update(status=conversation.status, closed_at=now)
    _add_message(conversation, kind=Message.Kind.SYSTEM, body="closed", author_label=actor.label, now=now)
    audit_record(
        actor=actor,
        action="chat.conversation_close",
        target=conversation,
        before={"status": Conversation.Status.OPEN},
        after={"status": Conversation.Status.CLOSED},
    )
    _ring_conversation(conversation)
    return conversation


def transfer_targets(actor, conversation, now=None):
    """``(people, groups)`` a conversation can be handed to: eligible members other than its current
    server, and the tenant's groups."""
    people = [p for p in eligible_staff(conversation.tenant_id, now=now) if p.pk != conversation.assignee_id]
    groups = list(ChatGroup.objects.filter(tenant_id=conversation.tenant_id).order_by("name"))
    return people, groups


@transaction.atomic
def conversation_transfer(*, actor, conversation, to_user=None, to_group=None):
    """Hand an open conversation to another eligible member, or to a group (routed as a new one)."""
    if (to_user is None) == (to_group is None):
        raise ValidationError(_("Choose either a person or a group to transfer to."))
    lock_tenant(conversation.tenant)
    conversation = Conversation.objects.select_for_update().select_related("group", "assignee").get(pk=conversation.pk)
    if not (actor.is_owner and actor.tenant_id == conversation.tenant_id):
        _serving(actor, conversation)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed."))
    now = timezone.now()
    previous = conversation.assignee
    previous_group = group = conversation.group
    if to_user is not None:
        eligible = {p.pk: p for p in eligible_staff(conversation.tenant_id, now=now)}
        if to_user.pk == previous.pk or to_user.pk not in eligible:
            raise ValidationError(
                {"to_user": _("%(name)s cannot take conversations right now.") % {"name": to_user.label}}
            )
        assignee, overflow = eligible[to_user.pk], False
        Presence.objects.filter(user=assignee).update(last_assigned_at=now)
    else:
        if to_group.tenant_id != conversation.tenant_id:
            raise ValidationError({"to_group": _("Choose one of your groups.")})
        group = to_group
        assignee, overflow = _route(group, now, exclude={previous.pk})
        if assignee.pk == previous.pk:
            raise ValidationError({"to_group": _("No one else in %(group)s can take it right now.") % {"group": group.name}})
    conversation.assignee = assignee
    conversation.group = group
    conversation.is_overflow = overflow
    conversation.read_upto = 0
    Conversation.objects.filter(pk=conversation.pk).update(assignee=assignee, group=group, is_overflow=overflow, read_upto=0)
    _add_message(conversation, kind=Message.Kind.SYSTEM, body="transferred", author_label=assignee.label, now=now)
    audit_record(
        actor=actor,
        action="chat.conversation_transfer",
        target=conversation,
        before={"served_by": previous.label, "group": previous_group.name},
        after={"served_by": assignee.label, "group": group.name, "overflow": overflow},
    )
    _ring_conversation(conversation, doorbell.user_key(previous.pk))
    return conversation


@transaction.atomic
def presence_set(*, actor, status):
    """A customer-service member goes online (receives conversations while the browser reports) or away."""
    if not (actor.is_staff_account and holds_chat_right(actor)):
        raise PermissionDenied(_("Only customer-service staff set a chat status."))
    if status not in Presence.Status.values:
        raise ValidationError(_("Choose online or away."))
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
    doorbell.ring(doorbell.tenant_key(actor.tenant_id), doorbell.user_key(actor.pk))
    return presence


def presence_end_on_logout(sender, request, user, **kwargs):
    """Logging out sets an online member away at once, instead of a minute later (audited)."""
    if user is not None and user.is_staff_account and Presence.objects.filter(user=user, status=Presence.Status.ONLINE).exists():
        with transaction.atomic():
            Presence.objects.filter(user=user).update(status=Presence.Status.AWAY)
            audit_record(
                actor=user, action="chat.presence", target=user, before={"status": "online"}, after={"status": "away"}
            )
            doorbell.ring(doorbell.tenant_key(user.tenant_id))


def presence_heartbeat(*, actor):
    """The workbench is still open: keep an online member online for another TTL (not audited)."""
    if not actor.is_staff_account:
        return None
    updated = Presence.objects.filter(user=actor, status=Presence.Status.ONLINE).update(last_seen_at=timezone.now())
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


@transaction.atomic
def group_update(*, actor, group, name, description="", is_offered=True):
    _owner_only(actor)
    if group.tenant_id != actor.tenant_id:
        raise PermissionDenied
    before = {"name": group.name, "description": group.description, "offered": group.is_offered}
    group.name = clean_name(name, what=_("group name"), field="name")
    group.description = description
    group.is_offered = is_offered
    _name_free(group)
    group.full_clean()
    group.save(update_fields=["name", "description", "is_offered"])
    after = {"name": group.name, "description": group.description, "offered": group.is_offered}
    audit_record(actor=actor, action="chat.group_update", target=group, before=before, after=after)
    _ring_tenant(actor.tenant_id)
    return group


@transaction.atomic
def member_add(*, actor, group, user):
    """Add a staff account holding ``customer_chat`` to a group, enabled."""
    _owner_only(actor)
    if group.tenant_id != actor.tenant_id or user.tenant_id != actor.tenant_id:
        raise PermissionDenied
    if not user.is_staff_account or user.status == User.Status.RESIGNED:
        raise ValidationError({"user": _("Choose a staff account of your organisation.")})
    if not user.has_perm(catalogue.perm(catalogue.CUSTOMER_CHAT)):
        raise ValidationError(
            {"user": _("%(name)s does not hold the right “Customer chat reception”.") % {"name": user.label}}
        )
    if ChatMember.objects.filter(group=group, user=user).exists():
        raise ValidationError({"user": _("%(name)s is already in this group.") % {"name": user.label}})
    member = ChatMember.objects.create(tenant_id=actor.tenant_id, group=group, user=user)
    audit_record(actor=actor, action="chat.member_add", target=user, after={"group": group.name})
    _ring_tenant(actor.tenant_id)
    return member


@transaction.atomic
def member_set_enabled(*, actor, member, enabled):
    """Enable or disable a member's distribution in one group (their open conversations stay theirs)."""
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    if member.is_enabled == enabled:
        return member
    member.is_enabled = enabled
    member.save(update_fields=["is_enabled"])
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
    _ring_tenant(actor.tenant_id)
