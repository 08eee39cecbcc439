"""Every write of customer-chat distribution (R-36), each checking its actor and audited.

One module per concern; this package re-exports every name the former ``chat/services.py`` had,
so ``from chat.services import x`` and ``chat.services.x`` keep working:

- ``rights``: who takes conversations, reads their history or sets a status;
- ``text``: what buyers and staff write, cleaned once;
- ``conversations``: start, messages, read, close, transfer;
- ``presence``: online / busy / away, heartbeat, logout and lost access;
- ``distribution``: the main account's groups, members and settings;
- ``bulk``: assigning or closing many waiting conversations at once.

A ``mock.patch("chat.services.name")`` replaces the name here only; patch it in the module that
uses it (``chat.services.conversations.name``) to change what a service calls.
"""

from ..models import BODY_MAX, NICKNAME_MAX, ChatGroup, ChatMember, Conversation, DistributionSettings, Message, Presence
from .. import routing
from .bulk import BULK_ACTIONS, conversations_bulk
from .conversations import (
    _add_message,
    _cap_of,
    _ring_conversation,
    _serving,
    _start_rate_limited,
    buyer_message_send,
    conversation_close,
    conversation_mark_read,
    conversation_start,
    conversation_transfer,
    eligible_staff,
    staff_message_send,
    transfer_targets,
)
from .distribution import (
    SETTINGS_FIELDS,
    _check_grace,
    _group_fields,
    _name_free,
    _ring_tenant,
    group_create,
    group_update,
    member_add,
    member_remove,
    member_set_enabled,
    member_update,
    settings_update,
)
from .presence import presence_end_on_logout, presence_heartbeat, presence_set, release_on_lost_access
from .rights import _muted_refusal, _owner_only, holds_chat_right, reads_chat_history, sets_presence
from .text import _WHAT, _clean_text

_holds_chat_permission = routing.holds_chat_permission
_open_count = routing.open_count

__all__ = [
    "BODY_MAX",
    "BULK_ACTIONS",
    "NICKNAME_MAX",
    "SETTINGS_FIELDS",
    "ChatGroup",
    "ChatMember",
    "Conversation",
    "DistributionSettings",
    "Message",
    "Presence",
    "buyer_message_send",
    "conversation_close",
    "conversation_mark_read",
    "conversation_start",
    "conversation_transfer",
    "conversations_bulk",
    "eligible_staff",
    "group_create",
    "group_update",
    "holds_chat_right",
    "member_add",
    "member_remove",
    "member_set_enabled",
    "member_update",
    "presence_end_on_logout",
    "presence_heartbeat",
    "presence_set",
    "reads_chat_history",
    "release_on_lost_access",
    "sets_presence",
    "settings_update",
    "staff_message_send",
    "transfer_targets",
]
