from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404


def owner_required(view_func):
    """Let only a tenant's main account through; anyone else logged in gets 403."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if request.user.is_individual:
            raise Http404  # no shop's back office exists for an individual
        if not request.user.is_owner:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def tenant_member_required(view_func):
    """Let a main or staff account in; platform operators use the admin instead."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if request.user.is_individual:
            raise Http404  # no shop's back office exists for an individual
        if request.user.tenant_id is None:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def person_required(view_func):
    """Let a main, staff or individual account in (their own dashboard, inbox); operators use the admin."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if request.user.tenant_id is None and not request.user.is_individual:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper
