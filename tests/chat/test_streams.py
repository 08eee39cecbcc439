"""The event streams on their production path: ASGI under uvicorn, woken by the Redis doorbell.

Messages are stored first; a stream that reconnects resumes after the last id it had, so a
message written while it was away is delivered, and with Redis gone the streams poll.
"""

import http.client
import json
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from chat import services
from chat.buyer import COOKIE, COOKIE_SALT
from tests.asgi_server import serve_asgi

from tests.personas import online, start

pytestmark = pytest.mark.django_db(transaction=True)


class EventStream:
    """A minimal server-sent events reader over one HTTP connection."""

    def __init__(self, url, *, cookies=None, last_event_id=None, timeout=5):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        headers = {"Accept": "text/event-stream"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
        self.response = self.connection.getresponse()

    def next(self, name=None):
        """The next event (named ``name`` if given) as ``(event, id, data)``."""
        while True:
            event = {"event": "message", "id": None, "data": ""}
            lines = 0
            while True:
                line = self.response.readline().decode()
                if line in ("\n", ""):
                    break
                lines += 1
                field, _sep, value = line.rstrip("\n").partition(": ")
                if field in event:
                    event[field] = value
            if not line:
                raise EOFError("stream ended")
            if lines and event["data"] and (name is None or event["event"] == name):
                return event["event"], event["id"], json.loads(event["data"])

    def close(self):
        self.connection.close()


def buyer_cookie(conversation):
    salt = f"{COOKIE_SALT}:{conversation.tenant_id}"
    return {COOKIE: signing.get_cookie_signer(salt=COOKIE + salt).sign(str(conversation.buyer_key))}


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def server(settings):
    settings.CHAT_POLL_SECONDS = 0.2
    with serve_asgi() as live:
        yield live


def test_a_reply_reaches_the_buyer_stream_at_once(server, desk):
    online(desk.agent_a)
    conversation = start(desk.presale, body="first question")
    stream = EventStream(server.url + reverse("chat:shop_stream", args=["acme"]), cookies=buyer_cookie(conversation))
    try:
        texts = [stream.next("message")[2]["text"] for _ in range(2)]
        assert texts[0] == "first question"
        assert stream.next("state")[2] == {"status": "open", "served_by": "Agent A"}

        services.staff_message_send(actor=desk.agent_a, conversation=conversation, body="Hello, how can I help?")

        event, event_id, data = stream.next("message")
        assert data["text"] == "Hello, how can I help?"
        assert int(event_id) == conversation.messages.latest("id").pk
    finally:
        stream.close()


def test_a_reconnecting_stream_gets_what_was_written_while_it_was_away(server, desk):
    online(desk.agent_a)
    conversation = start(desk.presale, body="first question")
    first = EventStream(server.url + reverse("chat:shop_stream", args=["acme"]), cookies=buyer_cookie(conversation))
    seen = [first.next("message")[1], first.next("message")[1]]
    first.close()

    services.staff_message_send(actor=desk.agent_a, conversation=conversation, body="written while away")

    again = EventStream(
        server.url + reverse("chat:shop_stream", args=["acme"]),
        cookies=buyer_cookie(conversation),
        last_event_id=seen[-1],
    )
    try:
        event, event_id, data = again.next("message")
        assert data["text"] == "written while away"
    finally:
        again.close()


def test_without_redis_the_streams_poll_the_database(server, desk, settings):
    settings.CHAT_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    online(desk.agent_a)
    conversation = start(desk.presale, body="first question")
    stream = EventStream(server.url + reverse("chat:shop_stream", args=["acme"]), cookies=buyer_cookie(conversation))
    try:
        stream.next("state")
        services.staff_message_send(actor=desk.agent_a, conversation=conversation, body="still delivered")
        assert stream.next("message")[2]["text"] == "still delivered"
    finally:
        stream.close()


def test_the_workbench_stream_says_changed_when_a_conversation_arrives(server, desk):
    online(desk.agent_a)
    stream = EventStream(server.url + reverse("chat:stream"), cookies=session_cookie(desk.agent_a))
    try:
        assert stream.next("changed")  # on connect: resync
        services.presence_heartbeat(actor=desk.agent_a)
        start(desk.presale, body="new one")
        event, _id, data = stream.next("changed")
        assert data["version"][0] == 1  # one open conversation
    finally:
        stream.close()


def test_streams_need_their_cookie(server, desk):
    for name, args, status in [("chat:shop_stream", ["acme"], 404), ("chat:stream", [], 302)]:
        anonymous = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=5)
        anonymous.request("GET", reverse(name, args=args))
        assert anonymous.getresponse().status == status
        anonymous.close()


@pytest.mark.postgres
def test_the_owners_live_view_stream_reports_a_new_conversation_on_every_backend(server, desk):
    """PostgreSQL sums the online members' ids as ``numeric`` (a ``Decimal``): the stream must still
    send it, and send a new version when a buyer starts a conversation."""
    from chat.streams import tenant_version
    from django.db import connection

    online(desk.agent_a)
    if connection.vendor == "postgresql":
        assert any(type(part).__name__ == "Decimal" for part in tenant_version(desk.owner.tenant_id))
    stream = EventStream(server.url + reverse("chat:stream") + "?scope=tenant", cookies=session_cookie(desk.owner))
    try:
        first = stream.next("changed")[2]["version"]
        start(desk.presale, body="new one")
        second = stream.next("changed")[2]["version"]
        assert second != first
        assert second[4] == 1  # the owner's own open count stays first; the tenant's open count follows
    finally:
        stream.close()
