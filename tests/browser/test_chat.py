"""Acceptance of customer-chat distribution (issue 13, R-36) in Chromium, served as in production:
ASGI under uvicorn, live updates through server-sent events woken by the Redis doorbell.

A buyer writes → the staff member sees it without reloading → replies → the buyer sees it without
reloading; a member who goes away gets nothing more, the next conversation goes to the other one;
with everyone away the main account gets it; a muted account never receives one and cannot send.
"""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import User
from chat import services
from chat.models import Conversation
from orgchart.services import position_create
from tests.asgi_server import serve_asgi
from tests.personas import catalogue, hire, verified

from .helpers import ACTION_TIMEOUT_MS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(settings):
    settings.CHAT_CHANNEL_PREFIX = f"test-chat-browser-{os.getpid()}:"
    with serve_asgi() as live:
        yield live


@pytest.fixture
def desk(owner, org):
    position = position_create(actor=owner, tenant=owner.tenant, name="Customer service", permissions=catalogue("customer_chat"))
    agent_a = verified(hire(owner, "agent_a", org.east, position))
    agent_b = verified(hire(owner, "agent_b", org.east, position))
    muted = hire(owner, "muted_agent", org.east, position)  # never verified: muted
    group = services.group_create(actor=owner, name="Pre-sales", description="Before you buy")
    services.group_create(actor=owner, name="After-sales")
    for person in (agent_a, agent_b, muted):
        services.member_add(actor=owner, group=group, user=person)
    return agent_a, agent_b, muted


@pytest.fixture
def open_page(new_context, server):
    def open_as(username=None):
        context = new_context()
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        if username:
            sign_in(page, server.url, username)
            expect(page.get_by_test_id("current-user")).to_be_visible()
        return page

    return open_as


def go_online(page, server):
    page.goto(f"{server.url}/chat/")
    page.get_by_role("button", name="Go online").click()
    expect(page.get_by_test_id("presence-status")).to_have_text("Online")


def buyer_starts(page, server, nickname, text):
    page.goto(f"{server.url}/chat/s/acme/")
    page.get_by_label("Pre-sales").check()
    page.get_by_label("Your nickname").fill(nickname)
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Start chatting").click()
    expect(page.get_by_test_id("thread")).to_contain_text(text)


@pytest.mark.sqlite_smoke
def test_buyer_and_staff_chat_live_and_distribution_follows_presence(open_page, server, owner, desk, screenshot):
    agent_a, agent_b, muted = desk
    staff_a = open_page(agent_a.username)
    staff_b = open_page(agent_b.username)
    go_online(staff_a, server)
    go_online(staff_b, server)
    expect(staff_a.get_by_test_id("no-conversations")).to_be_visible()

    # A buyer writes; the least busy member idle longest (both idle: the first) gets it.
    buyer = open_page()
    buyer_starts(buyer, server, "Xiaomei", "Is the red dress in stock?")
    expect(buyer.get_by_test_id("served-by")).to_have_text("Agent A")

    # Agent A sees it appear without reloading, with one unread message.
    row = staff_a.get_by_test_id("conversation-list").get_by_role("link", name="Xiaomei")
    expect(row).to_be_visible()
    expect(row.get_by_test_id("unread")).to_have_text("1")
    row.click()
    expect(staff_a.get_by_test_id("thread")).to_contain_text("Is the red dress in stock?")

    # The buyer writes again: it appears in the open thread without reloading.
    buyer.get_by_label("Your message").fill("Size M please")
    buyer.get_by_role("button", name="Send").click()
    expect(staff_a.get_by_test_id("thread")).to_contain_text("Size M please")

    # Agent A replies: the buyer sees it without reloading.
    staff_a.get_by_label("Reply").fill("Yes, size M is in stock.")
    staff_a.get_by_role("button", name="Send").click()
    expect(buyer.get_by_test_id("thread")).to_contain_text("Yes, size M is in stock.")
    screenshot(staff_a, "chat-workbench")
    screenshot(buyer, "chat-buyer")

    # The buyer reloads: the conversation is still there (signed cookie).
    buyer.reload()
    expect(buyer.get_by_test_id("thread")).to_contain_text("Yes, size M is in stock.")

    # Agent A goes away: its open conversation goes to Agent B, and so does the next one; B sees them live.
    staff_a.goto(f"{server.url}/chat/")
    staff_a.get_by_role("button", name="Go away").click()
    expect(staff_a.get_by_test_id("presence-status")).to_have_text("Away")
    second = open_page()
    buyer_starts(second, server, "Laowang", "Where is my parcel?")
    expect(second.get_by_test_id("served-by")).to_have_text("Agent B")
    expect(staff_b.get_by_test_id("conversation-list").get_by_role("link", name="Laowang")).to_be_visible()
    expect(staff_b.get_by_test_id("conversation-list").get_by_role("link", name="Xiaomei")).to_be_visible()
    expect(buyer.get_by_test_id("served-by")).to_have_text("Agent B")

    # Everyone away (the muted member online does not count): the main account gets it, and B's two.
    staff_b.get_by_role("button", name="Go away").click()
    muted_page = open_page(muted.username)
    go_online(muted_page, server)
    expect(muted_page.get_by_test_id("muted-notice")).to_be_visible()
    third = open_page()
    buyer_starts(third, server, "Dabao", "Anyone there?")
    expect(third.get_by_test_id("served-by")).to_have_text(owner.label)
    expect(third.get_by_test_id("thread")).to_contain_text("All customer service staff are busy")
    assert Conversation.objects.get(buyer_nickname="Dabao").is_overflow
    assert not Conversation.objects.filter(assignee=muted).exists()
    expect(muted_page.get_by_test_id("no-conversations")).to_be_visible()

    # The main account's live view lists the overflow conversation.
    owner_page = open_page(owner.username)
    owner_page.goto(f"{server.url}/chat/live/")
    expect(owner_page.get_by_test_id("overflow-list")).to_contain_text("Dabao")
    expect(owner_page.locator('tr[data-member="agent_b"] [data-role=load]')).to_have_text("0")
    screenshot(owner_page, "chat-live-view")

    # A muted account cannot send, even in a conversation it holds (say, muted after it was routed).
    Conversation.objects.filter(buyer_nickname="Dabao").update(assignee=muted, is_overflow=False)
    held = Conversation.objects.get(buyer_nickname="Dabao")
    muted_page.goto(f"{server.url}/chat/conversations/{held.pk}/")
    muted_page.get_by_label("Reply").fill("hello buyer")
    muted_page.get_by_role("button", name="Send").click()
    expect(muted_page.locator("[data-role=error]")).to_contain_text("Your account is muted")
    assert not held.messages.filter(body="hello buyer").exists()
    assert User.objects.get(pk=muted.pk).is_muted


def test_owner_sets_up_groups_and_members_and_searches_the_history(open_page, server, owner, org, screenshot):
    position = position_create(actor=owner, tenant=owner.tenant, name="Customer service", permissions=catalogue("customer_chat"))
    agent = verified(hire(owner, "agent_a", org.east, position))
    page = open_page(owner.username)

    # A new group, then a member for it; only staff holding the chat right are offered.
    page.goto(f"{server.url}/chat/distribution/")
    page.get_by_label("Name").fill("After-sales")
    page.get_by_label("Description").fill("Parcels, returns and exchanges")
    page.get_by_role("button", name="Create group").click()
    expect(page.locator(".message.success")).to_have_text("Group After-sales created.")
    group = page.locator('section[data-group="After-sales"]')
    expect(group.get_by_label("Add member to After-sales").locator("option")).to_have_text(["Agent A (acme:agent_a)"])
    group.get_by_role("button", name="Add").click()
    expect(page.locator(".message.success")).to_have_text("Agent A added to After-sales.")
    row = page.locator('section[data-group="After-sales"] tr[data-member="agent_a"]')
    expect(row).to_contain_text("Enabled")

    # Disable and enable again.
    row.get_by_role("button", name="Disable").click()
    expect(page.locator(".message.success")).to_have_text("Agent A no longer receives conversations of After-sales.")
    expect(row).to_contain_text("Disabled")
    row.get_by_role("button", name="Enable").click()
    expect(row).to_contain_text("Enabled")

    # The same name twice is refused next to the field.
    page.get_by_label("Name").fill("After-sales")
    page.get_by_role("button", name="Create group").click()
    expect(page.locator(".error[data-field=name]")).to_have_text("A chat group with this name already exists.")

    # Edit: no longer offered to buyers, whose page then says so.
    group.get_by_role("link", name="Edit").click()
    page.get_by_label("Offered to buyers").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator('section[data-group="After-sales"] h2')).to_contain_text("not offered to buyers")
    buyer = open_page()
    buyer.goto(f"{server.url}/chat/s/acme/")
    expect(buyer.locator(".notice")).to_have_text("This shop does not take chats at the moment.")

    # History: two conversations, searched by what a buyer wrote, exported.
    chat_group = services.group_create(actor=owner, name="Pre-sales")
    services.member_add(actor=owner, group=chat_group, user=agent)
    services.conversation_start(group=chat_group, nickname="Xiaomei", body="red dress in size M?")
    services.conversation_start(group=chat_group, nickname="Laowang", body="where is my parcel")
    page.goto(f"{server.url}/chat/history/")
    expect(page.get_by_test_id("result-count")).to_have_text("2 conversations")
    page.get_by_label("Search").fill("parcel")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("history-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("history-table")).to_contain_text("Laowang")
    screenshot(page, "chat-history")
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert "Laowang" in text and "Xiaomei" not in text and "where is my parcel" in text
    page.get_by_role("link", name="Laowang").click()
    expect(page.get_by_test_id("thread")).to_contain_text("where is my parcel")
