"""Bulk work on the waiting conversations from the live view: assign them to one member, or close them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services.audit import audit_record
from accounts.locks import lock_tenant

from .. import doorbell, routing
from ..models import Conversation, Message
from .conversations import _add_message, _cap_of, _ring_conversation, eligible_staff
from .distribution import _ring_tenant
from .rights import _owner_only


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
