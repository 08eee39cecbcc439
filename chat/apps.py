from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Customer chat")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from accounts import audit_words, demo, handover, navigation

        from . import handover as chat_handover
        from .demo import seed_chat
        from accounts.signals import staff_can_no_longer_serve

        from .services import holds_chat_right, presence_end_on_logout, release_on_lost_access

        user_logged_out.connect(presence_end_on_logout, dispatch_uid="chat.presence_end_on_logout")
        staff_can_no_longer_serve.connect(release_on_lost_access, dispatch_uid="chat.release_on_lost_access")

        def owner(user):
            return user.is_owner

        def staff_taker(user):
            return holds_chat_right(user)

        navigation.register(
            navigation.MenuItem("chat:workbench", _("Chat workbench"), staff_taker, _("Customer chat")),
            navigation.MenuItem("chat:live", _("Live view"), owner, _("Customer chat")),
            navigation.MenuItem("chat:distribution", _("Distribution settings"), owner, _("Customer chat")),
            # Department admins without the chat right may still open the history of their subtree
            # but the menu stays with the people who work in the chat.
            navigation.MenuItem("chat:history", _("Conversation history"), staff_taker, _("Customer chat")),
            before="orgchart:tree",
        )
        demo.register(seed_chat, order=60)
        # The audit log's words for what the chat records (accounts may not import chat).
        from .audit_words import ACTION_WORDS, PRESENCE_REASONS, REASON_WORDS

        audit_words.register_values("chat.conversation_reassign", "reason", REASON_WORDS)
        audit_words.register_values("chat.presence", "reason", PRESENCE_REASONS)
        audit_words.register_values("chat.conversation_bulk", "action", ACTION_WORDS)
        audit_words.register_record_model("chat.settings", "chat.distributionsettings")
        for action in ("chat.member_update", "chat.member_enable", "chat.member_disable", "chat.member_add", "chat.member_remove"):
            audit_words.register_record_model(action, "chat.chatmember")
        handover.register(
            "chat_conversations",
            _("Open customer conversations"),
            move=chat_handover.move_open_conversations,
            count=chat_handover.count_open_conversations,
        )
