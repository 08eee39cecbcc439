"""The staff lifecycle services (R-9 … R-16): add, quota, binding, disable, offboard, re-bind, hand-over."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import handover
from accounts.models import AuditEntry, Invitation, Notification, User
from accounts.selectors import inbox_for
from accounts.services import staff as staff_services
from tests.factories import PASSWORD, StaffFactory
from tests.personas import accept_invitation, catalogue, fresh, hire, next_mobile

pytestmark = pytest.mark.django_db

BIND_ERROR = "invalid, used, revoked or expired"


def add(owner, account_name="zhangsan", *, department, position, mobile=None, **extra):
    """Call ``staff_add`` with sensible defaults; return ``(staff, link)``."""
    return staff_services.staff_add(
        actor=owner,
        tenant=owner.tenant,
        display_name=extra.pop("display_name", "Zhang San"),
        account_name=account_name,
        mobile=mobile or next_mobile(),
        department=department,
        position=position,
        **extra,
    )


def fill_seats(tenant, count, **extra):
    """Take ``count`` seats with plain factory staff (the quota counts rows, not how they came)."""
    return StaffFactory.create_batch(count, tenant=tenant, **extra)


def log_in(client, login, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": login, "password": password})


def staff_rows(tenant):
    return User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).count()


# --- adding (R-9, R-10) ------------------------------------------------------------------------


def test_added_staff_await_binding_with_an_invitation_in_their_inbox(owner, org):
    staff, link = add(owner, "ZhangSan", department=org.east, position=org.clerk, mobile="13912345678")

    staff = fresh(staff)
    assert staff.username == "acme:zhangsan" and staff.account_name == "zhangsan"
    assert staff.status == User.Status.PENDING
    assert not staff.has_usable_password()
    assert staff.tenant == owner.tenant and staff.kind == User.Kind.STAFF
    assert staff.department == org.east and staff.position == org.clerk

    assert link.startswith("/bind/")
    invitation = Invitation.objects.usable().get(user=staff)
    assert invitation.mobile == "13912345678" and invitation.created_by == owner
    message = inbox_for(staff).get()
    assert message.kind == Notification.Kind.BINDING_INVITATION
    assert message.link == link and message.mobile == "13912345678"
    assert "acme:zhangsan" in message.body

    entry = AuditEntry.objects.get(action="staff.add")
    assert entry.actor == owner and entry.target_id == str(staff.pk)
    assert entry.after["department"] == "Sales/East" and entry.after["status"] == "pending"
    assert AuditEntry.objects.filter(action="staff.invite", target_id=str(staff.pk)).exists()


def test_unbound_staff_cannot_log_in(client, owner, org):
    add(owner, "zhangsan", department=org.east, position=org.clerk)

    response = log_in(client, "acme:zhangsan")

    assert response.status_code == 200
    assert "not bound yet" in response.content.decode()


def test_account_names_are_unique_in_the_tenant_resigned_accounts_included(owner, org, west_staff):
    staff_services.staff_offboard(actor=owner, staff=west_staff)
    rows = staff_rows(owner.tenant)

    for taken in ("west_staff", "WEST_STAFF"):
        with pytest.raises(ValidationError) as excinfo:
            add(owner, taken, department=org.east, position=org.clerk)
        assert "already taken" in " ".join(excinfo.value.message_dict["account_name"])

    assert staff_rows(owner.tenant) == rows


def test_the_same_account_name_is_free_in_another_tenant(owner, org, other_owner, other_org, other_tenant_staff):
    staff, _ = add(owner, other_tenant_staff.account_name, department=org.east, position=org.clerk)

    assert staff.username == "acme:zhangsan" and other_tenant_staff.username == "globex:zhangsan"


@pytest.mark.parametrize("mobile", ["12345", "23800138000", "1380013800a", "12800138000", "138001380001"])
def test_a_bad_mobile_is_refused_on_the_mobile_field_and_nothing_is_stored(owner, org, mobile):
    with pytest.raises(ValidationError) as excinfo:
        add(owner, "zhangsan", department=org.east, position=org.clerk, mobile=mobile)

    assert "mobile" in excinfo.value.message_dict
    assert staff_rows(owner.tenant) == 0
    assert not Invitation.objects.exists() and not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="staff.").exists()


def test_a_mobile_already_bound_in_the_tenant_is_refused(owner, org, west_staff):
    with pytest.raises(ValidationError) as excinfo:
        add(owner, "zhangsan", department=org.east, position=org.clerk, mobile=west_staff.mobile)

    assert "already bound" in " ".join(excinfo.value.message_dict["mobile"])


@pytest.mark.parametrize(
    "missing, message",
    [
        ("department", "Create one in the org chart first"),
        ("position", "Create one under Positions first"),
    ],
)
def test_department_and_position_are_required_and_the_message_says_where_to_make_them(owner, org, missing, message):
    refs = {"department": org.east, "position": org.clerk, missing: None}

    with pytest.raises(ValidationError) as excinfo:
        add(owner, "zhangsan", **refs)

    assert message in " ".join(excinfo.value.message_dict[missing])
    assert staff_rows(owner.tenant) == 0


def test_department_and_position_of_another_tenant_are_refused(owner, org, other_org):
    with pytest.raises(ValidationError) as excinfo:
        add(owner, "zhangsan", department=other_org.hq, position=other_org.clerk)

    errors = excinfo.value.message_dict
    assert "your own organisation" in " ".join(errors["department"])
    assert "your own organisation" in " ".join(errors["position"])
    assert staff_rows(owner.tenant) == 0


def test_supplementary_permissions_come_from_the_catalogue_only(owner, org):
    from django.contrib.auth.models import Permission

    with pytest.raises(ValidationError) as excinfo:
        add(
            owner,
            "zhangsan",
            department=org.east,
            position=org.clerk,
            supplementary_permissions=[Permission.objects.get(codename="delete_user")],
        )

    assert "supplementary_permissions" in excinfo.value.message_dict
    assert staff_rows(owner.tenant) == 0


# --- quota (R-11) ------------------------------------------------------------------------------


def test_a_new_tenant_has_fifty_seats(tenant):
    assert tenant.staff_quota == 50


def test_the_fifty_first_account_is_refused_with_the_overflow_named(owner, org):
    fill_seats(owner.tenant, 50)

    with pytest.raises(ValidationError) as excinfo:
        add(owner, "one_too_many", department=org.east, position=org.clerk)

    assert excinfo.value.code == "quota"
    message = " ".join(excinfo.value.messages)
    assert "quota is 50" in message and "50 seats are taken" in message and "exceed it by 1" in message
    assert not User.objects.filter(account_name="one_too_many").exists()


def test_the_fiftieth_account_still_fits(owner, org):
    fill_seats(owner.tenant, 49)

    add(owner, "fiftieth", department=org.east, position=org.clerk)

    assert staff_services.seats_used(owner.tenant) == 50


def test_resigned_accounts_free_their_seat(owner, org):
    leaving = fill_seats(owner.tenant, 50)[0]
    staff_services.staff_offboard(actor=owner, staff=leaving)

    add(owner, "newcomer", department=org.east, position=org.clerk)

    assert staff_services.seats_used(owner.tenant) == 50
    assert staff_rows(owner.tenant) == 51


def test_a_raised_quota_lets_more_staff_in(owner, org):
    fill_seats(owner.tenant, 50)
    owner.tenant.staff_quota = 51
    owner.tenant.save(update_fields=["staff_quota"])

    add(owner, "bought_seat", department=org.east, position=org.clerk)

    assert staff_services.seats_used(owner.tenant) == 51


def test_rebinding_a_resigned_account_needs_a_free_seat(owner, org, west_staff):
    staff_services.staff_offboard(actor=owner, staff=west_staff)
    others = fill_seats(owner.tenant, 50)

    with pytest.raises(ValidationError) as excinfo:
        staff_services.staff_rebind(actor=owner, staff=west_staff, display_name="New Person", mobile=next_mobile())
    assert excinfo.value.code == "quota"
    assert fresh(west_staff).status == User.Status.RESIGNED

    staff_services.staff_offboard(actor=owner, staff=others[0])
    staff_services.staff_rebind(actor=owner, staff=west_staff, display_name="New Person", mobile=next_mobile())
    assert fresh(west_staff).status == User.Status.PENDING


# --- binding (R-12) ----------------------------------------------------------------------------


def test_accepting_the_invitation_sets_the_password_and_activates(client, owner, org):
    staff, link = add(owner, "zhangsan", department=org.east, position=org.clerk)

    accept_invitation(link, "Fresh-password-88")

    staff = fresh(staff)
    assert staff.status == User.Status.ACTIVE and staff.bound_at is not None
    assert staff.check_password("Fresh-password-88")
    assert AuditEntry.objects.filter(action="staff.bind", actor=staff).exists()
    assert log_in(client, "acme:zhangsan", "Fresh-password-88").status_code == 302


def test_an_invitation_works_once(owner, org):
    staff, link = add(owner, "zhangsan", department=org.east, position=org.clerk)
    accept_invitation(link, "Fresh-password-88")

    with pytest.raises(ValidationError, match=BIND_ERROR):
        accept_invitation(link, "Hijack-password-99")

    assert fresh(staff).check_password("Fresh-password-88")


def test_an_expired_invitation_does_not_bind(owner, org):
    staff, link = add(owner, "zhangsan", department=org.east, position=org.clerk)
    Invitation.objects.filter(user=staff).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    with pytest.raises(ValidationError, match=BIND_ERROR):
        accept_invitation(link, "Fresh-password-88")

    staff = fresh(staff)
    assert staff.status == User.Status.PENDING and not staff.has_usable_password()


def test_invitations_expire_after_the_configured_hours(owner, org, settings):
    settings.INVITATION_TTL_HOURS = 2
    staff, _ = add(owner, "zhangsan", department=org.east, position=org.clerk)

    invitation = Invitation.objects.get(user=staff)
    lifetime = invitation.expires_at - invitation.created_at
    assert datetime.timedelta(hours=2) - datetime.timedelta(seconds=5) < lifetime <= datetime.timedelta(hours=2)


def test_a_revoked_invitation_does_not_bind(owner, org):
    staff, link = add(owner, "zhangsan", department=org.east, position=org.clerk)

    staff_services.invitation_revoke(actor=owner, staff=staff)

    with pytest.raises(ValidationError, match=BIND_ERROR):
        accept_invitation(link, "Fresh-password-88")
    with pytest.raises(ValidationError, match="no pending invitation"):
        staff_services.invitation_revoke(actor=owner, staff=staff)
    assert AuditEntry.objects.filter(action="staff.invite_revoke").count() == 1


def test_resending_invalidates_the_old_link(owner, org):
    staff, old_link = add(owner, "zhangsan", department=org.east, position=org.clerk)

    new_link = staff_services.invitation_send(actor=owner, staff=staff)

    assert new_link != old_link
    with pytest.raises(ValidationError, match=BIND_ERROR):
        accept_invitation(old_link, "Fresh-password-88")
    accept_invitation(new_link, "Fresh-password-88")
    assert fresh(staff).status == User.Status.ACTIVE
    assert inbox_for(staff).filter(kind="binding_invitation").count() == 2


def test_a_weak_password_keeps_the_link_usable(owner, org):
    staff, link = add(owner, "zhangsan", department=org.east, position=org.clerk)

    with pytest.raises(ValidationError):
        accept_invitation(link, "123")

    assert fresh(staff).status == User.Status.PENDING
    accept_invitation(link, "Fresh-password-88")
    assert fresh(staff).status == User.Status.ACTIVE


def test_only_pending_accounts_get_invitations(owner, west_staff):
    with pytest.raises(ValidationError, match="awaiting binding"):
        staff_services.invitation_send(actor=owner, staff=west_staff)


# --- disable / enable (R-15) -------------------------------------------------------------------


def test_a_disabled_account_cannot_log_in_and_its_session_ends(client, owner, west_staff):
    client.force_login(west_staff)
    assert client.get(reverse("accounts:dashboard")).status_code == 200

    staff_services.staff_disable(actor=owner, staff=west_staff)

    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    refused = log_in(client, "acme:west_staff")
    assert refused.status_code == 200 and "has been disabled" in refused.content.decode()
    entry = AuditEntry.objects.get(action="staff.disable")
    assert entry.before == {"status": "active"} and entry.after == {"status": "disabled"}


def test_disabling_a_pending_account_kills_its_invitation(owner, org):
    staff, link = add(owner, "zhangsan", department=org.east, position=org.clerk)

    staff_services.staff_disable(actor=owner, staff=staff)

    with pytest.raises(ValidationError, match=BIND_ERROR):
        accept_invitation(link, "Fresh-password-88")


def test_enabling_restores_login(client, owner, west_staff):
    staff_services.staff_disable(actor=owner, staff=west_staff)

    staff_services.staff_enable(actor=owner, staff=west_staff)

    assert fresh(west_staff).status == User.Status.ACTIVE
    assert log_in(client, "acme:west_staff").status_code == 302
    assert AuditEntry.objects.filter(action="staff.enable").exists()


def test_enabling_a_never_bound_account_returns_it_to_pending(owner, org):
    staff, _ = add(owner, "zhangsan", department=org.east, position=org.clerk)
    staff_services.staff_disable(actor=owner, staff=staff)

    staff_services.staff_enable(actor=owner, staff=staff)

    assert fresh(staff).status == User.Status.PENDING


@pytest.mark.parametrize(
    "service, message",
    [
        (staff_services.staff_enable, "Only disabled accounts"),
        (staff_services.staff_rebind, "Only offboarded accounts"),
    ],
)
def test_lifecycle_steps_refuse_the_wrong_status(owner, west_staff, service, message):
    kwargs = {"display_name": "X", "mobile": next_mobile()} if service is staff_services.staff_rebind else {}

    with pytest.raises(ValidationError, match=message):
        service(actor=owner, staff=west_staff, **kwargs)

    assert fresh(west_staff).status == User.Status.ACTIVE


# --- offboarding and re-binding (R-15) ---------------------------------------------------------


def test_offboarding_keeps_the_account_and_its_settings_but_frees_the_person(client, owner, org):
    staff = hire(owner, "lisi", org.east, org.clerk, admin=True, supplementary=["publish_campaigns"])
    client.force_login(staff)

    staff_services.staff_offboard(actor=owner, staff=staff)

    staff = fresh(staff)
    assert staff.status == User.Status.RESIGNED and staff.resigned_at is not None
    assert staff.department == org.east and staff.position == org.clerk
    assert staff.is_department_admin
    assert set(staff.user_permissions.values_list("codename", flat=True)) == {"publish_campaigns"}
    assert staff.mobile == "" and staff.bound_at is None and not staff.has_usable_password()
    assert staff.username == "acme:lisi"

    assert client.get(reverse("accounts:dashboard")).status_code == 302  # the session ended
    client.force_login(owner)
    resigned = client.get(reverse("staff:resigned"))
    assert [s.account_name for s in resigned.context["page_obj"].object_list] == ["lisi"]
    active = client.get(reverse("staff:list"))
    assert "lisi" not in [s.account_name for s in active.context["page_obj"].object_list]

    entry = AuditEntry.objects.get(action="staff.offboard")
    assert entry.before["status"] == "active" and entry.after["status"] == "resigned"
    assert entry.before["mobile"] and entry.after["mobile"] == ""


def test_an_offboarded_mobile_can_be_bound_to_another_account(owner, org, west_staff):
    mobile = west_staff.mobile
    staff_services.staff_offboard(actor=owner, staff=west_staff)

    staff, _ = add(owner, "successor", department=org.west, position=org.publisher, mobile=mobile)

    assert staff.mobile == mobile


def test_offboarding_twice_is_refused(owner, west_staff):
    staff_services.staff_offboard(actor=owner, staff=west_staff)

    with pytest.raises(ValidationError, match="already been offboarded"):
        staff_services.staff_offboard(actor=owner, staff=west_staff)


def test_rebinding_gives_the_account_to_a_new_person_with_a_new_invitation(client, owner, org, west_staff):
    staff_services.staff_offboard(actor=owner, staff=west_staff)

    staff, link = staff_services.staff_rebind(
        actor=owner, staff=west_staff, display_name="Wang Wu", mobile="13612345678"
    )

    staff = fresh(staff)
    assert staff.status == User.Status.PENDING and staff.resigned_at is None
    assert staff.display_name == "Wang Wu" and staff.mobile == "13612345678"
    assert staff.department == org.west and staff.position == org.publisher
    assert staff.username == "acme:west_staff"
    assert inbox_for(staff).filter(link=link, mobile="13612345678").exists()
    assert AuditEntry.objects.get(action="staff.rebind").after["display_name"] == "Wang Wu"
    assert "not bound yet" in log_in(client, "acme:west_staff").content.decode()

    accept_invitation(link, "Wang-wu-pass-77")
    assert log_in(client, "acme:west_staff", "Wang-wu-pass-77").status_code == 302


# --- edit (R-14) -------------------------------------------------------------------------------


def test_a_change_of_rights_applies_to_the_next_fetch_and_is_audited(owner, org, plain_staff):
    assert not fresh(plain_staff).has_perm("orgchart.review_enrollments")

    staff_services.staff_update(
        actor=owner,
        staff=plain_staff,
        display_name="Plain Staff",
        mobile=plain_staff.mobile,
        department=org.west,
        position=org.publisher,
        is_department_admin=False,
        supplementary_permissions=catalogue("review_enrollments"),
    )

    user = fresh(plain_staff)
    assert user.has_perm("orgchart.review_enrollments") and user.has_perm("orgchart.publish_campaigns")
    assert user.department == org.west and user.account_name == "plain_staff"
    entry = AuditEntry.objects.get(action="staff.update")
    assert entry.before["department"] == "Sales/East" and entry.after["department"] == "Sales/West"
    assert entry.before["position"] == "Clerk" and entry.after["position"] == "Publisher"
    assert entry.after["supplementary_permissions"] == ["review_enrollments"]


def test_an_edit_that_changes_nothing_writes_no_audit_entry(owner, org, plain_staff):
    staff_services.staff_update(
        actor=owner,
        staff=plain_staff,
        display_name=plain_staff.display_name,
        mobile=plain_staff.mobile,
        department=plain_staff.department,
        position=plain_staff.position,
        is_department_admin=False,
    )

    assert not AuditEntry.objects.filter(action="staff.update").exists()


# --- only the main account (R-9 … R-16) --------------------------------------------------------

STAFF_WRITES = {
    "add": lambda actor, o, target: staff_services.staff_add(
        actor=actor, tenant=o.east.tenant, display_name="X", account_name="intruder", mobile=next_mobile(),
        department=o.east, position=o.clerk,
    ),
    "update": lambda actor, o, target: staff_services.staff_update(
        actor=actor, staff=target, display_name="X", mobile=target.mobile, department=o.east,
        position=o.clerk, is_department_admin=True,
    ),
    "disable": lambda actor, o, target: staff_services.staff_disable(actor=actor, staff=target),
    "offboard": lambda actor, o, target: staff_services.staff_offboard(actor=actor, staff=target),
    "invite": lambda actor, o, target: staff_services.invitation_send(actor=actor, staff=target),
    "revoke": lambda actor, o, target: staff_services.invitation_revoke(actor=actor, staff=target),
    "hand_over": lambda actor, o, target: staff_services.staff_hand_over(
        actor=actor, from_staff=target, to_staff=actor
    ),
}


@pytest.mark.parametrize("persona", ["east_admin", "other_owner"])
@pytest.mark.parametrize("write", list(STAFF_WRITES))
def test_only_the_tenants_main_account_manages_staff(request, owner, org, plain_staff, persona, write):
    """A department admin manages nobody; another tenant's owner cannot reach into acme."""
    actor = request.getfixturevalue(persona)
    entries = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        STAFF_WRITES[write](actor, org, plain_staff)

    assert fresh(plain_staff).status == User.Status.ACTIVE
    assert not fresh(plain_staff).is_department_admin
    assert not User.objects.filter(account_name="intruder").exists()
    assert AuditEntry.objects.count() == entries


# --- hand-over (R-16) --------------------------------------------------------------------------


@pytest.fixture
def no_movers(monkeypatch):
    monkeypatch.setattr(handover, "MOVERS", {})


def test_hand_over_with_nothing_registered_is_still_audited(owner, west_staff, plain_staff, no_movers):
    moved = staff_services.staff_hand_over(actor=owner, from_staff=west_staff, to_staff=plain_staff)

    assert moved == {}
    entry = AuditEntry.objects.get(action="staff.hand_over")
    assert entry.actor == owner and entry.target_id == str(west_staff.pk)
    assert entry.before == {"owner": "acme:west_staff"} and entry.after == {"owner": "acme:plain_staff"}


def test_hand_over_may_go_to_a_pending_account(owner, org, west_staff, no_movers):
    newcomer, _ = add(owner, "newcomer", department=org.west, position=org.clerk)

    staff_services.staff_hand_over(actor=owner, from_staff=west_staff, to_staff=newcomer)

    assert AuditEntry.objects.filter(action="staff.hand_over").exists()


@pytest.mark.parametrize("target", ["self", "other_tenant_staff", "resigned", "disabled", "owner"])
def test_hand_over_refuses_a_target_that_cannot_take_over(request, owner, org, west_staff, plain_staff, no_movers, target):
    if target == "self":
        to_staff = west_staff
    elif target == "resigned":
        to_staff = staff_services.staff_offboard(actor=owner, staff=plain_staff)
    elif target == "disabled":
        to_staff = staff_services.staff_disable(actor=owner, staff=plain_staff)
    else:
        to_staff = request.getfixturevalue(target)

    with pytest.raises(ValidationError) as excinfo:
        staff_services.staff_hand_over(actor=owner, from_staff=west_staff, to_staff=to_staff)

    assert "to_staff" in excinfo.value.message_dict
    assert not AuditEntry.objects.filter(action="staff.hand_over").exists()


def test_hand_over_runs_every_registered_mover_and_records_the_counts(owner, west_staff, plain_staff, monkeypatch):
    calls = []

    def move(from_staff, to_staff):
        calls.append((from_staff.pk, to_staff.pk))
        return 3

    monkeypatch.setattr(
        handover, "MOVERS", {"widgets": handover.Mover(key="widgets", label="Widgets", move=move, count=lambda s: 3)}
    )

    moved = staff_services.staff_hand_over(actor=owner, from_staff=west_staff, to_staff=plain_staff)

    assert moved == {"widgets": 3} and calls == [(west_staff.pk, plain_staff.pk)]
    assert AuditEntry.objects.get(action="staff.hand_over").after["widgets"] == 3


def test_hand_over_is_atomic_when_a_mover_fails_half_way(owner, west_staff, plain_staff, monkeypatch):
    """The first mover writes, the second blows up: nothing of either may remain."""

    def move_first(from_staff, to_staff):
        User.objects.filter(pk=to_staff.pk).update(display_name="Half-way")
        Notification.objects.create(tenant=to_staff.tenant, recipient=to_staff, subject="moved things")
        return 1

    def move_second(from_staff, to_staff):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(
        handover,
        "MOVERS",
        {
            "first": handover.Mover(key="first", label="First", move=move_first, count=lambda s: 1),
            "second": handover.Mover(key="second", label="Second", move=move_second, count=lambda s: 1),
        },
    )

    with pytest.raises(RuntimeError, match="disk on fire"):
        staff_services.staff_hand_over(actor=owner, from_staff=west_staff, to_staff=plain_staff)

    assert fresh(plain_staff).display_name == "Plain Staff"
    assert not Notification.objects.filter(subject="moved things").exists()
    assert not AuditEntry.objects.filter(action="staff.hand_over").exists()


def test_an_offboarded_account_cannot_be_edited(owner, tenant):
    gone = StaffFactory(tenant=tenant)
    staff_services.staff_offboard(actor=owner, staff=gone)
    with pytest.raises(ValidationError, match="cannot be edited"):
        staff_services.staff_update(
            actor=owner,
            staff=gone,
            display_name="x",
            mobile="13911112222",
            department=None,
            position=None,
            is_department_admin=True,
        )
