from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def owner_required(view_func):
    """Let only a tenant's main account through; anyone else logged in gets 403."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def tenant_member_required(view_func):
    """Let a main or staff account in; platform operators use the admin instead."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if request.user.tenant_id is None:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper
