"""Sessions (R-15, R-21): a user's own list, the main account ending its staff's, and the events
that end sessions for real (disable, offboard, password change)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import Client
from django.urls import reverse
from qsessions.models import Session

from accounts.models import AuditEntry
from accounts.services import staff as staff_services
from accounts.services.sessions import session_public_id
from tests.factories import PASSWORD
from tests.personas import fresh

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def logged_in(username, password=PASSWORD, user_agent=CHROME, ip="203.0.113.7"):
    """A client logged in through the real login form, as a browser would be."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def is_logged_in(client):
    return client.get(reverse("accounts:dashboard")).status_code == 200


# --- the failing input of issue 11 --------------------------------------------------------------


def test_disable_then_enable_does_not_revive_an_old_cookie(owner, plain_staff):
    browser = logged_in(plain_staff.username)
    assert is_logged_in(browser)

    staff_services.staff_disable(actor=owner, staff=plain_staff)
    staff_services.staff_enable(actor=owner, staff=fresh(plain_staff))

    assert not Session.objects.filter(user=plain_staff).exists()
    assert not is_logged_in(browser)
    assert is_logged_in(logged_in(plain_staff.username))  # the person can simply log in again


def test_offboarding_deletes_every_session(owner, plain_staff):
    logged_in(plain_staff.username)
    logged_in(plain_staff.username, user_agent=IPHONE)
    assert Session.objects.filter(user=plain_staff).count() == 2

    staff_services.staff_offboard(actor=owner, staff=plain_staff)

    assert not Session.objects.filter(user=plain_staff).exists()


def test_password_change_keeps_this_session_and_ends_the_others(owner):
    here = logged_in(owner.username)
    elsewhere = logged_in(owner.username, user_agent=IPHONE)

    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert Session.objects.filter(user=owner).count() == 1
    assert AuditEntry.objects.get(action="user.password_change").after == {"sessions_ended": 1}


# --- my sessions --------------------------------------------------------------------------------


def test_my_sessions_lists_device_address_and_marks_this_one(owner, plain_staff):
    here = logged_in(plain_staff.username, ip="203.0.113.7")
    logged_in(plain_staff.username, user_agent=IPHONE, ip="198.51.100.9")
    logged_in(owner.username, ip="192.0.2.1")  # someone else's session is not listed

    response = here.get(reverse("accounts:sessions"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "203.0.113.7" in body and "198.51.100.9" in body and "192.0.2.1" not in body
    assert "iPhone" in body and "Chrome" in body
    assert body.count('data-testid="this-device"') == 1
    this_row = re.search(r'<tr data-session="[0-9a-f]+">(?:(?!</tr>).)*this-device', body, re.DOTALL).group(0)
    assert "Chrome" in this_row
    for key in Session.objects.values_list("session_key", flat=True):
        assert key not in body  # the bearer credential never reaches a page


def test_ending_another_of_my_sessions_logs_that_device_out(plain_staff):
    here = logged_in(plain_staff.username)
    phone = logged_in(plain_staff.username, user_agent=IPHONE)
    phone_key = phone.cookies["sessionid"].value

    response = here.post(reverse("accounts:session_end", args=[session_public_id(phone_key)]))

    assert response.status_code == 302
    assert not is_logged_in(phone)
    assert is_logged_in(here)
    entry = AuditEntry.objects.get(action="session.end")
    assert entry.actor == plain_staff and entry.before["session"] == session_public_id(phone_key)
    assert phone_key not in str(entry.before) + str(entry.after)


def test_ending_all_other_sessions_keeps_this_one(plain_staff):
    here = logged_in(plain_staff.username)
    others = [logged_in(plain_staff.username, user_agent=IPHONE) for _ in range(2)]

    here.post(reverse("accounts:sessions_end_others"))

    assert is_logged_in(here)
    assert not any(is_logged_in(c) for c in others)
    assert AuditEntry.objects.get(action="session.end_all").after == {"ended": 2}


def test_one_cannot_end_someone_elses_session_by_its_id(owner, plain_staff, west_staff):
    mine = logged_in(plain_staff.username)
    theirs = logged_in(west_staff.username)
    their_id = session_public_id(theirs.cookies["sessionid"].value)

    response = mine.post(reverse("accounts:session_end", args=[their_id]))

    assert response.status_code == 404
    assert is_logged_in(theirs)


def test_session_pages_need_login_and_post(client, plain_staff):
    staff_urls = [
        reverse("accounts:staff_sessions_end_all", args=[plain_staff.pk]),
        reverse("accounts:staff_session_end", args=[plain_staff.pk, "0" * 20]),
        reverse("accounts:session_end", args=["0" * 20]),
    ]
    for url in (reverse("accounts:sessions"), reverse("accounts:sessions_end_others"), *staff_urls):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    here = logged_in(plain_staff.username)
    assert here.get(reverse("accounts:sessions_end_others")).status_code == 405


def test_my_sessions_page_query_count(plain_staff, django_assert_max_num_queries):
    here = logged_in(plain_staff.username)
    for _ in range(8):
        logged_in(plain_staff.username, user_agent=IPHONE)
    here.get(reverse("accounts:sessions"))  # the once-a-minute "last seen" write happens here

    with django_assert_max_num_queries(5):
        response = here.get(reverse("accounts:sessions"))
    assert response.content.decode().count("<tr data-session=") == 9


def test_my_sessions_come_a_page_at_a_time_this_one_first(plain_staff, owner):
    for _ in range(11):
        logged_in(plain_staff.username, user_agent=IPHONE)
    logged_in(owner.username)  # someone else's sessions are not counted
    here = logged_in(plain_staff.username)  # seen last: first in the list

    first = here.get(reverse("accounts:sessions")).content.decode()
    second = here.get(reverse("accounts:sessions") + "?page=2").content.decode()

    assert first.count("<tr data-session=") == 10 and second.count("<tr data-session=") == 2
    assert first.count('data-testid="this-device"') == 1 and "this-device" not in second
    assert "End all other sessions" in second  # it ends them all, not a page's
    ids = re.findall(r'<tr data-session="([0-9a-f]+)">', first + second)
    mine = {session_public_id(key) for key in Session.objects.filter(user=plain_staff).values_list("session_key", flat=True)}
    assert set(ids) == mine and len(ids) == 12
    # each row's button ends that row's session
    ending = re.search(r'<form method="post" action="(/sessions/([0-9a-f]+)/end/)">', second)
    assert ending.group(2) in ids
    assert here.post(ending.group(1)).status_code == 302
    assert Session.objects.filter(user=plain_staff).count() == 11


# --- the main account and its staff's sessions --------------------------------------------------


def test_owner_sees_and_ends_a_staff_session(owner, plain_staff):
    boss = logged_in(owner.username)
    staff_browser = logged_in(plain_staff.username, ip="203.0.113.50")
    public_id = session_public_id(staff_browser.cookies["sessionid"].value)

    page = boss.get(reverse("staff:detail", args=[plain_staff.pk])).content.decode()
    assert "203.0.113.50" in page and public_id in page

    response = boss.post(reverse("accounts:staff_session_end", args=[plain_staff.pk, public_id]))

    assert response.status_code == 302
    assert not is_logged_in(staff_browser)
    entry = AuditEntry.objects.get(action="session.end")
    assert entry.actor == owner and entry.target_id == str(plain_staff.pk)


def test_owner_ends_all_of_a_staff_members_sessions(owner, plain_staff):
    boss = logged_in(owner.username)
    browsers = [logged_in(plain_staff.username), logged_in(plain_staff.username, user_agent=IPHONE)]

    boss.post(reverse("accounts:staff_sessions_end_all", args=[plain_staff.pk]))

    assert not any(is_logged_in(b) for b in browsers)
    assert is_logged_in(boss)


def test_another_tenants_owner_gets_404_and_ends_nothing(other_owner, plain_staff):
    outsider = logged_in(other_owner.username)
    staff_browser = logged_in(plain_staff.username)
    public_id = session_public_id(staff_browser.cookies["sessionid"].value)

    assert outsider.post(reverse("accounts:staff_session_end", args=[plain_staff.pk, public_id])).status_code == 404
    assert outsider.post(reverse("accounts:staff_sessions_end_all", args=[plain_staff.pk])).status_code == 404
    assert is_logged_in(staff_browser)


def test_staff_cannot_end_a_colleagues_session_through_the_staff_pages(east_admin, plain_staff):
    admin = logged_in(east_admin.username)
    staff_browser = logged_in(plain_staff.username)
    public_id = session_public_id(staff_browser.cookies["sessionid"].value)

    assert admin.post(reverse("accounts:staff_session_end", args=[plain_staff.pk, public_id])).status_code == 403
    assert "203.0.113" not in admin.get(reverse("staff:detail", args=[plain_staff.pk])).content.decode()
    assert is_logged_in(staff_browser)


# --- last seen ------------------------------------------------------------------------------------


def test_last_seen_moves_at_most_once_a_minute(plain_staff, monkeypatch):
    import time as real_time

    here = logged_in(plain_staff.username)
    key = here.cookies["sessionid"].value
    here.get(reverse("accounts:dashboard"))
    first = Session.objects.get(pk=key).updated_at

    here.get(reverse("accounts:dashboard"))
    assert Session.objects.get(pk=key).updated_at == first  # no write within the minute

    later = real_time.time() + 61
    monkeypatch.setattr("accounts.middleware.time.time", lambda: later)
    here.get(reverse("accounts:dashboard"))
    assert Session.objects.get(pk=key).updated_at > first


def test_a_session_id_only_works_under_its_own_staff_member(owner, plain_staff, west_staff):
    boss = logged_in(owner.username)
    west_browser = logged_in(west_staff.username)
    west_id = session_public_id(west_browser.cookies["sessionid"].value)

    response = boss.post(reverse("accounts:staff_session_end", args=[plain_staff.pk, west_id]))

    assert response.status_code == 404
    assert is_logged_in(west_browser)


def test_staff_detail_sessions_do_not_add_a_query_per_session(owner, plain_staff, django_assert_max_num_queries):
    """The count stays the same with 1 session or 7; the bound leaves one query per app that
    registers what an account owns (``accounts.handover``: campaigns ×3, customer chat)."""
    boss = logged_in(owner.username)
    url = reverse("staff:detail", args=[plain_staff.pk])
    logged_in(plain_staff.username)
    boss.get(url)
    with CaptureQueriesContext(connection) as one_session:
        boss.get(url)
    for _ in range(6):
        logged_in(plain_staff.username, user_agent=IPHONE)
    with django_assert_max_num_queries(14):
        with CaptureQueriesContext(connection) as seven_sessions:
            response = boss.get(url)
    assert response.content.decode().count("<tr data-session=") == 7
    assert len(seven_sessions) == len(one_session)


# --- the platform operator in the admin ----------------------------------------------------------


def test_an_operator_deactivating_an_account_in_the_admin_ends_its_sessions(client, operator, owner):
    owner_browser = logged_in(owner.username)
    client.force_login(operator)
    url = reverse("admin:accounts_user_change", args=[owner.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.pop("is_active")  # unticked
    data.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "",
                 "user_permissions": [], "groups": []})
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not Session.objects.filter(user=owner).exists()
    assert not is_logged_in(owner_browser)


def test_an_operator_setting_a_password_in_the_admin_ends_that_users_sessions(client, operator, plain_staff):
    staff_browser = logged_in(plain_staff.username)
    client.force_login(operator)
    url = reverse("admin:auth_user_password_change", args=[plain_staff.pk])
    response = client.post(url, {"password1": "Operator-set-77x", "password2": "Operator-set-77x", "usable_password": "true"})

    assert response.status_code == 302
    assert not Session.objects.filter(user=plain_staff).exists()  # deleted, not merely unusable
    assert not is_logged_in(staff_browser)
    assert client.get(reverse("admin:index")).status_code == 200  # the operator's own session stays
    assert AuditEntry.objects.get(action="admin.user.password").after == {"password_login": True}
