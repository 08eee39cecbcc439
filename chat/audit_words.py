"""The audit log's words for the codes the chat records (issue 26), registered with
``accounts.audit_words`` from ``ChatConfig.ready()``: accounts may not import chat."""

from django.utils.translation import pgettext_lazy

#: ``routing.REASONS``: why a member's open conversations went to someone else (``chat.conversation_reassign``).
REASON_WORDS = {
    "offline": pgettext_lazy("hand-on reason", "The member lost the connection"),
    "logout": pgettext_lazy("hand-on reason", "The member logged out"),
    "away": pgettext_lazy("hand-on reason", "The member stepped away"),
    "disabled": pgettext_lazy("hand-on reason", "The member's account was disabled"),
    "offboarded": pgettext_lazy("hand-on reason", "The member left the shop"),
    "frozen": pgettext_lazy("hand-on reason", "The member's account was frozen"),
    "muted": pgettext_lazy("hand-on reason", "The member may not chat until verified"),
    "removed": pgettext_lazy("hand-on reason", "The member left the group"),
    "group_disabled": pgettext_lazy("hand-on reason", "The member no longer takes this group"),
    "window": pgettext_lazy("hand-on reason", "The member's temporary access ended"),
    "no_right": pgettext_lazy("hand-on reason", "The member no longer has the chat right"),
    "main_account_mode": pgettext_lazy("hand-on reason", "The main account stopped taking conversations as a member"),
}

#: ``chat.presence`` set away by the sweep, not by the member.
PRESENCE_REASONS = {"connection lost": REASON_WORDS["offline"]}

#: ``services.BULK_ACTIONS``: what was done to the chosen waiting conversations.
ACTION_WORDS = {
    "assign": pgettext_lazy("bulk conversation action", "Assigned"),
    "close": pgettext_lazy("bulk conversation action", "Closed"),
}
