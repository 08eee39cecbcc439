"""Customer-chat pages: who sees which conversation where (R-5, R-36), the buyer's page, query counts."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import User
from chat import services
from chat.buyer import COOKIE
from chat.models import Conversation, Message, Presence

from tests.personas import hire, online, start, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(desk, globex_desk, plain_staff):
    """One conversation per kind of holder: agent_a (East), agent_c (East One), temp_agent (Ops),
    the main account (overflow), and one of globex."""
    online(desk.agent_a)
    c_a = start(desk.presale, nickname="Alice", body="apples please")
    services.presence_set(actor=desk.agent_a, status="busy")
    online(desk.agent_c)
    c_c = start(desk.presale, nickname="Carol", body="cherries please")
    services.presence_set(actor=desk.agent_c, status="busy")
    online(desk.temp_agent)
    c_t = start(desk.presale, nickname="Tom", body="tomatoes please")
    services.presence_set(actor=desk.temp_agent, status="busy")
    c_o = start(desk.presale, nickname="Olga", body="olives please")
    desk.conversations = {"Alice": c_a, "Carol": c_c, "Tom": c_t, "Olga": c_o}
    desk.plain_staff = plain_staff
    desk.globex = globex_desk
    return desk


MATRIX = [
    # persona, nicknames seen
    ("owner", {"Alice", "Carol", "Tom", "Olga"}),
    ("agent_a", {"Alice"}),
    ("agent_c", {"Carol"}),
    ("temp_agent", {"Tom"}),
    ("east_admin", {"Alice", "Carol"}),  # department admin of East: East and East One
    ("sales_admin", {"Alice", "Carol"}),
    ("muted_agent", set()),
]


@pytest.mark.parametrize("persona, seen", MATRIX)
def test_visibility_matrix_in_list_count_search_detail_and_export(client, world, persona, seen):
    client.force_login(getattr(world, persona))
    all_names = set(world.conversations)

    page = client.get(reverse("chat:history")).content.decode()
    listed = {name for name in all_names | {"globex buyer"} if f">{name}</a>" in page}
    assert listed == seen
    assert f"{len(seen)} conversation" in page
    assert "globex buyer" not in page

    # Search by what the buyer wrote finds only visible conversations.
    found = client.get(reverse("chat:history"), {"q": "please"}).content.decode()
    assert {n for n in all_names if f">{n}</a>" in found} == seen
    assert "0 conversations" in client.get(reverse("chat:history"), {"q": "Globex secret"}).content.decode()

    for name, conversation in world.conversations.items():
        status = client.get(reverse("chat:conversation", args=[conversation.pk])).status_code
        assert status == (200 if name in seen else 404), name
    assert client.get(reverse("chat:conversation", args=[world.globex.conversation.pk])).status_code == 404

    exported = client.get(reverse("chat:history_export")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    assert {row[2] for row in rows} == seen
    assert "Globex" not in exported


WORDS = {"Alice": "apples", "Carol": "cherries", "Tom": "tomatoes", "Olga": "olives"}


@pytest.mark.parametrize("persona, seen", MATRIX)
def test_search_by_message_text_never_finds_an_invisible_conversation(client, world, persona, seen):
    """The history's search probes each visible conversation's own messages (chat.selectors._said):
    a word written only in a conversation the reader may not see finds nothing, and counts 0."""
    client.force_login(getattr(world, persona))
    for name, word in WORDS.items():
        found = client.get(reverse("chat:history"), {"q": word.upper()}).content.decode()
        assert (f">{name}</a>" in found) == (name in seen), (persona, word)
        assert f"{1 if name in seen else 0} conversation" in found
        assert not any(f">{other}</a>" in found for other in WORDS if other != name)


def test_history_page_numbers_and_capped_count(world, owner, rf):
    """One query per page: a page that is not a number is the first, one past the end the last,
    and the count stops at the cap with ``is_capped``."""
    from chat import selectors
    from chat.history import history_page

    rows = selectors.history(owner)
    first = history_page(rows, "x", per_page=3)
    assert first.number == 1 and first.paginator.count == 4 and not first.paginator.is_capped
    assert [row.nickname for row in first] == ["Olga", "Tom", "Carol"]
    last = history_page(rows, "99", per_page=3)
    assert last.number == 2 and [row.nickname for row in last] == ["Alice"]
    capped = history_page(rows, 2, per_page=2, cap=3)
    assert capped.paginator.count == 3 and capped.paginator.is_capped and capped.paginator.num_pages == 2
    assert [row.nickname for row in capped] == ["Carol", "Alice"]
    assert first[0].url == reverse("chat:conversation", args=[world.conversations["Olga"].pk])


def test_staff_without_the_right_nor_admin_flag_get_403(client, world):
    client.force_login(world.plain_staff)

    for name in ("chat:workbench", "chat:history", "chat:history_export", "chat:stream"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("chat:conversation", args=[world.conversations["Alice"].pk])).status_code == 403


def test_workbench_lists_own_open_conversations_with_unread_counts(client, world):
    services.buyer_message_send(conversation=world.conversations["Alice"], body="are you there?")
    client.force_login(world.agent_a)

    page = client.get(reverse("chat:workbench")).content.decode()

    assert "Alice" in page and "Carol" not in page
    assert 'data-testid="unread"' in page and ">2</span>" in page
    # Opening the conversation reads it.
    client.get(reverse("chat:conversation", args=[world.conversations["Alice"].pk]))
    assert 'data-testid="unread"' not in client.get(reverse("chat:workbench") + "?fragment=list").content.decode()


def test_reply_json_and_the_muted_refusal(client, world):
    conversation = world.conversations["Alice"]
    client.force_login(world.agent_a)

    ok = client.post(reverse("chat:reply", args=[conversation.pk]), {"body": "Yes, in stock"}, HTTP_ACCEPT="application/json")
    assert ok.status_code == 201
    assert ok.json()["message"]["text"] == "Yes, in stock"

    User.objects.filter(pk=world.agent_a.pk).update(identity_status=User.IdentityStatus.REJECTED)
    refused = client.post(reverse("chat:reply", args=[conversation.pk]), {"body": "hello?"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 403
    assert "muted" in refused.json()["error"]
    assert not conversation.messages.filter(body="hello?").exists()


def test_muted_workbench_says_nothing_is_routed_to_it(client, world):
    client.force_login(world.muted_agent)

    page = client.get(reverse("chat:workbench")).content.decode()

    assert 'data-testid="muted-notice"' in page
    assert 'data-testid="no-conversations"' in page


def test_messages_resync_after_the_last_id(client, world):
    conversation = world.conversations["Alice"]
    last = conversation.last_message_id
    services.buyer_message_send(conversation=conversation, body="second")
    services.buyer_message_send(conversation=conversation, body="third")
    client.force_login(world.agent_a)

    data = client.get(reverse("chat:messages", args=[conversation.pk]), {"after": last}).json()

    assert [m["text"] for m in data["messages"]] == ["second", "third"]
    assert data["can_reply"] is True


def test_transfer_and_close_from_the_page(client, world):
    conversation = world.conversations["Alice"]
    online(world.agent_b)
    client.force_login(world.agent_a)

    response = client.post(reverse("chat:transfer", args=[conversation.pk]), {"target": f"user:{world.agent_b.pk}"})
    assert response.status_code == 302
    assert Conversation.objects.get(pk=conversation.pk).assignee == world.agent_b
    # It left agent_a's sight.
    assert client.get(reverse("chat:conversation", args=[conversation.pk])).status_code == 404

    client.force_login(world.agent_b)
    client.post(reverse("chat:close", args=[conversation.pk]))
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"


def test_transfer_to_someone_unavailable_shows_a_message(client, world):
    conversation = world.conversations["Alice"]
    client.force_login(world.agent_a)

    response = client.post(reverse("chat:transfer", args=[conversation.pk]), {"target": f"user:{world.muted_agent.pk}"}, follow=True)

    assert "That person cannot take conversations right now" in response.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).assignee == world.agent_a


def test_owner_settings_add_enable_disable_and_live_view(client, world, owner, org, chat_position):
    newcomer = verified(hire(owner, "newcomer", org.ops, chat_position))
    client.force_login(owner)
    assert client.get(reverse("chat:distribution")).status_code == 200

    client.post(reverse("chat:member_add", args=[world.aftersale.pk]), {"user": newcomer.pk})
    member = world.aftersale.members.get(user=newcomer)
    assert member.is_enabled
    client.post(reverse("chat:member_toggle", args=[member.pk]), {"enabled": "0"})
    member.refresh_from_db()
    assert not member.is_enabled

    response = client.post(reverse("chat:distribution"), {"new-name": "Pre-sales", "new-is_offered": "on"})
    assert "A chat group with this name already exists." in response.content.decode()

    assert "Olga" in client.get(reverse("chat:live")).content.decode()  # the overflow conversation
    online(world.agent_b)
    live = client.get(reverse("chat:live")).content.decode()
    assert 'data-member="agent_b"' in live
    assert "muted until verified" in live
    # A member coming online takes the overflow back from the main account.
    assert Conversation.objects.get(pk=world.conversations["Olga"].pk).assignee == world.agent_b
    assert 'data-testid="overflow-list"' not in live  # no overflow left; Olga is listed as served
    assert "<strong>Olga</strong><span class=\"meta\">Pre-sales · Agent B</span>" in live


def test_group_and_member_pages_of_another_tenant_do_not_exist(client, world, owner):
    client.force_login(owner)
    other_group = world.globex.group
    other_member = other_group.members.first()

    assert client.get(reverse("chat:group_edit", args=[other_group.pk])).status_code == 404
    assert client.post(reverse("chat:member_toggle", args=[other_member.pk]), {"enabled": "0"}).status_code == 404
    other_member.refresh_from_db()
    assert other_member.is_enabled


# The buyer's page -------------------------------------------------------------------------------


def test_a_buyer_starts_keeps_and_continues_a_conversation(client, desk):
    online(desk.agent_a)
    url = reverse("chat:shop", args=["acme"])

    page = client.get(url).content.decode()
    assert "Pre-sales" in page and "After-sales" in page

    response = client.post(url, {"group": desk.presale.pk, "nickname": "Mei", "body": "Is the red one in stock?"})
    assert response.status_code == 302
    assert COOKIE in response.cookies

    # A reload continues it and names who serves (display name only).
    page = client.get(url).content.decode()
    assert "Is the red one in stock?" in page
    assert 'data-testid="served-by" data-role="served-by">Agent A<' in page
    assert desk.agent_a.username not in page

    sent = client.post(reverse("chat:shop_send", args=["acme"]), {"body": "size M"}, HTTP_ACCEPT="application/json")
    assert sent.status_code == 201
    conversation = Conversation.objects.get(buyer_nickname="Mei")
    assert list(conversation.messages.filter(kind="buyer").values_list("body", flat=True)) == [
        "Is the red one in stock?",
        "size M",
    ]


def test_the_buyer_cookie_is_bound_to_its_shop_and_signed(client, desk, globex_desk):
    online(desk.agent_a)
    # Words with spaces: a random CSRF token or CSP nonce on the page can never contain them.
    question = "Where is my parcel?"
    client.post(reverse("chat:shop", args=["acme"]), {"group": desk.presale.pk, "nickname": "Mei", "body": question})
    key = client.cookies[COOKIE].value
    assert question in client.get(reverse("chat:shop", args=["acme"])).content.decode()

    # The same cookie at globex's page is not a conversation there.
    client.cookies[COOKIE] = key
    assert question not in client.get(reverse("chat:shop", args=["globex"])).content.decode()
    client.cookies[COOKIE] = "forged:value"
    assert client.get(reverse("chat:shop_stream", args=["acme"])).status_code == 404


def test_buyer_bad_input_shows_errors_next_to_the_fields(client, desk):
    url = reverse("chat:shop", args=["acme"])

    response = client.post(url, {"group": desk.presale.pk, "nickname": "", "body": ""})

    assert response.status_code == 400
    assert response.content.decode().count('class="error"') == 2
    assert not Conversation.objects.exists()
    assert client.post(url, {"group": 999999, "nickname": "x", "body": "y"}).status_code == 400


def test_buyer_rate_limit_message(client, desk, settings):
    settings.CHAT_START_RATE_LIMIT = 1
    url = reverse("chat:shop", args=["acme"])
    client.post(url, {"group": desk.presale.pk, "nickname": "Mei", "body": "Hi"})
    client.post(reverse("chat:shop_leave", args=["acme"]))

    response = client.post(url, {"group": desk.presale.pk, "nickname": "Mei", "body": "again"})

    assert "Too many conversations from your network" in response.content.decode()
    assert Conversation.objects.count() == 1


def test_unknown_shop_is_404(client, db):
    assert client.get(reverse("chat:shop", args=["no-such-shop"])).status_code == 404


# Query counts -----------------------------------------------------------------------------------


def _grow(desk, person, n):
    online(person)
    for i in range(n):
        conversation = start(desk.presale, nickname=f"buyer{i}-{Conversation.objects.count()}")
        services.buyer_message_send(conversation=conversation, body="more")


@pytest.mark.parametrize("name", ["chat:workbench", "chat:history"])
def test_list_pages_cost_the_same_queries_however_many_rows(client, desk, django_assert_max_num_queries, name):
    client.force_login(desk.agent_a)
    _grow(desk, desk.agent_a, 2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse(name)).status_code == 200
    _grow(desk, desk.agent_a, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_live_view_and_export_cost_the_same_queries_however_many_rows(client, desk, owner, django_assert_max_num_queries):
    client.force_login(owner)
    _grow(desk, desk.agent_a, 2)
    counts = {}
    for name in ("chat:live", "chat:history_export", "chat:distribution"):
        with django_assert_max_num_queries(40) as few:
            client.get(reverse(name))
        counts[name] = len(few.captured_queries)
    _grow(desk, desk.agent_b, 15)
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            client.get(reverse(name))


def test_system_lines_read_in_the_readers_language(client, desk):
    online(desk.agent_a)
    conversation = start(desk.presale)
    client.cookies["django_language"] = "zh-hans"
    client.force_login(desk.agent_a)

    data = client.get(reverse("chat:messages", args=[conversation.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    system = [m for m in data["messages"] if m["kind"] == "system"]

    assert system and Message.objects.get(pk=system[0]["id"]).body == "started"


def test_logging_out_sets_an_online_member_away(client, desk):
    online(desk.agent_a)
    client.force_login(desk.agent_a)

    client.post(reverse("accounts:logout"))

    assert Presence.objects.get(user=desk.agent_a).status == "away"
    assert start(desk.presale).assignee == desk.owner


def test_the_live_view_shows_each_groups_cap_and_which_is_full(client, desk):
    services.member_add(actor=desk.owner, group=desk.aftersale, user=desk.agent_a)
    services.group_update(actor=desk.owner, group=desk.aftersale, name="After-sales", reception_cap=1)
    online(desk.agent_a)
    start(desk.presale)
    client.force_login(desk.owner)

    page = client.get(reverse("chat:live")).content.decode()
    row = page.split('data-member="agent_a"')[1].split("</tr>")[0]

    # Full in After-sales (cap 1), still receiving in Pre-sales (cap 10): both are shown.
    assert '<span data-group="After-sales">After-sales: 1 (full)</span>' in row
    assert '<span data-group="Pre-sales">Pre-sales: 10</span>' in row
    assert "yes (not in After-sales: at its reception cap)" in row


def test_live_view_and_distribution_cost_the_same_queries_however_many_members(
    client, desk, owner, org, chat_position, django_assert_max_num_queries
):
    """Members, groups and candidates are read in fixed queries (compiled once, issue 27)."""
    client.force_login(owner)
    online(desk.agent_a)
    counts = {}
    for name in ("chat:live", "chat:distribution"):
        with django_assert_max_num_queries(40) as few:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(few.captured_queries)
    extra = services.group_create(actor=owner, name="Night shift")
    for n in range(6):
        person = verified(hire(owner, f"night{n}", org.ops, chat_position))
        services.member_add(actor=owner, group=extra, user=person)
        services.member_add(actor=owner, group=desk.aftersale, user=person)
        online(person)
    hire(owner, "not_yet_member", org.ops, chat_position)  # a candidate
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            page = client.get(reverse(name)).content.decode()
        assert 'data-member="night5"' in page
