"""Server-sent event streams: the buyer's conversation, a staff member's workbench, the live view.

Why server-sent events and not WebSockets (Django Channels): every push here goes one way, server
to browser; browsers send through ordinary POSTs that keep CSRF, the forms' validation and the
rate limits. ``EventSource`` reconnects by itself and sends ``Last-Event-ID``, which is exactly
"resync from the last message id you have". No second protocol stack, no consumer routing: the
streams are plain Django views served by gunicorn's uvicorn worker (ASGI), where an open stream
costs a coroutine, not a thread.

Each stream waits on the doorbell (``chat.doorbell``) and reads the database when it rings, so
what it sends is always what was stored. Under WSGI (``runserver``, the test live server) the
same views return a generator that polls the database every ``CHAT_POLL_SECONDS`` and ends after
``SYNC_STREAM_SECONDS`` (the browser reconnects), so a stream never holds a thread for long.
"""

import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Count, Max, Q, Sum
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from utilities.encoding import dumps

from . import doorbell, routing
from .models import Conversation, Presence, message_text

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15
SYNC_STREAM_SECONDS = 30
TENANT_TICK_SECONDS = 10  # the live view also refreshes when presence expires without any write


def _event(name, data, event_id=None):
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {dumps(data)}\n\n"


def message_payload(message):
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": message.author_label if message.kind != "system" else "",
        "text": message_text(message),
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


# What each stream reads (synchronous: runs in a worker thread) ----------------------------------


def buyer_snapshot(conversation_id, after, language):
    """``(events, last_id)``: the messages after ``after`` and the conversation's state."""
    with translation.override(language):
        conversation = Conversation.objects.select_related("assignee", "group").get(pk=conversation_id)
        messages = list(conversation.messages.filter(id__gt=after).order_by("id")[:200])
        events = [_event("message", message_payload(m), m.pk) for m in messages]
        if messages:
            after = messages[-1].pk
        state = buyer_state(conversation)
    return events, after, state


def buyer_state(conversation, now=None):
    """What the buyer's page shows besides the messages: who serves, or the place in the queue
    and, outside the group's working hours, when it opens again (Beijing time)."""
    state = {"status": conversation.status, "served_by": conversation.served_by_label}
    if conversation.is_queued:
        state["position"] = routing.queue_position(conversation)
        opens = routing.group_opens_next(conversation.group, now or timezone.now())
        state["waiting_text"] = waiting_text(state["position"], opens)
    return state


def waiting_text(position, opens):
    """The line a waiting buyer reads in place of a name."""
    if opens is not None:
        return _("This group is closed now. It opens again at %(time)s (Beijing time); your message will be answered then.") % {
            "time": opens.strftime("%m-%d %H:%M")
        }
    return _("You are number %(position)d in the queue.") % {"position": position}


def workbench_version(user_id):
    """Changes whenever the person's open conversations, their messages or read marks change."""
    found = Conversation.objects.filter(assignee_id=user_id, status=Conversation.Status.OPEN).aggregate(
        n=Count("pk"), last=Max("last_message_id"), read=Sum("read_upto"), newest=Max("pk")
    )
    return [found["n"], found["last"], found["read"], found["newest"]]


def tenant_version(tenant_id):
    """Changes whenever any conversation of the tenant that is not closed (served, overflow or
    queued) or anyone's chat status changes: arrivals, messages, reassignments, the queue."""
    found = (
        Conversation.objects.filter(tenant_id=tenant_id)
        .exclude(status=Conversation.Status.CLOSED)
        .aggregate(
            n=Count("pk"),
            last=Max("last_message_id"),
            newest=Max("pk"),
            served_by=Sum("assignee_id"),
            queued=Count("pk", filter=Q(status=Conversation.Status.QUEUED)),
        )
    )
    working = Presence.objects.filter(tenant_id=tenant_id).exclude(status=Presence.Status.AWAY).aggregate(
        n=Count("pk"), ids=Sum("user_id"), online=Count("pk", filter=Q(status=Presence.Status.ONLINE))
    )
    return [found["n"], found["last"], found["newest"], working["online"], working["ids"], found["served_by"], found["queued"], working["n"]]


def _guarded(function, *args):
    try:
        return function(*args)
    except DatabaseError:
        logger.exception("chat stream: database error; retrying")
        connection.close()
        return None
    finally:
        if getattr(connection, "pool", None) is not None:
            connection.close()  # back to the pool between wake-ups


# The two loops around them ----------------------------------------------------------------------


async def _async_loop(keys, step, tick):
    """Run ``step()`` (sync, returns lines to send) now and after every ring or ``tick`` seconds."""
    # The request's own thread (and its database connection) would otherwise stay reserved for
    # as long as the stream is open: close that connection now. Steps run in the event loop's
    # small shared thread pool instead, so 200 open streams hold a handful of connections.
    await sync_to_async(connections.close_all)()
    bell = doorbell.listen(keys)
    run = sync_to_async(step, thread_sensitive=False)
    try:
        yield "retry: 2000\n\n"
        quiet = 0.0
        while True:
            bell.clear()
            lines = await run()
            for line in lines:
                yield line
            started = time.monotonic()
            rung = await bell.wait(min(tick, KEEPALIVE_SECONDS))
            quiet = 0.0 if (rung or lines) else quiet + time.monotonic() - started
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ": keepalive\n\n"
    finally:
        bell.close()


def _sync_loop(step):
    yield "retry: 1000\n\n"
    deadline = time.monotonic() + SYNC_STREAM_SECONDS
    while time.monotonic() < deadline:
        yield from step()
        time.sleep(settings.CHAT_POLL_SECONDS)


def event_stream(request, keys, step, tick=KEEPALIVE_SECONDS):
    """A ``text/event-stream`` response running ``step`` under ASGI (doorbell) or WSGI (polling)."""
    from django.core.handlers.asgi import ASGIRequest

    if isinstance(request, ASGIRequest):
        body = _async_loop(keys, step, tick)
    else:
        body = _sync_loop(step)
    response = StreamingHttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event through at once
    return response


def last_event_id(request, default=0):
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or default
    try:
        return max(int(raw), 0)
    except (TypeError, ValueError):
        return default


def buyer_stream(request, conversation):
    """New messages of one conversation (event ``message``, id = message id) and its ``state``."""
    language = translation.get_language()
    cursor = {"after": last_event_id(request), "state": None}

    def step():
        found = _guarded(buyer_snapshot, conversation.pk, cursor["after"], language)
        if found is None:
            return []
        events, cursor["after"], state = found
        if state != cursor["state"]:
            cursor["state"] = state
            events.append(_event("state", state))
        return events

    # A waiting buyer's place changes when anyone ahead in its group's queue is served or leaves.
    keys = [doorbell.conversation_key(conversation.pk), doorbell.queue_key(conversation.group_id)]
    return event_stream(request, keys, step)


def staff_stream(request, *, tenant_wide=False):
    """Tells the workbench (and the owner's live view) to resync: event ``changed``."""
    user = request.user
    cursor = {"version": None, "first": True, "ticked": time.monotonic()}
    keys = [doorbell.user_key(user.pk)]
    if tenant_wide:
        keys.append(doorbell.tenant_key(user.tenant_id))

    def step():
        version = _guarded(workbench_version, user.pk)
        if tenant_wide and version is not None:
            version += _guarded(tenant_version, user.tenant_id) or []
        now = time.monotonic()
        tick = tenant_wide and now - cursor["ticked"] >= TENANT_TICK_SECONDS
        if cursor["first"] or (version is not None and version != cursor["version"]) or tick:
            cursor["first"] = False
            cursor["version"] = version
            cursor["ticked"] = now
            return [_event("changed", {"version": version})]
        return []

    return event_stream(request, keys, step, tick=TENANT_TICK_SECONDS if tenant_wide else KEEPALIVE_SECONDS)


