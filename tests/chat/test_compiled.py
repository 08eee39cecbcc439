"""``chat.compiled.eligible_rows`` (the SQL written once, issue 27) says who may receive a
conversation exactly as the ORM query it replaced (``routing.eligible_staff_query``), case by case;
``routing.eligible_staff`` keeps ``can_send_chat``/``in_window`` as the deciding rule (R-17)."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User
from chat import compiled, routing
from chat import services as chat_services
from chat.models import ChatMember, Conversation, Presence

from tests.personas import catalogue, hire, temporary, verified

pytestmark = pytest.mark.django_db


def _present(person, status=Presence.Status.ONLINE, seen=None, assigned=None):
    Presence.objects.update_or_create(
        user=person,
        defaults={
            "tenant_id": person.tenant_id,
            "status": status,
            "last_seen_at": seen or timezone.now(),
            "last_assigned_at": assigned,
        },
    )


def _update(person, **fields):
    User.objects.filter(pk=person.pk).update(**fields)


@pytest.fixture
def crowd(desk, org, chat_position, globex_desk):
    """One person per case, each a member of ``Pre-sales`` (but where said) and online (but where said)."""
    owner, presale, aftersale = desk.owner, desk.presale, desk.aftersale
    now = timezone.now()

    def member(name, position=chat_position, *, group=presale, enabled=True, **hire_args):
        person = verified(hire(owner, name, org.east, position, **hire_args))
        ChatMember.objects.create(tenant_id=owner.tenant_id, group=group, user=person, is_enabled=enabled)
        _present(person)
        return person

    people = SimpleNamespace(
        by_position=member("by_position"),
        by_person=member("by_person", org.clerk, supplementary=["customer_chat"]),
        no_right=member("no_right", org.clerk),
        offline=member("offline"),
        busy=member("busy_one"),
        stale=member("stale"),
        no_presence=member("no_presence"),
        muted=member("muted_one"),
        rejected=member("rejected"),
        under_review=member("under_review"),
        disabled=member("disabled_one"),
        inactive=member("inactive"),
        frozen=member("frozen_one"),
        resigned=member("resigned_one"),
        temp_inside=member("temp_inside"),
        temp_outside=member("temp_outside"),
        temp_upcoming=member("temp_upcoming"),
        member_disabled=member("member_disabled", enabled=False),
        other_group=member("other_group", group=aftersale),
        loaded=member("loaded"),
        other_tenant=globex_desk.agent,
    )
    _present(people.offline, Presence.Status.AWAY)
    _present(people.busy, Presence.Status.BUSY)
    _present(people.stale, seen=now - datetime.timedelta(hours=1))
    Presence.objects.filter(user=people.no_presence).delete()
    _present(people.loaded, assigned=now - datetime.timedelta(minutes=5))
    _update(people.muted, identity_status=User.IdentityStatus.UNVERIFIED)
    _update(people.rejected, identity_status=User.IdentityStatus.REJECTED)
    _update(people.under_review, identity_status=User.IdentityStatus.PENDING)
    _update(people.disabled, status=User.Status.DISABLED)
    _update(people.inactive, is_active=False)
    _update(people.frozen, status=User.Status.FROZEN)
    _update(people.resigned, status=User.Status.RESIGNED)
    for person in (people.temp_inside, people.temp_outside):
        temporary(person, open_now=person is people.temp_inside)
    _update(
        people.temp_upcoming,
        temporary_starts_at=now + datetime.timedelta(days=1),
        temporary_ends_at=now + datetime.timedelta(days=2),
        identity_status=User.IdentityStatus.UNVERIFIED,  # temporary accounts need no verification
    )
    _update(people.temp_inside, identity_status=User.IdentityStatus.UNVERIFIED)
    for n, status in enumerate(["open", "open", "closed", "queued"]):
        Conversation.objects.create(
            tenant_id=owner.tenant_id,
            group=presale,
            buyer_nickname=f"b{n}",
            assignee=people.loaded if status != "queued" else None,
            status=status,
            created_at=now,
            last_message_at=now,
        )
    people.desk, people.presale, people.aftersale = desk, presale, aftersale
    return people


def _compiled(tenant_id, group=None, now=None):
    now = now or timezone.now()
    return compiled.eligible_rows(
        tenant_id, group_id=group.pk if group else None, now=now, fresh_since=Presence.fresh_since(now)
    )


def _orm(tenant_id, group=None, now=None):
    return list(routing.eligible_staff_query(tenant_id, group=group, now=now or timezone.now()))


def _fields(person):
    return {field.attname: getattr(person, field.attname) for field in User._meta.concrete_fields}


@pytest.mark.parametrize("which", [None, "presale", "aftersale"])
def test_compiled_and_orm_agree_row_for_row(crowd, which):
    group = getattr(crowd, which) if which else None
    now = timezone.now()

    fast = _compiled(crowd.desk.owner.tenant_id, group, now)
    slow = _orm(crowd.desk.owner.tenant_id, group, now)

    assert [(p.pk, p.open_count, p.idle_since) for p in fast] == [(p.pk, p.open_count, p.idle_since) for p in slow]
    # Every field as the ORM gives it, types included (SQLite: aware datetimes, real booleans).
    for mine, theirs in zip(fast, slow):
        assert _fields(mine) == _fields(theirs)
        assert {k: type(v) for k, v in _fields(mine).items()} == {k: type(v) for k, v in _fields(theirs).items()}
        assert mine._state.adding is False and mine._state.db == theirs._state.db


def test_who_is_eligible_case_by_case(crowd):
    tenant_id = crowd.desk.owner.tenant_id
    anyone = {p.account_name for p in routing.eligible_staff(tenant_id)}
    presale = {p.account_name for p in routing.eligible_staff(tenant_id, group=crowd.presale)}
    aftersale = {p.account_name for p in routing.eligible_staff(tenant_id, group=crowd.aftersale)}

    receives = {"by_position", "by_person", "under_review", "temp_inside", "loaded"}
    assert presale == receives
    assert aftersale == {"other_group"}
    assert anyone == receives | {"other_group"}
    never = {
        "no_right", "offline", "busy_one", "stale", "no_presence", "muted_one", "rejected", "disabled_one",
        "inactive", "frozen_one", "resigned_one", "temp_outside", "temp_upcoming", "member_disabled",
        "globex_agent",
    }  # fmt: skip
    assert not never & anyone
    loaded = next(p for p in routing.eligible_staff(tenant_id) if p.account_name == "loaded")
    assert loaded.open_count == 2
    assert loaded.idle_since is not None and timezone.is_aware(loaded.idle_since)


def test_the_database_narrows_and_can_send_chat_decides(crowd, monkeypatch):
    """A row the query lets through is still dropped by ``can_send_chat`` (R-17): the compiled SQL
    only narrows, it does not replace the rule."""
    tenant_id = crowd.desk.owner.tenant_id
    monkeypatch.setattr(User, "can_send_chat", property(lambda self: self.account_name != "by_position"))

    names = {p.account_name for p in routing.eligible_staff(tenant_id, group=crowd.presale)}

    assert "by_position" not in names
    assert "by_person" in names


def test_a_window_that_closes_later_is_read_at_the_given_moment(crowd):
    tenant_id = crowd.desk.owner.tenant_id
    later = timezone.now() + datetime.timedelta(days=2)
    # Two days on nobody reported (stale) and the temporary window has closed: both versions agree.
    assert _compiled(tenant_id, now=later) == _orm(tenant_id, now=later) == []
    Presence.objects.update(last_seen_at=later)
    fast = [p.account_name for p in _compiled(tenant_id, crowd.presale, later)]
    assert fast == [p.account_name for p in _orm(tenant_id, crowd.presale, later)]
    assert "temp_inside" not in fast and "temp_upcoming" not in fast


def test_a_personal_right_taken_away_removes_the_member(crowd):
    tenant_id = crowd.desk.owner.tenant_id
    crowd.by_person.user_permissions.remove(*catalogue("customer_chat"))

    assert crowd.by_person.pk not in {p.pk for p in _compiled(tenant_id, crowd.presale)}
    assert crowd.by_person.pk not in {p.pk for p in _orm(tenant_id, crowd.presale)}


def test_routing_still_uses_it(crowd):
    """``route`` hands a new conversation to an eligible member (the compiled path end to end)."""
    conversation = chat_services.conversation_start(group=crowd.aftersale, nickname="b", body="hi")
    assert conversation.assignee_id == crowd.other_group.pk


def test_member_rows_are_the_orm_members_with_their_people(crowd):
    tenant_id = crowd.desk.owner.tenant_id
    from chat.routing import holds_chat_permission, open_count

    for live, order in ((True, ("group__name", "pk")), (False, ("user__account_name",))):
        mine = compiled.member_rows(tenant_id, live=live)
        theirs = list(ChatMember.objects.filter(tenant_id=tenant_id).select_related("group", "user").order_by(*order))
        assert [m.pk for m in mine] == [m.pk for m in theirs]
        for m, t in zip(mine, theirs):
            assert (m.group.name, m.group.reception_cap, m.cap, m.is_enabled) == (t.group.name, t.group.reception_cap, t.cap, t.is_enabled)
            assert _fields(m.user) == _fields(t.user)
    people = {
        p.pk: p
        for p in User.objects.filter(tenant_id=tenant_id)
        .select_related("chat_presence")
        .annotate(holds_right=holds_chat_permission(), open_count=open_count())
    }
    for member in compiled.member_rows(tenant_id):
        person, reference = member.user, people[member.user_id]
        assert (person.holds_right, person.open_count) == (reference.holds_right, reference.open_count)
        presence = getattr(reference, "chat_presence", None)
        mine = getattr(person, "chat_presence", None)
        assert (mine and (mine.pk, mine.status, mine.last_seen_at)) == (presence and (presence.pk, presence.status, presence.last_seen_at))
    assert not {m.user_id for m in compiled.member_rows(tenant_id)} & {crowd.other_tenant.pk}
    assert {p.holds_right for p in people.values() if p.account_name == "no_right"} == {False}


def test_member_rows_need_no_further_query(crowd, django_assert_num_queries):
    with django_assert_num_queries(1):
        members = compiled.member_rows(crowd.desk.owner.tenant_id)
        for member in members:
            getattr(member.user, "chat_presence", None)
            member.group.name, member.user.label, member.cap


def test_candidate_rows_are_chat_candidates(crowd):
    from chat.selectors import chat_candidates

    tenant_id = crowd.desk.owner.tenant_id
    User.objects.filter(pk=crowd.by_position.pk).update(status=User.Status.PENDING)
    mine = compiled.candidate_rows(tenant_id)
    theirs = list(chat_candidates(tenant_id))

    assert [_fields(p) for p in mine] == [_fields(p) for p in theirs]
    names = {p.account_name for p in mine}
    assert "by_position" in names and "by_person" in names
    assert not names & {"no_right", "disabled_one", "frozen_one", "resigned_one", "globex_agent", "sales_admin"}
