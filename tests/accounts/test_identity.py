"""Real-person verification, mute and freeze through the services (R-17 … R-19)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEntry, IdentityVerification, Notification, User
from accounts.models.identity import (
    id_number_hash,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)
from accounts.services import freeze, identity
from accounts.services.staff import invitation_accept_on_behalf, staff_offboard, staff_rebind
from tests.factories import PASSWORD
from tests.personas import hire, next_mobile, token_of

from .identity_helpers import valid_id, with_check, wrong_check

pytestmark = pytest.mark.django_db


def submit(staff, n=1, **overrides):
    data = {"real_name": "张三", "id_number": valid_id(n), "mobile": next_mobile(), **overrides}
    return identity.verification_submit(actor=staff, **data)


def reload(user):
    return User.objects.get(pk=user.pk)


# --- GB 11643 validation ------------------------------------------------------------------------


def test_a_known_valid_number_passes_and_its_masked_form_keeps_four_and_four():
    validate_id_number("11010519491231002X")
    assert mask_id_number("11010519491231002X") == "1101**********002X"


@pytest.mark.parametrize(
    "number, message",
    [
        ("1101051949123100", "Enter the 18-character resident ID number"),
        ("11010519491231002XX", "Enter the 18-character resident ID number"),
        ("1101051949123A002X", "Enter the 18-character resident ID number"),
        ("11010519491231002Y", "Enter the 18-character resident ID number"),
        (with_check("11010519901301001"), "birth date inside this ID number"),
        (with_check("11010518891231001"), "birth date inside this ID number"),
        (with_check("11010530001231001"), "birth date inside this ID number"),
        (wrong_check("11010519491231002X"), "its last character does not match"),
    ],
)
def test_bad_numbers_are_refused_with_a_clear_message(number, message):
    with pytest.raises(ValidationError) as caught:
        validate_id_number(number)
    assert message in caught.value.messages[0]
    assert number not in caught.value.messages[0]  # the message never repeats the number


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert normalize_id_number("１１０１０５１９４９１２３１００２x") == "11010519491231002X"
    assert normalize_id_number(" 110105 19491231 002x ") == "11010519491231002X"
    validate_id_number("11010519491231002x")


def test_the_hash_is_keyed_by_the_identity_hash_key(settings):
    first = id_number_hash("11010519491231002X")
    assert first == id_number_hash("11010519491231002x")  # normalised before hashing
    settings.IDENTITY_HASH_KEY = "another-installation-key-0123456789abcdef"
    assert id_number_hash("11010519491231002X") != first
    assert len(first) == 64 and int(first, 16) >= 0


# --- state machine ------------------------------------------------------------------------------


def test_binding_sets_a_deadline_seven_days_later(west_staff):
    assert west_staff.identity_status == User.IdentityStatus.UNVERIFIED
    assert west_staff.verify_deadline == west_staff.bound_at + datetime.timedelta(days=7)
    assert west_staff.is_muted and not west_staff.can_send_chat


def test_submit_stores_hash_and_mask_only_and_the_account_is_pending(west_staff):
    number = valid_id(7)
    verification = submit(west_staff, id_number=number.lower(), real_name=" 李四 ")
    verification.refresh_from_db()
    assert verification.status == IdentityVerification.Status.PENDING
    assert verification.real_name == "李四"
    assert verification.id_number_masked == f"{number[:4]}**********{number[-4:]}"
    assert verification.id_number_hash == id_number_hash(number)
    staff = reload(west_staff)
    assert staff.identity_status == User.IdentityStatus.PENDING
    assert not staff.is_muted  # during review the account works normally
    entry = AuditEntry.objects.get(action="identity.submit")
    # The log, which the main account reads, says what happened and to which verification: never
    # the person's real name, mobile or masked number.
    assert entry.after == {"identity_status": "pending", "verification": verification.pk}
    assert entry.before == {"identity_status": "unverified"}


def test_the_service_refuses_a_bad_number_and_changes_nothing(west_staff):
    with pytest.raises(ValidationError) as caught:
        submit(west_staff, id_number=wrong_check(valid_id(3)), real_name="", mobile="123")
    assert set(caught.value.message_dict) == {"id_number", "real_name", "mobile"}
    assert not IdentityVerification.objects.exists()
    assert reload(west_staff).identity_status == User.IdentityStatus.UNVERIFIED


def test_approve_verifies_clears_the_deadline_and_notifies(west_staff, operator):
    verification = submit(west_staff)
    identity.verification_approve(actor=operator, verification=verification)
    staff = reload(west_staff)
    assert staff.identity_status == User.IdentityStatus.VERIFIED and staff.verify_deadline is None
    assert staff.can_send_chat
    verification.refresh_from_db()
    assert verification.reviewed_by == operator and verification.reviewed_at
    note = Notification.objects.get(recipient=staff, kind=Notification.Kind.VERIFICATION_RESULT)
    assert "approved" in note.subject
    assert note.deliveries.filter(backend="dingtalk").exists() or not staff.tenant.dingtalk_webhook
    assert AuditEntry.objects.filter(action="identity.verified", actor=operator).exists()
    with pytest.raises(ValidationError, match="no longer pending"):
        identity.verification_approve(actor=operator, verification=verification)


def test_reject_needs_a_reason_then_the_staff_member_sees_it_and_may_submit_again(west_staff, operator):
    verification = submit(west_staff)
    with pytest.raises(ValidationError) as caught:
        identity.verification_reject(actor=operator, verification=verification, reason="  ")
    assert "reason" in caught.value.message_dict
    assert reload(west_staff).identity_status == User.IdentityStatus.PENDING

    identity.verification_reject(actor=operator, verification=verification, reason="Name does not match the ID")
    staff = reload(west_staff)
    assert staff.identity_status == User.IdentityStatus.REJECTED and staff.is_muted
    note = Notification.objects.get(recipient=staff, kind=Notification.Kind.VERIFICATION_RESULT)
    assert "Name does not match the ID" in note.body
    # The same person may try again with the same number: a rejected submission holds nothing.
    again = submit(staff)
    assert again.status == IdentityVerification.Status.PENDING


def test_only_operators_review(west_staff, owner, other_tenant_staff):
    verification = submit(west_staff)
    for actor in (owner, west_staff, other_tenant_staff):
        with pytest.raises(PermissionDenied):
            identity.verification_approve(actor=actor, verification=verification)
        with pytest.raises(PermissionDenied):
            identity.verification_reject(actor=actor, verification=verification, reason="x")
    assert reload(west_staff).identity_status == User.IdentityStatus.PENDING


def test_who_may_submit(owner, org, west_staff, operator):
    for actor in (owner, operator):
        with pytest.raises(PermissionDenied):
            submit(actor)
    pending = hire(owner, "not_bound", org.west, org.clerk, bind=False)
    with pytest.raises(PermissionDenied):
        submit(pending)
    submit(west_staff)
    with pytest.raises(ValidationError, match="already been submitted"):
        submit(reload(west_staff), n=2)


def test_temporary_accounts_need_no_verification(west_staff):
    now = timezone.now()
    User.objects.filter(pk=west_staff.pk).update(
        temporary_starts_at=now - datetime.timedelta(days=1), temporary_ends_at=now + datetime.timedelta(days=1)
    )
    staff = reload(west_staff)
    assert not staff.is_muted
    with pytest.raises(ValidationError, match="need no real-person verification"):
        submit(staff)


# --- one person, one account per tenant (R-19) ---------------------------------------------------


def test_the_same_id_twice_in_a_tenant_gets_a_clear_message(west_staff, plain_staff):
    submit(west_staff, n=1)
    with pytest.raises(ValidationError) as caught:
        submit(plain_staff, n=1)
    assert caught.value.message_dict == {
        "id_number": ["This ID number is already verified or under review for another account of this organisation."]
    }
    assert reload(plain_staff).identity_status == User.IdentityStatus.UNVERIFIED


def test_the_same_mobile_twice_in_a_tenant_gets_a_clear_message(west_staff, plain_staff, operator):
    identity.verification_approve(actor=operator, verification=submit(west_staff, n=1, mobile="13900001111"))
    with pytest.raises(ValidationError) as caught:
        submit(plain_staff, n=2, mobile="13900001111")
    assert caught.value.message_dict == {
        "mobile": ["This mobile is already verified or under review for another account of this organisation."]
    }


def test_the_same_person_may_verify_in_another_tenant(west_staff, other_tenant_staff, operator):
    identity.verification_approve(actor=operator, verification=submit(west_staff, n=1, mobile="13900001111"))
    other = submit(other_tenant_staff, n=1, mobile="13900001111")
    identity.verification_approve(actor=operator, verification=other)
    assert reload(other_tenant_staff).identity_status == User.IdentityStatus.VERIFIED


def test_a_rejected_submission_frees_the_id_for_another_account(west_staff, plain_staff, operator):
    identity.verification_reject(actor=operator, verification=submit(west_staff, n=1), reason="Blurry")
    submit(plain_staff, n=1)
    assert reload(plain_staff).identity_status == User.IdentityStatus.PENDING


def test_a_race_past_the_check_still_gets_the_clear_message(monkeypatch, west_staff, plain_staff):
    """Two submissions that both pass the pre-check: the database constraint decides (R-19)."""
    submit(west_staff, n=1)
    real = identity._taken_errors
    calls = []

    def first_blind(*args, **kwargs):
        calls.append(1)
        return {} if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(identity, "_taken_errors", first_blind)
    with pytest.raises(ValidationError) as caught:
        submit(plain_staff, n=1)
    assert "already verified or under review" in caught.value.message_dict["id_number"][0]
    assert IdentityVerification.objects.filter(user=plain_staff).count() == 0
    assert reload(plain_staff).identity_status == User.IdentityStatus.UNVERIFIED


# --- offboarding removes the verification ---------------------------------------------------------


def test_offboarding_removes_the_verification_and_the_next_person_verifies(owner, west_staff, plain_staff, operator):
    first = submit(west_staff, n=1)
    identity.verification_approve(actor=operator, verification=first)
    staff_offboard(actor=owner, staff=reload(west_staff))
    first.refresh_from_db()
    staff = reload(west_staff)
    assert first.status == IdentityVerification.Status.REMOVED and first.removed_at
    assert staff.identity_status == User.IdentityStatus.UNVERIFIED and staff.verify_deadline is None
    assert AuditEntry.objects.filter(action="identity.remove", target_id=str(staff.pk)).exists()

    # The person who left may verify elsewhere in the tenant; the re-bound account gets a new person.
    submit(plain_staff, n=1)
    staff, link = staff_rebind(actor=owner, staff=staff, display_name="New Person", mobile=next_mobile())
    invitation_accept_on_behalf(token=token_of(link), password=PASSWORD)
    staff = reload(staff)
    assert staff.is_muted and staff.verify_deadline == staff.bound_at + datetime.timedelta(days=7)
    second = submit(staff, n=2)
    identity.verification_approve(actor=operator, verification=second)
    assert reload(staff).identity_status == User.IdentityStatus.VERIFIED
    assert list(staff.identity_verifications.values_list("status", flat=True).order_by("pk")) == ["removed", "verified"]


# --- freeze, warnings, unfreeze (R-18) -----------------------------------------------------------


def test_the_freeze_command_freezes_at_day_seven_not_before(client, owner, west_staff):
    client.force_login(west_staff)
    bound = west_staff.bound_at
    assert freeze.staff_freeze_overdue(now=bound + datetime.timedelta(days=6, hours=23)) == 0
    assert reload(west_staff).status == User.Status.ACTIVE

    # Move the deadline instead of the clock so the command itself runs at "now".
    User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now() - datetime.timedelta(seconds=1))
    from io import StringIO

    out = StringIO()
    call_command("freeze_unverified", stdout=out)
    assert "1 accounts frozen" in out.getvalue()
    staff = reload(west_staff)
    assert staff.status == User.Status.FROZEN and staff.frozen_at
    assert not staff.can_log_in
    assert client.get("/").status_code == 302  # the session is gone for real
    entry = AuditEntry.objects.get(action="staff.freeze")
    assert entry.actor is None and entry.actor_label == "system"
    assert Notification.objects.filter(recipient=staff, subject="Your account is frozen").exists()
    assert Notification.objects.filter(recipient=owner, subject__contains=staff.username).exists()
    call_command("freeze_unverified", stdout=StringIO())
    assert AuditEntry.objects.filter(action="staff.freeze").count() == 1


def test_pending_verified_temporary_and_disabled_accounts_are_not_frozen(owner, org, operator):
    later = timezone.now() + datetime.timedelta(days=8)
    pending = hire(owner, "pending_one", org.west, org.clerk)
    submit(pending, n=1)
    verified = hire(owner, "verified_one", org.west, org.clerk)
    identity.verification_approve(actor=operator, verification=submit(verified, n=2))
    temporary = hire(owner, "temp_one", org.west, org.clerk)
    User.objects.filter(pk=temporary.pk).update(
        temporary_starts_at=timezone.now(), temporary_ends_at=later + datetime.timedelta(days=30)
    )
    unverified = hire(owner, "late_one", org.west, org.clerk)
    assert freeze.staff_freeze_overdue(now=later) == 1
    statuses = dict(User.objects.filter(kind="staff").values_list("account_name", "status"))
    assert statuses == {"pending_one": "active", "verified_one": "active", "temp_one": "active", "late_one": "frozen"}
    assert unverified.pk == User.objects.get(status="frozen").pk


def test_warnings_go_out_two_days_and_one_day_before_each_once(west_staff):
    deadline = reload(west_staff).verify_deadline
    warnings = Notification.objects.filter(recipient=west_staff, kind=Notification.Kind.FREEZE_WARNING)
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(days=3)) == 0
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(days=2)) == 1
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(days=1, hours=12)) == 0
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(days=1)) == 1
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(hours=1)) == 0
    assert warnings.count() == 2
    assert "Verify your identity by" in warnings.first().subject


def test_a_late_first_run_sends_only_the_nearer_warning(west_staff):
    deadline = reload(west_staff).verify_deadline
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(hours=6)) == 1
    assert freeze.staff_warn_before_freeze(now=deadline - datetime.timedelta(hours=5)) == 0


def test_unfreeze_gives_two_days_then_freezes_again(owner, west_staff):
    User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now() - datetime.timedelta(seconds=1))
    freeze.staff_freeze_overdue()
    before = timezone.now()
    staff = freeze.staff_unfreeze(actor=owner, staff=reload(west_staff))
    staff = reload(staff)
    assert staff.status == User.Status.ACTIVE and staff.frozen_at is None and staff.can_log_in
    assert before + datetime.timedelta(days=2) <= staff.verify_deadline <= timezone.now() + datetime.timedelta(days=2)
    assert AuditEntry.objects.filter(action="staff.unfreeze", actor=owner).exists()
    # The unfreeze notice names the deadline; only the last-day warning is still to come.
    assert freeze.staff_warn_before_freeze(now=staff.verify_deadline - datetime.timedelta(days=2)) == 0
    assert freeze.staff_warn_before_freeze(now=staff.verify_deadline - datetime.timedelta(days=1)) == 1
    assert freeze.staff_freeze_overdue(now=staff.verify_deadline - datetime.timedelta(minutes=1)) == 0
    assert freeze.staff_freeze_overdue(now=staff.verify_deadline) == 1
    assert reload(staff).status == User.Status.FROZEN


def test_only_the_own_main_account_unfreezes_a_frozen_account(owner, other_owner, west_staff, plain_staff):
    User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now())
    freeze.staff_freeze_overdue()
    for actor in (other_owner, plain_staff):
        with pytest.raises(PermissionDenied):
            freeze.staff_unfreeze(actor=actor, staff=reload(west_staff))
    with pytest.raises(ValidationError, match="Only frozen accounts"):
        freeze.staff_unfreeze(actor=owner, staff=plain_staff)
    assert reload(west_staff).status == User.Status.FROZEN


def test_the_daily_task_runs_the_deadlines_without_rescheduling_on_the_immediate_backend(west_staff):
    from accounts.tasks import freeze_unverified_daily, schedule_freeze_unverified

    User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now())
    result = freeze_unverified_daily.enqueue()
    assert result.return_value == {"warned": 0, "frozen": 1}
    assert schedule_freeze_unverified() is None  # the immediate backend cannot defer: no loop


def test_the_migration_gives_already_bound_staff_seven_days(west_staff, plain_staff, operator):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0012_identity_verification")
    identity.verification_approve(actor=operator, verification=submit(plain_staff))
    User.objects.filter(kind="staff").update(verify_deadline=None)
    before = timezone.now()
    migration.give_bound_staff_a_deadline(apps, None)
    assert reload(west_staff).verify_deadline >= before + datetime.timedelta(days=7)
    assert reload(plain_staff).verify_deadline is None  # verified: nothing to do
