"""Acceptance of issue 25 (R-36) in Chromium on PostgreSQL, served as in production (ASGI, doorbell):
three agents and seven buyer pages. The main account's setting sends buyers to the queue, which
shows each its place and is served in order as members come online; caps hold; a busy member
receives nothing; an agent that closes its browser hands its buyers on within the grace period
plus one sweep and they read the new name; outside working hours the buyer page says when the
group is back; the owner's live view follows all of it without a reload.
"""

import datetime
import os
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chat import routing, services
from chat.sweep import sweep
from chat.models import Conversation, Presence
from orgchart.services import position_create
from tests.asgi_server import serve_asgi
from tests.personas import catalogue, hire, verified

from .helpers import ACTION_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TTL = 3  # seconds without a heartbeat before a member is offline (production: 60)


@pytest.fixture
def server(settings):
    settings.CHAT_CHANNEL_PREFIX = f"test-chat-distribution-{os.getpid()}:"
    settings.CHAT_PRESENCE_TTL_SECONDS = TTL
    settings.CHAT_HEARTBEAT_SECONDS = 1
    with serve_asgi() as live:
        yield live


@pytest.mark.slow
def test_queue_caps_busy_lost_browser_main_account_setting_and_working_hours(new_context, server, owner, org):
    position = position_create(actor=owner, tenant=owner.tenant, name="Customer service", permissions=catalogue("customer_chat"))
    agents = [verified(hire(owner, f"agent_{x}", org.east, position)) for x in "abc"]
    group = services.group_create(actor=owner, name="Pre-sales")
    services.group_update(actor=owner, group=group, name="Pre-sales", reception_cap=2)
    for agent in agents:
        services.member_add(actor=owner, group=group, user=agent)
    services.settings_update(actor=owner, grace_seconds=TTL)  # lost after the TTL: the test does not wait 2 minutes
    contexts = {}

    def page_of(name, username=None):
        context = contexts[name] = new_context()
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        if username:
            sign_in(page, server.url, username)
        return page

    def buyer_starts(name):
        page = page_of(name)
        page.goto(f"{server.url}/chat/s/acme/")
        page.get_by_label("Pre-sales").check()
        page.get_by_label("Your nickname").fill(name)
        page.get_by_label("Your message").fill(f"{name} asks")
        page.get_by_role("button", name="Start chatting").click()
        expect(page.get_by_test_id("thread")).to_contain_text(f"{name} asks")
        return page

    def set_status(page, button, shown):
        page.goto(f"{server.url}/chat/")
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_test_id("presence-status")).to_have_text(shown)

    # The main account chooses never to receive conversations; its live view stays open.
    boss = page_of("owner", owner.username)
    boss.goto(f"{server.url}/chat/distribution/")
    boss.get_by_label("Never: buyers wait in the queue").check()
    boss.get_by_role("button", name="Save settings").click()
    expect(boss.locator(".message.success")).to_have_text("Distribution settings saved.")
    boss.goto(f"{server.url}/chat/live/")
    expect(boss.get_by_test_id("queue-count")).to_have_text("0")

    # Nobody online: the first buyer waits in the queue instead of going to the main account.
    buyers = {"b1": buyer_starts("b1")}
    expect(buyers["b1"].get_by_test_id("waiting")).to_have_text("You are number 1 in the queue.")
    expect(boss.get_by_test_id("queue-count")).to_have_text("1")  # live, no reload

    # Agent A comes online and is handed the waiting buyer, who reads its name without reloading.
    staff = {x: page_of(x, agent.username) for x, agent in zip("abc", agents)}
    set_status(staff["a"], "Go online", "Online")
    expect(buyers["b1"].get_by_test_id("served-by")).to_have_text("Agent A")
    expect(buyers["b1"].get_by_test_id("waiting")).to_be_hidden()
    set_status(staff["b"], "Go online", "Online")
    set_status(staff["c"], "Busy", "Busy")  # keeps what it has, receives nothing new

    # Caps of 2: three more buyers fill A and B; the next two queue, each told its place.
    for name in ("b2", "b3", "b4", "b5", "b6"):
        buyers[name] = buyer_starts(name)
    expect(buyers["b5"].get_by_test_id("waiting")).to_have_text("You are number 1 in the queue.")
    expect(buyers["b6"].get_by_test_id("waiting")).to_have_text("You are number 2 in the queue.")
    loads = {a.label: Conversation.objects.filter(assignee=a, status="open").count() for a in agents}
    assert loads == {"Agent A": 2, "Agent B": 2, "Agent C": 0}
    expect(boss.locator('tr[data-member="agent_c"] [data-role=presence]')).to_have_text("Busy")
    expect(boss.get_by_test_id("queue-count")).to_have_text("2")

    # Agent C comes online: the queue goes to it in order, the buyers read its name live.
    set_status(staff["c"], "Go online", "Online")
    expect(buyers["b5"].get_by_test_id("served-by")).to_have_text("Agent C")
    expect(buyers["b6"].get_by_test_id("served-by")).to_have_text("Agent C")
    expect(boss.get_by_test_id("queue-count")).to_have_text("0")

    # Agent A closes its browser. Within the grace period plus one sweep its buyers are served by
    # the others (whose cap the owner raised), and read who serves them now.
    services.group_update(actor=owner, group=group, name="Pre-sales", reception_cap=3)
    held = list(Conversation.objects.filter(assignee=agents[0], status="open").values_list("buyer_nickname", flat=True))
    contexts["a"].close()
    deadline = time.monotonic() + 15
    while Presence.objects.get(user=agents[0]).last_seen_at > timezone.now() - datetime.timedelta(seconds=TTL):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert sweep()["released"] == 2
    for name in held:
        new = Conversation.objects.get(buyer_nickname=name).assignee.label
        assert new in {"Agent B", "Agent C"}
        expect(buyers[name].get_by_test_id("served-by")).to_have_text(new)
        expect(buyers[name].get_by_test_id("thread")).to_contain_text(
            f"{new} is serving you now (the previous member lost the connection)."
        )
    expect(boss.locator('tr[data-member="agent_a"] [data-role=load]')).to_have_text("0")

    # Working hours: outside them a buyer is told when the group is back, and its message waits.
    shanghai = routing.shop_time(timezone.now())
    opens = (shanghai + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    boss.goto(f"{server.url}/chat/groups/{group.pk}/")
    boss.get_by_label("Opens at").fill(opens.strftime("%H:%M"))
    boss.get_by_label("Closes at").fill((opens + datetime.timedelta(hours=1)).strftime("%H:%M"))
    boss.get_by_role("button", name="Save").click()
    expect(boss.locator('section[data-group="Pre-sales"]')).to_contain_text("Working hours")
    late = buyers["b1"]
    late.get_by_role("button", name="Start a new conversation").click()
    # Before writing, the start page says when the group is back.
    expect(late.locator("form.group-choice")).to_contain_text(
        f"Pre-sales (closed now; back at {opens:%m-%d %H:%M} Beijing time, leave a message)"
    )
    late.get_by_label("Pre-sales").check()
    late.get_by_label("Your nickname").fill("b7")
    late.get_by_label("Your message").fill("b7 asks at night")
    late.get_by_role("button", name="Start chatting").click()
    expect(late.get_by_test_id("waiting")).to_contain_text(f"It opens again at {opens:%m-%d %H:%M} (Beijing time)")
    assert Conversation.objects.get(buyer_nickname="b7").is_queued
