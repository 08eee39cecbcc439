from django.utils.functional import SimpleLazyObject

from . import layout
from .navigation import menu_for
from .selectors import unread_count


def navigation(request):
    """The layout's per-user context: the sidebar and the mute banner as kept HTML
    (``accounts.layout``), the unread count, the tenant; ``menu`` (the sidebar's sections) is
    computed only when something reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or (user.tenant_id is None and not user.is_individual):
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    return {
        "menu": SimpleLazyObject(lambda: menu_for(user, current)),
        "sidebar_html": layout.sidebar(user, current),
        "mute_banner": layout.mute_banner(user),
        "unread_count": unread_count(user),
        "current_tenant": user.tenant,
        "has_inbox": True,
    }
