"""Routing rules of customer-chat distribution (R-36, R-17, R-20)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEntry, User
from chat import services
from chat.models import Conversation, Message, Presence

from tests.personas import away, online, start

pytestmark = pytest.mark.django_db


def test_a_new_conversation_goes_to_the_online_member_with_fewest_open(desk):
    online(desk.agent_a, desk.agent_b)
    first = start(desk.presale)
    second = start(desk.presale)
    third = start(desk.presale)

    assert {first.assignee, second.assignee} == {desk.agent_a, desk.agent_b}
    assert third.assignee in {desk.agent_a, desk.agent_b}
    assert not first.is_overflow
    loads = sorted(Conversation.objects.filter(status="open").values_list("assignee", flat=True))
    assert sorted([loads.count(desk.agent_a.pk), loads.count(desk.agent_b.pk)]) == [1, 2]


def test_ties_go_to_the_member_idle_longest(desk):
    online(desk.agent_a, desk.agent_b)
    now = timezone.now()
    Presence.objects.filter(user=desk.agent_a).update(last_assigned_at=now - datetime.timedelta(minutes=1))
    Presence.objects.filter(user=desk.agent_b).update(last_assigned_at=now - datetime.timedelta(minutes=30))

    assert start(desk.presale).assignee == desk.agent_b


def test_a_closed_conversation_no_longer_counts_as_load(desk):
    online(desk.agent_a, desk.agent_b)
    busy = start(desk.presale)
    services.conversation_close(actor=busy.assignee, conversation=busy)

    # Both hold nothing open now; the other one has been idle longer (never assigned).
    other = desk.agent_b if busy.assignee == desk.agent_a else desk.agent_a
    assert start(desk.presale).assignee == other


def test_a_muted_member_never_receives_one(desk):
    online(desk.muted_agent)

    conversations = [start(desk.presale, nickname=f"b{n}") for n in range(3)]

    assert {c.assignee for c in conversations} == {desk.owner}
    assert all(c.is_overflow for c in conversations)


def test_a_member_under_review_works_normally(desk):
    User.objects.filter(pk=desk.muted_agent.pk).update(identity_status=User.IdentityStatus.PENDING)
    online(desk.muted_agent)

    assert start(desk.presale).assignee == desk.muted_agent


def test_a_temporary_member_receives_inside_its_window_only(desk):
    online(desk.temp_agent, desk.late_agent)

    conversations = [start(desk.presale, nickname=f"b{n}") for n in range(3)]

    assert {c.assignee for c in conversations} == {desk.temp_agent}


def test_away_members_receive_nothing_and_all_away_overflow_to_the_main_account(desk):
    online(desk.agent_a, desk.agent_b)
    away(desk.agent_a)

    assert start(desk.presale).assignee == desk.agent_b

    away(desk.agent_b)
    overflow = start(desk.presale)

    assert overflow.assignee == desk.owner
    assert overflow.is_overflow
    assert Message.objects.filter(conversation=overflow, kind="system", body="overflow").exists()


def test_presence_expires_when_the_browser_stops_reporting(desk, settings):
    online(desk.agent_a)
    stale = timezone.now() - datetime.timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS + 1)
    Presence.objects.filter(user=desk.agent_a).update(last_seen_at=stale)

    assert start(desk.presale).assignee == desk.owner

    services.presence_heartbeat(actor=desk.agent_a)
    assert start(desk.presale).assignee == desk.agent_a


def test_a_disabled_member_or_one_without_the_right_receives_nothing(desk, owner, org):
    online(desk.agent_a, desk.agent_b)
    member = desk.presale.members.get(user=desk.agent_a)
    services.member_set_enabled(actor=owner, member=member, enabled=False)
    # agent_b loses the right: moved to a position without customer_chat.
    User.objects.filter(pk=desk.agent_b.pk).update(position=org.clerk)

    assert start(desk.presale).assignee == desk.owner


def test_members_of_another_group_are_not_asked(desk):
    online(desk.agent_a)

    assert start(desk.aftersale).assignee == desk.owner


def test_disabled_and_resigned_accounts_receive_nothing(desk):
    online(desk.agent_a, desk.agent_b)
    User.objects.filter(pk=desk.agent_a.pk).update(status=User.Status.DISABLED)
    User.objects.filter(pk=desk.agent_b.pk).update(is_active=False)

    assert start(desk.presale).assignee == desk.owner


def test_starting_is_audited_and_stores_the_first_message(desk):
    online(desk.agent_a)

    conversation = start(desk.presale, nickname="Xiaomei", body="Is it in stock?")

    assert list(conversation.messages.values_list("kind", "body")) == [("buyer", "Is it in stock?"), ("system", "started")]
    entry = AuditEntry.objects.get(action="chat.conversation_start")
    assert entry.after == {"group": "Pre-sales", "served_by": desk.agent_a.label, "overflow": False}


@pytest.mark.parametrize(
    "nickname, body, field",
    [("", "Hi", "nickname"), ("x" * 31, "Hi", "nickname"), ("Ann", "   ", "body"), ("Ann", "y" * 2001, "body"), ("A\x00", "Hi", "nickname")],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_stored(desk, nickname, body, field):
    with pytest.raises(ValidationError) as caught:
        start(desk.presale, nickname=nickname, body=body)

    assert field in caught.value.message_dict
    assert not Conversation.objects.exists()


def test_buyers_are_rate_limited_by_address(desk, settings):
    settings.CHAT_START_RATE_LIMIT = 2
    start(desk.presale, ip="203.0.113.9")
    start(desk.presale, ip="203.0.113.9")

    with pytest.raises(ValidationError, match="Too many conversations"):
        start(desk.presale, ip="203.0.113.9")
    start(desk.presale, ip="203.0.113.10")  # someone else is not affected


def test_a_muted_account_cannot_send_even_in_a_conversation_it_holds(desk):
    online(desk.agent_a)
    conversation = start(desk.presale)
    # agent_a's verification is removed afterwards: muted again.
    User.objects.filter(pk=desk.agent_a.pk).update(identity_status=User.IdentityStatus.UNVERIFIED)
    muted = User.objects.get(pk=desk.agent_a.pk)

    with pytest.raises(PermissionDenied, match="muted"):
        services.staff_message_send(actor=muted, conversation=conversation, body="Hello")
    assert not conversation.messages.filter(kind="staff").exists()


def test_only_the_person_serving_replies(desk):
    online(desk.agent_a)
    conversation = start(desk.presale)

    with pytest.raises(PermissionDenied):
        services.staff_message_send(actor=desk.agent_b, conversation=conversation, body="Hi")
    reply = services.staff_message_send(actor=desk.agent_a, conversation=conversation, body="Hi, how can I help?")

    assert reply.author_label == desk.agent_a.label
    conversation.refresh_from_db()
    assert conversation.read_upto == reply.pk == conversation.last_message_id


def test_transfer_to_a_member_and_to_a_group(desk, owner):
    online(desk.agent_a, desk.agent_b)
    conversation = start(desk.presale)
    holder = conversation.assignee
    other = desk.agent_b if holder == desk.agent_a else desk.agent_a

    moved = services.conversation_transfer(actor=holder, conversation=conversation, to_user=other)
    assert moved.assignee == other

    # After-sales has nobody: the main account receives it.
    moved = services.conversation_transfer(actor=other, conversation=conversation, to_group=desk.aftersale)
    assert (moved.assignee, moved.group, moved.is_overflow) == (owner, desk.aftersale, True)
    assert AuditEntry.objects.filter(action="chat.conversation_transfer").count() == 2


def test_transfer_to_someone_who_cannot_take_it_is_refused(desk):
    online(desk.agent_a)
    conversation = start(desk.presale)

    for target in (desk.muted_agent, desk.agent_b, desk.late_agent):  # muted, away, outside window
        with pytest.raises(ValidationError, match="cannot take conversations"):
            services.conversation_transfer(actor=desk.agent_a, conversation=conversation, to_user=target)
    assert Conversation.objects.get(pk=conversation.pk).assignee == desk.agent_a


def test_closing_stops_the_buyer_writing(desk):
    online(desk.agent_a)
    conversation = start(desk.presale)
    services.conversation_close(actor=desk.agent_a, conversation=conversation)

    with pytest.raises(ValidationError, match="closed"):
        services.buyer_message_send(conversation=conversation, body="one more thing")
    assert AuditEntry.objects.filter(action="chat.conversation_close").exists()


def test_settings_belong_to_the_main_account(desk):
    with pytest.raises(PermissionDenied):
        services.group_create(actor=desk.agent_a, name="Sneaky")
    with pytest.raises(ValidationError):
        services.member_add(actor=desk.owner, group=desk.presale, user=desk.sales_admin)  # lacks customer_chat


def test_presence_changes_are_audited(desk):
    online(desk.agent_a)
    away(desk.agent_a)

    assert list(AuditEntry.objects.filter(action="chat.presence").order_by("id").values_list("after", flat=True)) == [
        {"status": "online"},
        {"status": "away"},
    ]


def test_offboarding_hands_open_conversations_over(desk):
    from accounts import handover
    from chat.handover import count_open_conversations, move_open_conversations

    online(desk.agent_a)
    kept = start(desk.presale)
    closed = start(desk.presale)
    services.conversation_close(actor=desk.agent_a, conversation=closed)

    assert "chat_conversations" in handover.MOVERS
    assert count_open_conversations(desk.agent_a) == 1
    assert move_open_conversations(desk.agent_a, desk.agent_b) == 1
    assert Conversation.objects.get(pk=kept.pk).assignee == desk.agent_b
    assert Conversation.objects.get(pk=closed.pk).assignee == desk.agent_a  # history stays as it was


def test_seed_demo_distribution(db, capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    out = capsys.readouterr().out

    groups = {g.name: {m.user.account_name for m in g.members.all()} for g in services.ChatGroup.objects.all()}
    assert groups == {"售前": {"huangsi", "kefu_zhou"}, "售后": {"xuwu", "songer"}}
    muted = User.objects.get(account_name="songer")
    assert muted.is_muted and not Conversation.objects.filter(assignee=muted).exists()
    assert User.objects.get(account_name="kefu_zhou").is_temporary
    assert Conversation.objects.count() == 4 and not Conversation.objects.filter(is_overflow=True).exists()
    assert "/chat/s/demo/" in out
