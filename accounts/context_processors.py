from .navigation import menu_for
from .selectors import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or (user.tenant_id is None and not user.is_individual):
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    return {
        "menu": menu_for(user, current),
        "unread_count": unread_count(user),
        "current_tenant": user.tenant,
        "has_inbox": True,
    }
