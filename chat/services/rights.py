"""Who takes customer conversations, reads their history or sets a chat status (R-5, R-36), and
the refusals the services share."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import permissions as catalogue


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
