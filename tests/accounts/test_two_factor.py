"""Second factor (R-21, R-12): enrolment, the login code step, backup codes, disabling, the
per-position requirement and the admin's requirement for operators."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from accounts.services.security import two_factor_device_start, two_factor_enable
from orgchart.services import position_update
from tests.factories import PASSWORD
from tests.personas import catalogue, fresh, hire


def code(device, steps_ahead=0):
    """The device's TOTP code ``steps_ahead`` 30-second steps from now (a code is single-use)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def enrol(user):
    """Turn 2FA on for ``user`` through the services; return ``(device, backup_codes)``."""
    device = two_factor_device_start(actor=user)
    return two_factor_enable(actor=user, device=device, token=code(device))


def password_step(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


# --- enrolment --------------------------------------------------------------------------------


def test_enrolment_shows_qr_and_secret_then_confirms_with_a_code(owner_client, owner):
    page = owner_client.get(reverse("accounts:two_factor_setup"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=owner)
    assert not device.confirmed
    assert "<svg" in html and 'data-testid="totp-qr"' in html
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key

    wrong = owner_client.post(reverse("accounts:two_factor_setup"), {"token": "123456"})
    assert "That code is not valid" in wrong.content.decode()
    assert not fresh(device).confirmed
    assert not AuditEntry.objects.filter(action="two_factor.enable").exists()

    done = owner_client.post(reverse("accounts:two_factor_setup"), {"token": code(device)})
    html = done.content.decode()
    assert "Two-factor authentication is on." in html
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)) == sorted(codes)
    assert fresh(device).confirmed
    entry = AuditEntry.objects.get(action="two_factor.enable")
    assert entry.actor == owner and device.key not in str(entry.after) and codes[0] not in str(entry.after)
    # The status page now says it is on and never shows the codes again.
    status = owner_client.get(reverse("accounts:two_factor")).content.decode()
    assert "On." in status and "10 backup codes left" in status and codes[0] not in status


def test_enrolment_page_redirects_when_already_on(owner_client, owner):
    enrol(owner)
    response = owner_client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor")


@pytest.mark.parametrize(
    "name",
    ["accounts:two_factor", "accounts:two_factor_setup", "accounts:two_factor_disable"],
)
def test_two_factor_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_backup_codes_regeneration_needs_post_and_login(client, owner):
    url = reverse("accounts:two_factor_backup_codes")
    assert client.post(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(owner)
    assert client.get(url).status_code == 405


# --- login with a code ------------------------------------------------------------------------


def test_login_asks_for_the_code_and_nothing_is_reachable_before(client, owner):
    device, _codes = enrol(owner)

    response = password_step(client, "acme_owner", next_url=reverse("staff:list"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_verify")
    # Between the steps the session is not logged in.
    for url in (reverse("accounts:dashboard"), reverse("accounts:two_factor"), reverse("staff:list")):
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))

    page = client.get(reverse("accounts:login_verify")).content.decode()
    assert "Enter your code" in page

    wrong = client.post(reverse("accounts:login_verify"), {"code": "000000"})
    assert "That code is not valid" in wrong.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    # django-otp makes the next try wait a second after a wrong code; let that second pass.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))

    ok = client.post(reverse("accounts:login_verify"), {"code": code(device, 1)})
    assert ok.status_code == 302 and ok["Location"] == reverse("staff:list")
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_wrong_code_then_throttle_message(client, owner):
    enrol(owner)
    password_step(client, "acme_owner")
    client.post(reverse("accounts:login_verify"), {"code": "000000"})
    again = client.post(reverse("accounts:login_verify"), {"code": "000001"})
    assert "Too many wrong codes. Wait" in again.content.decode()


def test_the_code_that_confirmed_enrolment_is_refused_at_the_next_login_with_the_reason(client, owner):
    """Issue 23: typed again within its 30 s, the enrolment code was refused with no word of why."""
    client.force_login(owner)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=owner)
    used = code(device)
    assert "Two-factor authentication is on." in client.post(reverse("accounts:two_factor_setup"), {"token": used}).content.decode()
    client.logout()

    password_step(client, "acme_owner")
    replayed = client.post(reverse("accounts:login_verify"), {"code": used})

    html = replayed.content.decode()
    assert "That code was already used: each code works only once." in html
    assert "Wait for the next code in your app (a new one appears every 30 seconds)" in html
    assert "That code is not valid" not in html
    # Replay protection holds: the used code logs no one in.
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))

    ok = client.post(reverse("accounts:login_verify"), {"code": code(device, 1)})
    assert ok.status_code == 302 and client.get(reverse("accounts:dashboard")).status_code == 200


def test_a_wrong_code_is_not_called_used(client, owner):
    device, _codes = enrol(owner)
    password_step(client, "acme_owner")
    wrong = "000000" if code(device) != "000000" else "000001"
    html = client.post(reverse("accounts:login_verify"), {"code": wrong}).content.decode()
    assert "That code is not valid" in html and "already used" not in html


def test_code_step_without_password_step_goes_back_to_login(client, owner):
    enrol(owner)
    response = client.get(reverse("accounts:login_verify"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")


def test_code_step_expires(client, owner, settings):
    device, _codes = enrol(owner)
    settings.SECOND_FACTOR_PENDING_SECONDS = -1
    password_step(client, "acme_owner")
    response = client.post(reverse("accounts:login_verify"), {"code": code(device, 1)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_a_backup_code_works_once(client, owner):
    _device, codes = enrol(owner)

    password_step(client, "acme_owner")
    response = client.post(reverse("accounts:login_verify"), {"code": codes[0]}, follow=True)
    assert "You used a backup code; 9 are left" in response.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 200

    client.logout()
    password_step(client, "acme_owner")
    reused = client.post(reverse("accounts:login_verify"), {"code": codes[0]})
    assert "That code is not valid" in reused.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_regenerated_backup_codes_replace_the_old(owner_client, owner):
    _device, old_codes = enrol(owner)
    response = owner_client.post(reverse("accounts:two_factor_backup_codes"))
    new_codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new_codes) == 10
    stored = set(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True))
    assert stored == set(new_codes) and not stored & set(old_codes)
    assert AuditEntry.objects.filter(action="two_factor.backup_codes_regenerate", actor=owner).count() == 1


def test_login_without_device_is_one_step(client, owner):
    response = password_step(client, "acme_owner")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:dashboard")


# --- disabling --------------------------------------------------------------------------------


def test_disable_needs_the_current_password(owner_client, owner):
    enrol(owner)
    url = reverse("accounts:two_factor_disable")

    wrong = owner_client.post(url, {"password": "not-it"})
    assert "The password is not correct." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=owner).exists()

    response = owner_client.post(url, {"password": PASSWORD}, follow=True)
    assert "Two-factor authentication is off." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not StaticToken.objects.filter(device__user=owner).exists()
    assert AuditEntry.objects.filter(action="two_factor.disable", actor=owner).count() == 1
    owner_client.logout()
    assert password_step(owner_client, "acme_owner")["Location"] == reverse("accounts:dashboard")


# --- binding (R-12) ---------------------------------------------------------------------------


def test_binding_with_two_factor_leads_to_enrolment(client, owner, org):
    from accounts.services.staff import binding_code_send, staff_add
    from tests.personas import token_of

    staff, link = staff_add(
        actor=owner, tenant=owner.tenant, display_name="Li", account_name="li", mobile="13612345678",
        department=org.east, position=org.clerk, is_department_admin=False, supplementary_permissions=[],
    )
    code = binding_code_send(token=token_of(link))
    response = client.post(
        reverse("accounts:bind", args=[token_of(link)]),
        {"code": code, "password1": PASSWORD, "password2": PASSWORD, "setup_two_factor": "on"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor_setup")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Set up two-factor authentication" in page.content.decode()
    assert TOTPDevice.objects.filter(user=staff, confirmed=False).exists()


def test_binding_without_the_box_goes_to_login(client, owner, org):
    from accounts.services.staff import binding_code_send, staff_add
    from tests.personas import token_of

    _staff, link = staff_add(
        actor=owner, tenant=owner.tenant, display_name="Li", account_name="li", mobile="13612345678",
        department=org.east, position=org.clerk, is_department_admin=False, supplementary_permissions=[],
    )
    code = binding_code_send(token=token_of(link))
    response = client.post(
        reverse("accounts:bind", args=[token_of(link)]), {"code": code, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response["Location"] == reverse("accounts:login")


# --- required per position --------------------------------------------------------------------


@pytest.fixture
def guarded(owner, org):
    """A position that requires 2FA and a staff member holding it."""
    position = position_update(
        actor=owner, position=org.publisher, name="Publisher",
        permissions=catalogue("view_campaigns", "publish_campaigns"), requires_2fa=True,
    )
    return hire(owner, "guarded", org.west, position)


def test_position_requirement_is_audited_and_listed(owner_client, owner, org):
    response = owner_client.post(
        reverse("orgchart:position_edit", args=[org.clerk.pk]),
        {"name": "Clerk", "description": "", "permissions": [p.pk for p in catalogue("view_campaigns")], "requires_2fa": "on"},
    )
    assert response.status_code == 302
    assert fresh(org.clerk).requires_2fa
    entry = AuditEntry.objects.filter(action="position.update").latest("pk")
    assert entry.before["requires_2fa"] is False and entry.after["requires_2fa"] is True
    listing = owner_client.get(reverse("orgchart:positions")).content.decode()
    row = re.search(r'<tr data-position="Clerk">.*?</tr>', listing, re.S).group(0)
    assert "Required" in row
    other = re.search(r'<tr data-position="Publisher">.*?</tr>', listing, re.S).group(0)
    assert "Optional" in other


def test_required_position_forces_enrolment_before_any_page(client, guarded):
    client.force_login(guarded)
    for url in (reverse("accounts:dashboard"), reverse("accounts:inbox"), reverse("accounts:password_change")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    # Logging out and switching the language stay possible.
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200

    device = TOTPDevice.objects.get(user=guarded)
    client.post(reverse("accounts:two_factor_setup"), {"token": code(device)})
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_staff_in_an_optional_position_is_not_forced(client, plain_staff):
    client.force_login(plain_staff)
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_required_position_cannot_turn_it_off(client, guarded):
    enrol(guarded)
    client.force_login(guarded)
    response = client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert "Your position requires two-factor authentication" in response.content.decode()
    assert TOTPDevice.objects.filter(user=guarded, confirmed=True).exists()


def test_permission_preview_and_detail_show_the_requirement(owner_client, guarded):
    detail = owner_client.get(reverse("staff:detail", args=[guarded.pk])).content.decode()
    assert re.search(r'data-testid="staff-2fa">Off \(required by the position\)', detail)
    preview = owner_client.get(reverse("staff:permissions", args=[guarded.pk])).content.decode()
    assert "Two-factor authentication is required by the position Publisher" in preview


def test_offboarding_drops_the_persons_devices(owner, plain_staff):
    from accounts.services.staff import staff_offboard

    enrol(plain_staff)
    staff_offboard(actor=owner, staff=plain_staff)
    assert not TOTPDevice.objects.filter(user=plain_staff).exists()


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_2fa_on(settings):
    settings.ADMIN_REQUIRES_SECOND_FACTOR = True


def test_operator_without_device_is_sent_to_enrol(client, operator, admin_2fa_on):
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_setup"))
    assert "Platform operators need two-factor authentication" in client.get(response["Location"]).content.decode()

    device = TOTPDevice.objects.get(user=operator)
    done = client.post(f"{reverse('accounts:two_factor_setup')}?next=/admin/", {"token": code(device), "next": "/admin/"})
    assert 'href="/admin/"' in done.content.decode()
    assert client.get("/admin/").status_code == 200


def test_operator_with_device_must_verify_the_session(client, operator, admin_2fa_on):
    device, _codes = enrol(operator)
    client.force_login(operator)  # a session that never gave a code
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login_verify"))

    ok = client.post(f"{reverse('accounts:login_verify')}?next=/admin/accounts/user/", {"code": code(device, 1), "next": "/admin/accounts/user/"})
    assert ok["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_admin_login_goes_through_the_code_step(client, operator, admin_2fa_on):
    device, _codes = enrol(operator)
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    login_page = client.get(response["Location"])
    assert login_page["Location"].startswith(reverse("accounts:login"))

    step = password_step(client, "platform_op", next_url="/admin/")
    assert step["Location"] == reverse("accounts:login_verify")
    done = client.post(reverse("accounts:login_verify"), {"code": code(device, 1)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_tenant_users_are_not_admitted_to_the_admin(client, owner, admin_2fa_on):
    client.force_login(owner)
    response = client.get("/admin/", follow=True)
    assert "not authorized" in response.content.decode()


def test_operator_turns_off_a_lost_device_in_the_admin(client, operator, owner):
    enrol(owner)
    client.force_login(operator)
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [owner.pk]}, follow=True
    )
    assert "Two-factor authentication turned off for 1 users." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    entry = AuditEntry.objects.get(action="two_factor.reset")
    assert entry.actor == operator and entry.tenant == owner.tenant


def test_device_tables_are_not_editable_in_the_admin(client, operator):
    client.force_login(operator)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_only_operators_reset_devices(owner, plain_staff):
    from django.core.exceptions import PermissionDenied

    from accounts.services.security import two_factor_reset

    enrol(plain_staff)
    with pytest.raises(PermissionDenied):
        two_factor_reset(actor=owner, user=plain_staff)
    assert TOTPDevice.objects.filter(user=plain_staff).exists()


@pytest.mark.parametrize("name", ["accounts:two_factor", "accounts:two_factor_setup", "accounts:two_factor_disable"])
def test_two_factor_pages_render_in_chinese(client, owner, settings, name):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(owner)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
