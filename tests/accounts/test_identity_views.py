"""Real-person verification pages (R-17 … R-19): the staff page, the mute banner, the login
refusal of a frozen account, the owner's unfreeze button and the operators' admin."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, IdentityVerification, User
from accounts.services import freeze, identity
from tests.factories import PASSWORD, StaffFactory
from tests.personas import hire, next_mobile

from .identity_helpers import valid_id, wrong_check

pytestmark = pytest.mark.django_db

PAGE = "/account/verification/"


def reload(user):
    return User.objects.get(pk=user.pk)


def submit(staff, n=1):
    return identity.verification_submit(actor=staff, real_name="王五", id_number=valid_id(n), mobile=next_mobile())


def overdue(staff):
    User.objects.filter(pk=staff.pk).update(verify_deadline=timezone.now() - datetime.timedelta(seconds=1))


def login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


# --- who reaches the verification page ----------------------------------------------------------


def test_the_url_is_under_account(client):
    assert reverse("accounts:verification") == PAGE


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_main_accounts_and_operators_get_403(client, owner, operator):
    for user in (owner, operator):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"real_name": "x", "id_number": valid_id(), "mobile": "13900000000"}).status_code == 403
    assert not IdentityVerification.objects.exists()


def make_temporary(staff):
    now = timezone.now()
    User.objects.filter(pk=staff.pk).update(
        temporary_starts_at=now - datetime.timedelta(hours=1), temporary_ends_at=now + datetime.timedelta(days=1)
    )


def test_temporary_accounts_are_told_they_need_no_verification_and_get_no_menu_entry(client, west_staff):
    make_temporary(west_staff)
    client.force_login(west_staff)
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="verification-not-needed"' in html
    assert "Temporary customer-service accounts need no real-person verification" in html
    assert 'data-testid="current-user"' in html  # in the layout, not a bare error page
    assert "<form method=\"post\" class=\"card form\"" not in html
    assert PAGE not in client.get(reverse("accounts:dashboard")).content.decode()


def test_a_temporary_accounts_post_stores_nothing(client, west_staff):
    make_temporary(west_staff)
    client.force_login(west_staff)
    response = client.post(PAGE, {"real_name": "王五", "id_number": valid_id(), "mobile": "13900000000"})
    assert response.status_code == 200 and "need no real-person verification" in response.content.decode()
    assert not IdentityVerification.objects.exists()


def test_temporary_accounts_are_told_in_chinese_too(client, west_staff, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    make_temporary(west_staff)
    client.force_login(west_staff)
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "临时客服账号无需实人认证" in html


def test_the_menu_offers_the_page_to_staff_only(client, owner, west_staff):
    client.force_login(west_staff)
    assert f'href="{PAGE}"' in client.get(reverse("accounts:dashboard")).content.decode()
    client.force_login(owner)
    assert f'href="{PAGE}"' not in client.get(reverse("accounts:dashboard")).content.decode()


def test_the_page_shows_only_the_own_verification(client, west_staff, plain_staff, other_tenant_staff):
    submit(plain_staff, n=1)
    submit(other_tenant_staff, n=2)
    client.force_login(west_staff)
    page = client.get(PAGE)
    assert page.context["latest"] is None
    assert "王五" not in page.content.decode()


# --- submitting ---------------------------------------------------------------------------------


def test_submitting_through_the_page(client, west_staff):
    client.force_login(west_staff)
    page = client.get(PAGE).content.decode()
    assert "Unverified" in page and f'value="{west_staff.mobile}"' in page
    number = valid_id(5)
    response = client.post(PAGE, {"real_name": "王五", "id_number": number.lower(), "mobile": "13911112222"}, follow=True)
    html = response.content.decode()
    assert "Submitted. The platform reviews it" in html
    assert "Pending review" in html and f"{number[:4]}**********{number[-4:]}" in html
    assert number[:17] not in html
    assert "<form method=\"post\" class=\"card form\"" not in html  # no second submission while pending
    assert reload(west_staff).identity_status == User.IdentityStatus.PENDING
    # A second POST while pending changes nothing.
    again = client.post(PAGE, {"real_name": "Someone", "id_number": valid_id(6), "mobile": "13911113333"}, follow=True)
    assert "already been submitted" in again.content.decode()
    assert IdentityVerification.objects.filter(user=west_staff).count() == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("id_number", wrong_check(valid_id(8)), "its last character does not match"),
        ("id_number", "11010519901301001X", "birth date"),
        ("id_number", "12345", "18-character"),
        ("mobile", "12345", "mainland China mobile"),
        ("real_name", "", "This field is required"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_the_number_is_not_echoed_and_nothing_is_stored(
    client, west_staff, field, value, message
):
    client.force_login(west_staff)
    data = {"real_name": "王五", "id_number": valid_id(8), "mobile": "13911112222", field: value}
    response = client.post(PAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(rf'<p class="error" data-field="{field}">([^<]*)</p>', html)
    assert error and message in error.group(1)
    id_input = re.search(r'<input[^>]*name="id_number"[^>]*>', html).group(0)
    assert "value=" not in id_input  # the field comes back empty
    assert data["id_number"][:17] not in html
    assert not IdentityVerification.objects.exists()


def test_an_id_taken_in_the_tenant_is_explained_next_to_the_field(client, west_staff, plain_staff):
    submit(plain_staff, n=4)
    client.force_login(west_staff)
    response = client.post(PAGE, {"real_name": "王五", "id_number": valid_id(4), "mobile": "13911112222"})
    assert "already verified or under review for another account of this organisation" in response.content.decode()
    assert reload(west_staff).identity_status == User.IdentityStatus.UNVERIFIED


def test_a_rejected_account_sees_the_reason_and_the_form_again(client, west_staff, operator):
    identity.verification_reject(actor=operator, verification=submit(west_staff), reason="Photo unreadable")
    client.force_login(west_staff)
    html = client.get(PAGE).content.decode()
    assert "Rejected" in html and "Photo unreadable" in html and "Submit again" in html


# --- the mute banner ----------------------------------------------------------------------------


def banner(client):
    html = client.get(reverse("accounts:dashboard")).content.decode()
    match = re.search(r'<div class="notice mute-banner".*?</div>', html, re.DOTALL)
    return match.group(0) if match else None


def test_the_banner_shows_while_muted_with_deadline_and_link(client, west_staff, operator):
    client.force_login(west_staff)
    text = banner(client)
    deadline = timezone.localtime(reload(west_staff).verify_deadline).strftime("%Y-%m-%d %H:%M")
    # What matters to everyone unverified is the deadline; chat is not this person's job.
    assert "frozen and can no longer log in" in text and deadline in text and f'href="{PAGE}"' in text
    assert "chat" not in text

    verification = submit(west_staff)
    assert banner(client) is None  # under review the account works normally
    identity.verification_reject(actor=operator, verification=verification, reason="Blurry")
    assert banner(client) is not None
    identity.verification_approve(actor=operator, verification=submit(reload(west_staff)))
    assert banner(client) is None


def test_the_banner_tells_chat_staff_they_cannot_chat_until_verified(client, owner, org):
    chatter = hire(owner, "chatter", org.west, org.clerk, supplementary=("customer_chat",))
    client.force_login(chatter)
    text = banner(client)
    assert "frozen and can no longer log in" in text and "Until then you cannot chat with buyers." in text


def test_no_banner_for_main_accounts(client, owner):
    client.force_login(owner)
    assert banner(client) is None


# --- frozen accounts at login -------------------------------------------------------------------


def test_an_overdue_account_is_frozen_at_its_next_login_and_told_whom_to_ask(client, west_staff, owner):
    overdue(west_staff)
    response = login(client, west_staff.username)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This account is frozen" in html
    assert "Acme Shop" in html and "Boss" in html and "13800138000" in html  # tenant and DingTalk contact
    assert reload(west_staff).status == User.Status.FROZEN
    assert AuditEntry.objects.filter(action="staff.freeze", actor=None).count() == 1
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_a_wrong_password_freezes_but_does_not_say_so(client, west_staff):
    overdue(west_staff)
    html = login(client, west_staff.username, "wrong-password").content.decode()
    assert "Wrong user name or password" in html and "frozen" not in html
    assert reload(west_staff).status == User.Status.FROZEN


def test_after_unfreezing_the_account_logs_in_again(client, owner, west_staff):
    overdue(west_staff)
    freeze.staff_freeze_overdue()
    assert "This account is frozen" in login(client, west_staff.username).content.decode()
    freeze.staff_unfreeze(actor=owner, staff=west_staff)
    assert login(client, west_staff.username).status_code == 302


# --- the owner's staff pages --------------------------------------------------------------------


def test_staff_detail_shows_the_state_and_the_unfreeze_button(client, owner, west_staff):
    client.force_login(owner)
    url = reverse("staff:detail", args=[west_staff.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="identity-status">Unverified' in html and "Unfreeze" not in html
    overdue(west_staff)
    freeze.staff_freeze_overdue()
    html = client.get(url).content.decode()
    assert "Frozen at" in html and "Unfreeze for 2 days" in html
    response = client.post(reverse("staff:action", args=[west_staff.pk, "unfreeze"]), follow=True)
    assert "The account is unfrozen" in response.content.decode()
    assert reload(west_staff).status == User.Status.ACTIVE


def seven_days_pass(staff):
    """Move the binding back past 7 days, its deadline with it (what the calendar does)."""
    bound = timezone.now() - datetime.timedelta(days=7, seconds=1)
    User.objects.filter(pk=staff.pk).update(bound_at=bound, verify_deadline=bound + datetime.timedelta(days=7))


def test_the_frozen_staff_page_says_it_froze_for_want_of_verification_within_7_days_of_binding(client, owner, west_staff):
    seven_days_pass(west_staff)
    freeze.staff_freeze_overdue()
    staff = reload(west_staff)
    client.force_login(owner)
    html = client.get(reverse("staff:detail", args=[west_staff.pk])).content.decode()
    reason = re.search(r'data-testid="freeze-reason">(.*?)</dd>', html, re.DOTALL).group(1)
    local = lambda moment: timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    assert reason == (
        f"Real-person verification was not completed within 7 days of binding (bound on {local(staff.bound_at)}); "
        f"the deadline passed at {local(staff.verify_deadline)}."
    )
    assert AuditEntry.objects.get(action="staff.freeze").after["reason"] == "binding"


def test_the_frozen_staff_page_says_the_2_days_after_the_unfreeze_ran_out(client, owner, west_staff):
    seven_days_pass(west_staff)
    freeze.staff_freeze_overdue()
    freeze.staff_unfreeze(actor=owner, staff=west_staff)
    unfrozen = reload(west_staff)
    later = unfrozen.verify_deadline + datetime.timedelta(minutes=1)
    freeze.staff_freeze_overdue(now=later)
    client.force_login(owner)
    html = client.get(reverse("staff:detail", args=[west_staff.pk])).content.decode()
    reason = re.search(r'data-testid="freeze-reason">(.*?)</dd>', html, re.DOTALL).group(1)
    local = lambda moment: timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    assert reason == (
        f"Unfrozen on {local(unfrozen.unfrozen_at)}, it had 2 days to complete real-person verification; "
        f"they ran out at {local(unfrozen.verify_deadline)}."
    )
    assert [e.after["reason"] for e in AuditEntry.objects.filter(action="staff.freeze").order_by("pk")] == [
        "binding",
        "unfreeze",
    ]


def test_a_deadline_of_unknown_origin_is_named_without_a_made_up_reason(client, owner, west_staff):
    """Accounts bound before verification existed got "now + 7 days" (migration 0012), not "bound + 7 days"."""
    deadline = timezone.now() - datetime.timedelta(hours=3)
    User.objects.filter(pk=west_staff.pk).update(verify_deadline=deadline)
    freeze.staff_freeze_overdue()
    client.force_login(owner)
    html = client.get(reverse("staff:detail", args=[west_staff.pk])).content.decode()
    reason = re.search(r'data-testid="freeze-reason">(.*?)</dd>', html, re.DOTALL).group(1)
    assert reason == f"Real-person verification was not completed by {timezone.localtime(deadline):%Y-%m-%d %H:%M}."


def test_a_new_binding_forgets_the_unfreeze(owner, west_staff):
    overdue(west_staff)
    freeze.staff_freeze_overdue()
    freeze.staff_unfreeze(actor=owner, staff=west_staff)
    staff = reload(west_staff)
    freeze.set_deadline_on_bind(staff, timezone.now())
    assert staff.unfrozen_at is None


# --- an open session at the deadline (R-18) -----------------------------------------------------


def test_an_open_session_is_frozen_at_its_next_request_and_sent_to_log_in(client, west_staff):
    client.force_login(west_staff)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    overdue(west_staff)

    response = client.get(reverse("accounts:inbox"), follow=True)

    assert response.redirect_chain == [(reverse("accounts:login"), 302)]
    html = response.content.decode()
    assert "This account is frozen: real-person verification was not completed in time." in html
    assert "Acme Shop" in html and "Boss" in html and "13800138000" in html
    staff = reload(west_staff)
    assert staff.status == User.Status.FROZEN and staff.frozen_at is not None
    entry = AuditEntry.objects.get(action="staff.freeze")
    assert entry.actor is None and entry.target_id == str(west_staff.pk)
    from qsessions.models import Session

    assert not Session.objects.filter(user=west_staff).exists()
    # The session is gone for good: the next page asks to log in, and the login refuses.
    assert client.get(reverse("accounts:dashboard"))["Location"].startswith(reverse("accounts:login"))
    assert "This account is frozen" in login(client, west_staff.username).content.decode()


def test_a_post_of_an_open_overdue_session_changes_nothing(client, west_staff):
    client.force_login(west_staff)
    overdue(west_staff)
    response = client.post(PAGE, {"real_name": "王五", "id_number": valid_id(), "mobile": "13900000000"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not IdentityVerification.objects.exists()
    assert reload(west_staff).status == User.Status.FROZEN


@pytest.mark.parametrize("state", ["before the deadline", "under review", "temporary", "verified"])
def test_sessions_that_are_not_overdue_go_on(client, west_staff, operator, state):
    client.force_login(west_staff)
    if state == "before the deadline":
        User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now() + datetime.timedelta(minutes=1))
    elif state == "under review":
        submit(west_staff)
        overdue(west_staff)
    elif state == "temporary":
        make_temporary(west_staff)
        overdue(west_staff)
    else:
        identity.verification_approve(actor=operator, verification=submit(west_staff))
        overdue(west_staff)
    assert client.get(reverse("accounts:inbox")).status_code == 200
    assert reload(west_staff).status == User.Status.ACTIVE
    assert not AuditEntry.objects.filter(action="staff.freeze").exists()


def test_the_check_costs_no_query_for_an_account_not_overdue(client, west_staff, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(west_staff)
    url = reverse("accounts:inbox")
    client.get(url)  # the session records its device on the first request

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    with_check = queries()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "accounts.middleware.FreezeOverdueMiddleware"]
    assert queries() == with_check


def test_unfreeze_is_refused_to_a_department_admin_and_absent_for_another_tenant(
    client, owner, other_owner, west_staff, sales_admin
):
    overdue(west_staff)
    freeze.staff_freeze_overdue()
    url = reverse("staff:action", args=[west_staff.pk, "unfreeze"])
    client.force_login(sales_admin)
    assert client.post(url).status_code == 403
    client.force_login(other_owner)
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302
    assert reload(west_staff).status == User.Status.FROZEN


def test_the_staff_list_shows_status_and_verification(client, owner, west_staff, plain_staff, operator):
    identity.verification_approve(actor=operator, verification=submit(plain_staff))
    overdue(west_staff)
    freeze.staff_freeze_overdue()
    client.force_login(owner)
    html = client.get(reverse("staff:list")).content.decode()
    west_row = re.search(r'<tr data-account="west_staff">.*?</tr>', html, re.DOTALL).group(0)
    plain_row = re.search(r'<tr data-account="plain_staff">.*?</tr>', html, re.DOTALL).group(0)
    assert "Frozen" in west_row and "Unverified" in west_row
    assert "Verified" in plain_row


@pytest.mark.parametrize("rows", [3, 20])
def test_the_staff_list_stays_flat_with_verification_states(client, owner, org, rows, django_assert_max_num_queries):
    for i in range(rows):
        StaffFactory(
            tenant=owner.tenant,
            department=org.west,
            position=org.clerk,
            identity_status=["unverified", "pending", "verified"][i % 3],
            status="frozen" if i % 4 == 0 else "active",
        )
    client.force_login(owner)
    client.get(reverse("accounts:dashboard"))  # the session records its device on the first request
    with django_assert_max_num_queries(10):
        assert client.get(reverse("staff:list")).status_code == 200


# --- the operators' admin -----------------------------------------------------------------------

CHANGELIST = "/admin/accounts/identityverification/"


def test_operators_see_name_and_masked_id_only(client, operator, west_staff):
    number = valid_id(9)
    verification = identity.verification_submit(actor=west_staff, real_name="王五", id_number=number, mobile="13911112222")
    client.force_login(operator)
    html = client.get(CHANGELIST).content.decode()
    assert "王五" in html and verification.id_number_masked in html and "West Staff" in html
    assert number[:17] not in html and verification.id_number_hash not in html
    change = client.get(f"{CHANGELIST}{verification.pk}/change/").content.decode()
    assert verification.id_number_masked in change and verification.id_number_hash not in change
    assert 'name="_save"' not in change  # read-only
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{verification.pk}/delete/").status_code == 403


def test_the_admin_is_closed_to_main_accounts(client, owner, west_staff):
    submit(west_staff)
    client.force_login(owner)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_approving_in_the_admin(client, operator, west_staff):
    verification = submit(west_staff)
    client.force_login(operator)
    response = client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [verification.pk]}, follow=True
    )
    assert "1 verifications approved." in response.content.decode()
    assert reload(west_staff).identity_status == User.IdentityStatus.VERIFIED
    again = client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [verification.pk]}, follow=True)
    assert "1 skipped: no longer pending review." in again.content.decode()


def test_rejecting_in_the_admin_asks_for_a_reason(client, operator, west_staff):
    verification = submit(west_staff)
    client.force_login(operator)
    form = client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": [verification.pk]})
    assert form.status_code == 200 and "Reject verifications" in form.content.decode()
    empty = client.post(
        CHANGELIST, {"action": "reject_selected", "_selected_action": [verification.pk], "apply": "1", "reason": ""}
    )
    assert "This field is required" in empty.content.decode()
    assert reload(west_staff).identity_status == User.IdentityStatus.PENDING
    done = client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": [verification.pk], "apply": "1", "reason": "Blurry photo"},
        follow=True,
    )
    assert "1 verifications rejected." in done.content.decode()
    verification.refresh_from_db()
    assert verification.status == "rejected" and verification.rejection_reason == "Blurry photo"


def test_the_admin_list_stays_flat(client, operator, owner, org, django_assert_max_num_queries):
    for n in range(12):
        submit(hire(owner, f"person{n}", org.west, org.clerk), n=n)
    client.force_login(operator)
    client.get("/admin/")
    with django_assert_max_num_queries(10):
        assert client.get(CHANGELIST).status_code == 200


def test_the_change_page_offers_approve_and_reject_while_pending(client, operator, west_staff):
    verification = submit(west_staff)
    client.force_login(operator)
    url = f"{CHANGELIST}{verification.pk}/change/"
    html = client.get(url).content.decode()
    assert 'data-testid="approve"' in html and 'data-testid="reject"' in html
    form = client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": [verification.pk]})
    assert "Reject verifications" in form.content.decode()
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [verification.pk]})
    html = client.get(url).content.decode()
    assert 'data-testid="approve"' not in html and "Verified" in html


def test_a_mobile_typed_in_full_width_digits_is_the_same_person(client, west_staff, plain_staff):
    """One person, one verified account per tenant (R-19), however the digits were typed (issue 15)."""
    from accounts.models import IdentityVerification
    from tests.accounts.identity_helpers import valid_id

    client.force_login(west_staff)
    client.post("/account/verification/", {"real_name": "王五", "id_number": valid_id(31), "mobile": "13911112222"})
    client.force_login(plain_staff)
    response = client.post(
        "/account/verification/", {"real_name": "赵六", "id_number": valid_id(32), "mobile": "139１１１１２２２２"}
    )

    assert response.status_code == 200
    assert "already verified or under review" in response.content.decode()
    assert IdentityVerification.objects.filter(mobile="13911112222").count() == 1
