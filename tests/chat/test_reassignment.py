"""No buyer is stranded, caps, the queue and the main-account setting (R-36, issue 25).

Each "input that fails today" of the issue is a test here: a member whose browser is gone, who logs
out, whose temporary window closes; 45 buyers with nobody online; the add-member list.
"""

import datetime
import re

import pytest
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from accounts.services.staff import staff_disable, staff_offboard
from chat import routing, services
from chat.sweep import sweep
from chat.models import ChatMember, Conversation, DistributionSettings, Message, Presence, message_text
from chat.streams import buyer_state

from tests.personas import away, online, start

pytestmark = pytest.mark.django_db


def served_by(conversation):
    conversation = Conversation.objects.select_related("assignee").get(pk=conversation.pk)
    return conversation.assignee


def last_line(conversation):
    return message_text(Message.objects.filter(conversation=conversation).latest("id"))


def starts(group, n, prefix="b"):
    return [start(group, nickname=f"{prefix}{i}") for i in range(n)]


def test_a_closed_browser_hands_its_conversations_on_after_the_grace_period(desk, settings):
    online(desk.agent_a)
    mine = starts(desk.presale, 5)
    assert {served_by(c) for c in mine} == {desk.agent_a}
    online(desk.agent_b, desk.agent_c)
    last_report = Presence.objects.get(user=desk.agent_a).last_seen_at
    now = last_report + datetime.timedelta(seconds=90)  # browser closed: no heartbeat since

    # Inside the grace period (2 minutes by default) nothing moves: a flaky network may come back.
    Presence.objects.filter(user__in=[desk.agent_b, desk.agent_c]).update(last_seen_at=now)
    assert sweep(now) == {"released": 0, "handed": 0}

    now += datetime.timedelta(seconds=31)
    Presence.objects.filter(user__in=[desk.agent_b, desk.agent_c]).update(last_seen_at=now)
    assert sweep(now)["released"] == 5

    new = [served_by(c) for c in mine]
    assert set(new) == {desk.agent_b, desk.agent_c} and sorted(map(new.count, set(new))) == [2, 3]
    for conversation in mine:
        name = served_by(conversation).label
        assert last_line(conversation) == f"{name} is serving you now (the previous member lost the connection)."
        assert buyer_state(Conversation.objects.get(pk=conversation.pk))["served_by"] == name
    assert Presence.objects.get(user=desk.agent_a).status == "away"  # coming back means choosing online
    entry = AuditEntry.objects.filter(action="chat.conversation_reassign").latest("id")
    assert entry.before == {"served_by": "Agent A"} and entry.after["reason"] == "offline"


def test_logging_out_or_going_away_hands_conversations_on_at_once(desk):
    online(desk.agent_a, desk.agent_b)
    first, second = starts(desk.presale, 2)
    gone = served_by(first)
    other = desk.agent_b if gone == desk.agent_a else desk.agent_a

    user_logged_out.send(sender=User, request=RequestFactory().get("/"), user=gone)

    assert served_by(first) == other
    assert last_line(first) == f"{other.label} is serving you now (the previous member logged out)."
    services.presence_set(actor=other, status="away")
    # Nobody is left online: the main account takes them, as with a new one (its default setting).
    assert served_by(first) == desk.owner and served_by(second) == desk.owner
    assert Conversation.objects.get(pk=first.pk).is_overflow


def test_a_member_who_can_no_longer_serve_hands_on_at_once(desk):
    """Disabled, offboarded, removed from the group, disabled in the group: at once, each with its reason."""
    holders = [desk.agent_a, desk.agent_b, desk.agent_c, desk.temp_agent]
    held = {}
    for person in holders:
        online(person)
        held[person.pk] = start(desk.presale, nickname=person.account_name)
        services.presence_set(actor=person, status="busy")  # keeps it; the next goes to the next member
    online(*holders)  # all of them can receive again: each handed-on conversation has somewhere to go

    staff_disable(actor=desk.owner, staff=desk.agent_a)
    staff_offboard(actor=desk.owner, staff=desk.agent_b)
    services.member_remove(actor=desk.owner, member=ChatMember.objects.get(group=desk.presale, user=desk.agent_c))
    services.member_set_enabled(
        actor=desk.owner, member=ChatMember.objects.get(group=desk.presale, user=desk.temp_agent), enabled=False
    )

    # Nobody able is left in the group: the last ones went to the main account (its default setting).
    assert not Conversation.objects.filter(assignee__in=holders, status="open").exists()
    assert {served_by(c) for c in held.values()} == {desk.owner}
    moves = AuditEntry.objects.filter(action="chat.conversation_reassign").order_by("id")
    first = {}
    for entry in moves:
        first.setdefault(entry.target_id, entry.after["reason"])
    why = {"agent_a": "disabled", "agent_b": "offboarded", "agent_c": "removed", "temp_agent": "group_disabled"}
    assert {p.account_name: first[str(held[p.pk].pk)] for p in holders} == why


def test_the_sweep_hands_on_what_changed_without_an_event(desk):
    """A temporary window that closes, and any change made behind the services' back (frozen,
    muted): the worker's sweep finds them and hands their buyers on."""
    held = {}
    for person in (desk.temp_agent, desk.agent_b, desk.agent_c):
        online(person)
        held[person.account_name] = start(desk.presale, nickname=person.account_name)
        services.presence_set(actor=person, status="busy")
    online(desk.agent_a)
    User.objects.filter(pk=desk.temp_agent.pk).update(temporary_ends_at=timezone.now() - datetime.timedelta(seconds=1))
    User.objects.filter(pk=desk.agent_b.pk).update(status=User.Status.FROZEN)
    User.objects.filter(pk=desk.agent_c.pk).update(identity_status=User.IdentityStatus.REJECTED)

    assert sweep()["released"] == 3

    assert {served_by(c) for c in held.values()} == {desk.agent_a}
    assert "temporary access ended" in last_line(held["temp_agent"])
    assert "account was frozen" in last_line(held["agent_b"])
    assert "may not chat until verified" in last_line(held["agent_c"])


def test_nobody_online_fills_the_main_account_to_its_cap_then_queues_then_hands_out_in_order(desk):
    # 45 buyers, no member online: 44 landed on the main account before.
    conversations = starts(desk.presale, 45)
    overflow = [c for c in conversations if served_by(c) == desk.owner]
    queued = [c for c in conversations if served_by(c) is None]
    assert len(overflow) == 10 and len(queued) == 35  # the main account's cap (default 10)
    assert [buyer_state(Conversation.objects.get(pk=c.pk))["position"] for c in queued[:3]] == [1, 2, 3]
    assert last_line(queued[0]) == "All customer service staff are busy; you are in the queue and will be served in turn."

    # A member comes online: it receives the oldest waiting ones, overflow first (they came first), up to its cap.
    online(desk.agent_a)
    handed = [c for c in conversations if served_by(c) == desk.agent_a]
    assert handed == conversations[:10]
    assert all(not Conversation.objects.get(pk=c.pk).is_overflow for c in handed)
    assert last_line(handed[0]) == "Agent A is serving you now."
    # The member at its cap leaves the rest in the queue (a member at work but full is not "nobody
    # online"): the main account takes no more, and the line moves up.
    assert not Conversation.objects.filter(assignee=desk.owner, status="open").exists()
    assert buyer_state(Conversation.objects.get(pk=conversations[10].pk))["position"] == 1

    # Closing one frees a place at once: the first in line gets it.
    services.conversation_close(actor=desk.agent_a, conversation=handed[0])
    assert served_by(conversations[10]) == desk.agent_a


def test_handed_on_buyers_join_the_line_by_when_they_started(desk):
    services.settings_update(actor=desk.owner, main_account_cap=2)
    services.group_update(actor=desk.owner, group=desk.presale, name="Pre-sales", reception_cap=1)
    online(desk.agent_a)
    first, second, third = starts(desk.presale, 3)  # Agent A full: the other two queue behind it

    away(desk.agent_a)  # nobody online now: the main account's two places go to the two oldest

    assert [served_by(c) for c in (first, second, third)] == [desk.owner, desk.owner, None]
    assert buyer_state(Conversation.objects.get(pk=third.pk))["position"] == 1


def test_caps_weights_busy_and_the_main_account_setting(desk):
    services.settings_update(actor=desk.owner, main_account_mode=DistributionSettings.MainAccountMode.NEVER)
    services.group_update(actor=desk.owner, group=desk.presale, name="Pre-sales", reception_cap=2)
    member_b = ChatMember.objects.get(group=desk.presale, user=desk.agent_b)
    services.member_update(actor=desk.owner, member=member_b, reception_cap=4, weight=2)
    online(desk.agent_a, desk.agent_b)

    conversations = starts(desk.presale, 7)
    loads = [served_by(c) for c in conversations]
    assert loads.count(desk.agent_a) == 2 and loads.count(desk.agent_b) == 4 and loads[-1] is None  # caps hold
    assert loads[:3].count(desk.agent_b) == 2  # weight 2: twice as many while both have room

    # Busy (挂起): keeps its conversations, receives nothing new even with room.
    services.presence_set(actor=desk.agent_b, status="busy")
    services.conversation_close(actor=desk.agent_b, conversation=conversations[loads.index(desk.agent_b)])
    assert served_by(conversations[-1]) is None
    assert Conversation.objects.filter(assignee=desk.agent_b, status="open").count() == 3

    # Never: with nobody online the buyer waits instead of going to the main account.
    services.presence_set(actor=desk.agent_a, status="away")
    assert not Conversation.objects.filter(assignee=desk.owner).exists()
    # As a member with its own cap: the main account takes them like a member, once online.
    services.settings_update(
        actor=desk.owner, main_account_mode=DistributionSettings.MainAccountMode.MEMBER, main_account_cap=2
    )
    assert not Conversation.objects.filter(assignee=desk.owner).exists()
    online(desk.owner)
    assert Conversation.objects.filter(assignee=desk.owner, is_overflow=False, status="open").count() == 2


def test_the_main_account_as_a_member_is_one_like_any_other(desk, client):
    services.settings_update(actor=desk.owner, main_account_mode=DistributionSettings.MainAccountMode.MEMBER)
    first = start(desk.presale, nickname="first")
    assert served_by(first) is None  # the main account never went online: the buyer waits

    online(desk.agent_a)
    client.force_login(desk.owner)
    assert 'value="online"' in client.get(reverse("chat:workbench")).content.decode()
    client.post(reverse("chat:presence"), {"status": "online"})  # the main account may go online
    second = start(desk.presale, nickname="second")
    assert (served_by(first), served_by(second)) == (desk.agent_a, desk.owner)
    # One each: the tie goes to whoever received longest ago, not to the main account every time.
    assert served_by(start(desk.presale, nickname="third")) == desk.agent_a

    # Away: what it holds is handed on like a member's, saying why.
    client.post(reverse("chat:presence"), {"status": "away"})
    assert served_by(second) == desk.agent_a
    assert "the previous member stepped away" in last_line(second)

    # Lost browser past the grace period: the sweep hands it on.
    online(desk.owner)
    fourth = start(desk.presale, nickname="fourth")
    assert served_by(fourth) == desk.owner
    later = timezone.now() + datetime.timedelta(minutes=5)
    Presence.objects.filter(user=desk.agent_a).update(last_seen_at=later)
    sweep(later)
    assert served_by(fourth) == desk.agent_a

    # Switching the mode back to never hands the main account's conversations back to routing.
    online(desk.owner)
    fifth = start(desk.presale, nickname="fifth")
    assert served_by(fifth) == desk.owner
    services.settings_update(actor=desk.owner, main_account_mode=DistributionSettings.MainAccountMode.NEVER)
    assert served_by(fifth) == desk.agent_a
    assert "no longer takes conversations as a member" in last_line(fifth)
    entry = AuditEntry.objects.filter(action="chat.conversation_reassign").latest("id")
    assert entry.after["reason"] == "main_account_mode"


def test_outside_working_hours_the_buyer_leaves_a_message_routed_when_the_group_opens(desk, client):
    online(desk.agent_a)
    shanghai = routing.shop_time(timezone.now())
    opens = (shanghai + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    closes = (shanghai + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    services.group_update(actor=desk.owner, group=desk.presale, name="Pre-sales", opens_at=opens, closes_at=closes)

    # The start page says so before the buyer writes, next to the group's name.
    page = client.get(reverse("chat:shop", args=["acme"])).content.decode()
    assert re.search(rf"Pre-sales \(closed now; back at \d\d-\d\d {opens:%H:%M} Beijing time, leave a message\)", page)
    assert "After-sales (closed" not in page

    response = client.post(
        reverse("chat:shop", args=["acme"]),
        {"group": desk.presale.pk, "nickname": "night owl", "body": "Do you ship to Tibet?"},
        follow=True,
    )
    page = response.content.decode()
    assert "It opens again at" in page and opens.strftime("%H:%M") in page
    conversation = Conversation.objects.get(buyer_nickname="night owl")
    assert conversation.is_queued and served_by(conversation) is None

    # An hour later the group is open: the sweep routes the message (the member kept reporting).
    later = timezone.now() + datetime.timedelta(hours=1, minutes=1)
    Presence.objects.filter(user=desk.agent_a).update(last_seen_at=later)
    sweep(later)
    assert served_by(conversation) == desk.agent_a


def test_past_the_shops_waiting_cap_a_new_buyer_is_asked_to_wait(desk, client):
    services.settings_update(actor=desk.owner, main_account_mode="never", unassigned_cap=3)
    starts(desk.presale, 3)

    response = client.post(
        reverse("chat:shop", args=["acme"]), {"group": desk.presale.pk, "nickname": "late", "body": "hi"}
    )

    assert response.status_code == 400
    assert "Many buyers are waiting for this shop right now" in response.content.decode()
    assert Conversation.objects.count() == 3

    # The cap bounds only who would wait: a buyer a member with room serves at once is let in,
    # while an after-sales buyer (no member there) is still refused, leaving nothing behind.
    online(desk.agent_a)  # takes the three waiting ones (cap 10): the queue is empty again
    starts(desk.aftersale, 3)
    served = start(desk.presale, nickname="served")
    assert served_by(served) == desk.agent_a
    with pytest.raises(ValidationError):
        start(desk.aftersale, nickname="refused")
    assert not Conversation.objects.filter(buyer_nickname="refused").exists()


def test_the_add_member_list_offers_neither_disabled_accounts_nor_members(desk, client):
    staff_disable(actor=desk.owner, staff=desk.agent_c)
    services.member_remove(actor=desk.owner, member=ChatMember.objects.get(group=desk.presale, user=desk.agent_b))
    client.force_login(desk.owner)

    page = client.get(reverse("chat:distribution")).content.decode()
    presale_form = page.split(f'action="{reverse("chat:member_add", args=[desk.presale.pk])}"')[1].split("</form>")[0]

    assert f'value="{desk.agent_b.pk}"' in presale_form  # removed: can be added again
    assert f'value="{desk.agent_a.pk}"' not in presale_form  # already a member
    assert f'value="{desk.agent_c.pk}"' not in presale_form  # disabled
    with pytest.raises(ValidationError):
        services.member_add(actor=desk.owner, group=desk.aftersale, user=User.objects.get(pk=desk.agent_c.pk))


def test_bulk_assign_and_close_are_all_or_nothing(desk, client):
    services.settings_update(actor=desk.owner, main_account_mode="never")
    waiting = starts(desk.presale, 4)
    online(desk.agent_b)  # takes all four (cap 10)
    services.group_update(actor=desk.owner, group=desk.presale, name="Pre-sales", reception_cap=1)
    services.presence_set(actor=desk.agent_b, status="away")  # back to the queue: nobody else online
    assert all(served_by(c) is None for c in waiting)
    online(desk.agent_a)  # takes the first (cap 1)
    client.force_login(desk.owner)
    url = reverse("chat:waiting")

    page = client.get(url, {"state": "queued", "group": desk.presale.pk}).content.decode()
    assert all(f'value="{c.pk}"' in page for c in waiting[1:])

    services.group_update(actor=desk.owner, group=desk.presale, name="Pre-sales", reception_cap=2)  # a second one
    response = client.post(url, {"conversations": [c.pk for c in waiting[2:]], "action": "assign", "to_user": desk.agent_a.pk})
    assert "has room for 0 more" in response.content.decode()
    assert all(served_by(c) is None for c in waiting[2:])  # nothing changed

    # waiting[1] went to Agent A when the cap rose: it is no longer waiting, so nothing closes.
    response = client.post(url, {"conversations": [c.pk for c in waiting[1:]], "action": "close"})
    assert "No longer waiting: b1" in response.content.decode()
    assert all(Conversation.objects.get(pk=c.pk).status == "queued" for c in waiting[2:])
    response = client.post(url, {"conversations": [c.pk for c in waiting[2:]], "action": "close"}, follow=True)
    assert "2 conversations closed." in response.content.decode()
    assert all(Conversation.objects.get(pk=c.pk).status == "closed" for c in waiting[2:])
    client.force_login(desk.agent_a)
    assert client.get(url).status_code == 403


def test_bad_settings_are_refused_next_to_the_field_and_change_nothing(desk, client):
    client.force_login(desk.owner)

    response = client.post(
        reverse("chat:settings"),
        {"settings-main_account_mode": "sometimes", "settings-main_account_cap": "0", "settings-grace_seconds": "-5",
         "settings-unassigned_cap": "many"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    for field in ("main_account_mode", "main_account_cap", "grace_seconds", "unassigned_cap"):
        assert f'data-field="{field}"' in page
    assert not DistributionSettings.objects.exists()
    # A grace period under the presence timeout would do nothing: refused, saying the least it takes.
    response = client.post(
        reverse("chat:settings"),
        {"settings-main_account_mode": "fallback", "settings-main_account_cap": "10", "settings-grace_seconds": "30",
         "settings-unassigned_cap": "100"},
    )
    assert "The grace period must be at least 60 seconds" in response.content.decode()
    assert not DistributionSettings.objects.exists()
    member = ChatMember.objects.get(group=desk.presale, user=desk.agent_a)
    response = client.post(reverse("chat:member_edit", args=[member.pk]), {"reception_cap": "500", "weight": "0"}, follow=True)
    assert "Ensure this value is less than or equal to 200." in response.content.decode()
    member.refresh_from_db()
    assert (member.reception_cap, member.weight) == (None, 1)
    response = client.post(
        reverse("chat:group_edit", args=[desk.presale.pk]),
        {"name": "Pre-sales", "is_offered": "on", "reception_cap": "10", "opens_at": "09:00"},
    )
    assert "Give both the opening and the closing time, or neither." in response.content.decode()
    desk.presale.refresh_from_db()
    assert desk.presale.opens_at is None
    # The inputs offer what the fields accept: a cap of 0 is refused, so the widget starts at 1.
    page = client.get(reverse("chat:group_edit", args=[desk.presale.pk])).content.decode()
    cap_input = re.search(r'<input[^>]*name="reception_cap"[^>]*>', page).group(0)
    assert 'min="1"' in cap_input and 'max="200"' in cap_input


def test_a_longer_presence_timeout_set_later_does_not_block_the_other_settings(desk, settings):
    """The grace period is checked against the presence timeout when the owner changes it, not on
    every save: a timeout raised in the environment later leaves the stored grace as it is."""
    services.settings_update(actor=desk.owner, grace_seconds=120)
    settings.CHAT_PRESENCE_TTL_SECONDS = 600

    services.settings_update(actor=desk.owner, unassigned_cap=50, grace_seconds=120)

    setup = DistributionSettings.objects.get(tenant=desk.owner.tenant)
    assert (setup.unassigned_cap, setup.grace_seconds) == (50, 120)
    with pytest.raises(ValidationError, match="at least 600 seconds"):
        services.settings_update(actor=desk.owner, grace_seconds=300)


def test_the_waiting_list_costs_the_same_queries_for_many_rows(desk, client, django_assert_max_num_queries):
    services.settings_update(actor=desk.owner, main_account_mode="never")
    starts(desk.presale, 30)
    client.force_login(desk.owner)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("chat:waiting"), {"older_than": "0"}).content.decode()

    assert page.count('name="conversations"') == 30
    assert client.get(reverse("chat:waiting"), {"older_than": "-1"}).status_code == 200  # shown as an error, not a 500
    page = client.get(reverse("chat:waiting"), {"older_than": "abc"}).content.decode()
    assert '<p class="error" data-field="older_than">Enter a whole number.</p>' in page  # next to the filter


def test_a_conversation_transferred_to_a_member_of_another_group_stays_with_it(desk, owner):
    online(desk.agent_a)
    conversation = start(desk.presale)
    outsider = desk.agent_b
    services.member_remove(actor=owner, member=ChatMember.objects.get(group=desk.presale, user=outsider))
    services.member_add(actor=owner, group=desk.aftersale, user=outsider)
    online(outsider)

    services.conversation_transfer(actor=desk.agent_a, conversation=conversation, to_user=outsider)
    sweep()

    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.group) == (outsider, desk.aftersale)
