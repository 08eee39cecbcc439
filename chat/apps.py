from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Customer chat")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from accounts import demo, handover, navigation

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
        handover.register(
            "chat_conversations",
            _("Open customer conversations"),
            move=chat_handover.move_open_conversations,
            count=chat_handover.count_open_conversations,
        )
