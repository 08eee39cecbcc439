"""Session pages (R-15, R-21): a user's own sessions, and the main account ending its staff's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..decorators import owner_required
from ..middleware import dingtalk_exempt
from ..selectors import staff_visible_to
from utilities.pagination import paginate

from ..services.sessions import (
    live_sessions,
    session_by_public_id,
    session_end,
    session_public_id,
    sessions_end_others,
    with_public_ids,
)

__all__ = ["session_end_others_view", "session_end_view", "session_list", "staff_session_end", "staff_sessions_end_all"]


# A merchant who logs in daily from a few devices holds dozens of sessions for their two weeks;
# each row's rendering cost ~0.4 ms (issue 27: 36 rows, 13–19 ms a page).
SESSIONS_PER_PAGE = 10


def _current_id(request):
    key = request.session.session_key
    return session_public_id(key) if key else None


@dingtalk_exempt
@login_required
def session_list(request):
    """The user's own live sessions, a page of the most recently seen at a time: device, address,
    signed in, last seen; this one marked (the most recently seen: on the first page)."""
    page = paginate(request, live_sessions(request.user), per_page=SESSIONS_PER_PAGE)
    return render(
        request,
        "accounts/session_list.html",
        {"sessions": with_public_ids(page), "page_obj": page, "current_id": _current_id(request)},
    )


@dingtalk_exempt
@login_required
@require_POST
def session_end_view(request, public_id):
    session = session_by_public_id(request.user, public_id)
    if session is None:
        raise Http404
    if public_id == _current_id(request):
        messages.error(request, _("To end this session, log out."))
        return redirect("accounts:sessions")
    session_end(actor=request.user, session=session)
    messages.success(request, _("The session has ended; that device is logged out."))
    return redirect("accounts:sessions")


@dingtalk_exempt
@login_required
@require_POST
def session_end_others_view(request):
    count = sessions_end_others(actor=request.user, user=request.user, keep_session_key=request.session.session_key)
    messages.success(request, _("%(count)d other sessions ended.") % {"count": count})
    return redirect("accounts:sessions")


def _staff_or_404(request, pk):
    return get_object_or_404(staff_visible_to(request.user), pk=pk)


@owner_required
@require_POST
def staff_session_end(request, pk, public_id):
    staff = _staff_or_404(request, pk)
    session = session_by_public_id(staff, public_id)
    if session is None:
        raise Http404
    session_end(actor=request.user, session=session)
    messages.success(request, _("The session has ended; that device is logged out."))
    return redirect("staff:detail", pk=staff.pk)


@owner_required
@require_POST
def staff_sessions_end_all(request, pk):
    staff = _staff_or_404(request, pk)
    count = sessions_end_others(actor=request.user, user=staff)
    messages.success(request, _("%(count)d sessions ended.") % {"count": count})
    return redirect("staff:detail", pk=staff.pk)
