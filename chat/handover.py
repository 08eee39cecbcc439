"""Open buyer conversations in the staff hand-over (R-16); runs inside ``staff_hand_over``'s transaction."""

from . import doorbell
from .models import Conversation


def _open(staff):
    return Conversation.objects.filter(tenant_id=staff.tenant_id, assignee=staff, status=Conversation.Status.OPEN)


def count_open_conversations(staff):
    return _open(staff).count()


def move_open_conversations(from_staff, to_staff):
    moved = _open(from_staff).update(assignee=to_staff, read_upto=0)
    doorbell.ring(doorbell.user_key(from_staff.pk), doorbell.user_key(to_staff.pk), doorbell.tenant_key(from_staff.tenant_id))
    return moved
