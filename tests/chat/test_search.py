"""The history's search by text (chat.search, issue 27): the searchable text every writer keeps, the
same conversations as a search of the messages themselves, and nothing the reader may not see."""

import csv
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from chat import selectors, services
from chat.models import SEARCH_SEPARATOR, SearchText

from tests.personas import online, start

pytestmark = pytest.mark.django_db

SEP = SEARCH_SEPARATOR


def folded(conversation):
    return SearchText.objects.get(conversation=conversation).folded


@pytest.fixture
def talk(desk):
    """agent_a serves Alice (who wrote twice, was answered and closed); nobody serves Queued Quinn."""
    online(desk.agent_a)
    served = start(desk.presale, nickname="Alice", body="Where is my Parcel?")
    services.buyer_message_send(conversation=served, body="Tracking 42")
    services.staff_message_send(actor=desk.agent_a, conversation=served, body="Shipped today")
    services.conversation_close(actor=desk.agent_a, conversation=served)
    services.presence_set(actor=desk.agent_a, status="away")
    queued = start(desk.presale, nickname="Quinn", body="anyone there")
    return SimpleNamespace(desk=desk, served=served, queued=queued)


def test_every_buyer_and_staff_message_is_kept_and_no_system_line(talk):
    """The nickname, then each buyer message and reply in order, upper-cased; the system lines
    ("started", "closed", "queued") never."""
    assert folded(talk.served) == SEP.join(["ALICE", "WHERE IS MY PARCEL?", "TRACKING 42", "SHIPPED TODAY"])
    assert folded(talk.queued) == SEP.join(["QUINN", "ANYONE THERE"])
    assert talk.served.messages.filter(kind="system").count() == 2
    assert SearchText.objects.get(conversation=talk.served).tenant_id == talk.served.tenant_id


def test_the_migration_fills_existing_conversations_as_the_writers_keep_them(talk):
    kept = {row.conversation_id: row.folded for row in SearchText.objects.all()}
    SearchText.objects.all().delete()
    migration = importlib.import_module("chat.migrations.0004_search_text")
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert {row.conversation_id: row.folded for row in SearchText.objects.all()} == kept


def _by_messages(monkeypatch, user, q):
    """The search as it was before chat.search: the nickname, a server's name, or a probe of the messages."""
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "said_or_named", lambda q: None)
        return set(selectors.history(user, q=q).values_list("pk", flat=True))


TERMS = [
    "parcel",  # a buyer message, another case
    "PED TOD",  # a reply
    "alice",  # the nickname
    "aLiCeWhere",  # across the nickname and the first message: no one wrote it
    "42Shipped",  # across two messages
    "started",  # the system line's code
    "closed",
    "anyone",
    "nothing like it",
    "%",  # LIKE's wildcards are plain characters
    "_",  # in the servers' account names (agent_a)
    "\\",
    "Parcel?" + SEP + "Tracking",  # the separator itself: searched in the messages
]


@pytest.mark.parametrize("q", TERMS)
def test_finds_the_conversations_a_search_of_the_messages_finds(talk, owner, monkeypatch, q):
    found = set(selectors.history(owner, q=q).values_list("pk", flat=True))
    assert found == _by_messages(monkeypatch, owner, q)


def test_what_it_finds(talk, owner):
    def found(q):
        return {c.buyer_nickname for c in selectors.history(owner, q=q)}

    assert found("PARCEL") == {"Alice"}
    assert found("quinn") == {"Quinn"}
    assert found("aLiCeWhere") == found("42Shipped") == found("closed") == set()
    assert found("Parcel?" + SEP + "Tracking") == set()


@pytest.mark.parametrize("persona", ["agent_b", "temp_agent", "muted_agent"])
def test_a_match_the_reader_may_not_see_is_absent_from_list_count_and_export(client, talk, persona):
    """Alice's conversation is served by agent_a (East): agent_b (East, no admin), the Ops temporary
    agent and the muted one find it neither in the list, nor in the count, nor in the export."""
    client.force_login(getattr(talk.desk, persona))
    page = client.get(reverse("chat:history"), {"q": "parcel"}).content.decode()
    assert ">Alice</a>" not in page
    assert "0 conversations" in page
    exported = client.get(reverse("chat:history_export"), {"q": "parcel"}).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(exported)))[1:] == []


@pytest.mark.parametrize("persona", ["agent_a", "east_admin", "owner"])
def test_a_match_the_reader_may_see_is_listed_counted_and_exported(client, talk, persona):
    client.force_login(getattr(talk.desk, persona))
    page = client.get(reverse("chat:history"), {"q": "parcel"}).content.decode()
    assert ">Alice</a>" in page and "1 conversation" in page
    exported = client.get(reverse("chat:history_export"), {"q": "parcel"}).content.decode("utf-8-sig")
    assert [row[2] for row in csv.reader(io.StringIO(exported))][1:] == ["Alice"]
