"""Chat presence: online, busy or away, the workbench's heartbeat, and what logging out or losing
access hands on (R-36)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services.audit import audit_record
from accounts.locks import lock_tenant

from .. import doorbell, routing
from ..models import Presence
from .rights import sets_presence


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
