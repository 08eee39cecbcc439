"""Binding links belong to one person (issue 11 item 7, R-12): a new mobile gets a new link, and
whoever opens a link must prove the owner-entered mobile by a one-time SMS code."""

import datetime
import hashlib
import hmac
import json
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.channels import DeliveryError, SmsChannel, sms_signature
from accounts.models import AuditEntry, Invitation, Notification, User
from accounts.services import staff as staff_services
from tests.factories import PASSWORD
from tests.personas import accept_invitation, fresh, sms_code_for, token_of

pytestmark = pytest.mark.django_db

BIND_ERROR = "invalid, used, revoked or expired"


@pytest.fixture
def pending(owner, org):
    staff, link = staff_services.staff_add(
        actor=owner, tenant=owner.tenant, display_name="Zhang San", account_name="zhangsan",
        mobile="13612345678", department=org.east, position=org.clerk,
    )
    return staff, link


def edit_mobile(owner, staff, mobile):
    staff = fresh(staff)
    return staff_services.staff_update(
        actor=owner, staff=staff, display_name=staff.display_name, mobile=mobile,
        department=staff.department, position=staff.position, is_department_admin=False,
    )


# --- the failing input of issue 11: a new mobile revokes the old link -------------------------


def test_changing_a_pending_mobile_kills_the_first_link_and_sends_a_new_one(owner, pending, client):
    staff, first_link = pending

    edit_mobile(owner, staff, "13687654321")

    assert client.get(first_link).status_code == 404
    with pytest.raises(ValidationError, match=BIND_ERROR):
        staff_services.binding_code_send(token=token_of(first_link))
    with pytest.raises(ValidationError, match=BIND_ERROR):
        accept_invitation(first_link)
    live = Invitation.objects.usable().get(user=staff)
    assert live.mobile == "13687654321"
    invite = Notification.objects.filter(recipient=staff, kind="binding_invitation").first()
    assert invite.mobile == "13687654321" and invite.link.startswith("/bind/")
    assert AuditEntry.objects.filter(action="staff.invite", target_id=str(staff.pk)).latest("id").after["mobile"] == "13687654321"
    assert AuditEntry.objects.filter(action="staff.update").latest("id").after["mobile"] == "13687654321"

    accept_invitation(invite.link)  # the new person binds with the new link
    assert fresh(staff).status == User.Status.ACTIVE
    assert sms_code_for(staff) and Notification.objects.filter(kind="binding_code").latest("id").mobile == "13687654321"


def test_editing_other_fields_keeps_the_link(owner, pending):
    staff, link = pending
    edit_mobile(owner, staff, "13612345678")

    assert Invitation.objects.filter(user=staff).count() == 1
    accept_invitation(link)
    assert fresh(staff).status == User.Status.ACTIVE


def test_a_link_dies_with_any_change_of_mobile_even_outside_the_service(pending):
    staff, link = pending
    User.objects.filter(pk=staff.pk).update(mobile="13600000000")

    assert staff_services.invitation_for_token(token_of(link)) is None


# --- the one-time code ------------------------------------------------------------------------


def test_the_code_goes_only_by_sms_to_the_entered_mobile(owner, pending, settings):
    settings.NOTIFICATION_BACKENDS = ["inbox", "console", "dingtalk"]
    tenant = owner.tenant
    tenant.dingtalk_webhook = "https://oapi.dingtalk.com/robot/send?access_token=x"
    tenant.save()
    staff, link = pending

    code = staff_services.binding_code_send(token=token_of(link))

    notification = Notification.objects.get(kind="binding_code")
    assert notification.mobile == "13612345678" and code in notification.body
    assert set(notification.deliveries.values_list("backend", flat=True)) == {"inbox", "sms"}
    invitation = Invitation.objects.get(user=staff)
    assert invitation.code_hash != code and len(invitation.code_hash) == 64  # a keyed hash, not the code
    entry = AuditEntry.objects.get(action="staff.bind_code_send")
    assert code not in json.dumps(entry.after) and entry.after == {"mobile": "136****5678"}


def test_binding_needs_the_code(pending):
    staff, link = pending
    with pytest.raises(ValidationError, match="Send a code"):
        staff_services.invitation_accept(token=token_of(link), code="123456", password=PASSWORD)
    assert fresh(staff).status == User.Status.PENDING


def test_a_wrong_code_is_counted_and_the_fifth_burns_it(pending):
    staff, link = pending
    token = token_of(link)
    code = staff_services.binding_code_send(token=token)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"Wrong code. {left} tries left"):
            staff_services.invitation_accept(token=token, code=wrong, password=PASSWORD)
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        staff_services.invitation_accept(token=token, code=wrong, password=PASSWORD)
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        staff_services.invitation_accept(token=token, code=code, password=PASSWORD)  # even the right one

    assert Invitation.objects.get(user=staff).code_failures == 5
    assert fresh(staff).status == User.Status.PENDING


def test_an_expired_code_does_not_bind(pending):
    staff, link = pending
    code = staff_services.binding_code_send(token=token_of(link))
    Invitation.objects.filter(user=staff).update(code_expires_at=timezone.now() - datetime.timedelta(seconds=1))

    with pytest.raises(ValidationError, match="expired"):
        staff_services.invitation_accept(token=token_of(link), code=code, password=PASSWORD)
    assert fresh(staff).status == User.Status.PENDING


def test_a_code_can_be_resent_once_a_minute_and_the_old_one_dies(pending):
    staff, link = pending
    token = token_of(link)
    old = staff_services.binding_code_send(token=token)
    with pytest.raises(ValidationError, match="Wait"):
        staff_services.binding_code_send(token=token)

    Invitation.objects.filter(user=staff).update(code_sent_at=timezone.now() - datetime.timedelta(seconds=61))
    new = staff_services.binding_code_send(token=token)

    if old != new:
        with pytest.raises(ValidationError, match="Wrong code"):
            staff_services.invitation_accept(token=token, code=old, password=PASSWORD)
    staff_services.invitation_accept(token=token, code=new, password=PASSWORD)
    assert fresh(staff).status == User.Status.ACTIVE


def test_at_most_ten_codes_per_link(pending, settings):
    _staff, link = pending
    settings.BINDING_CODE_RESEND_SECONDS = 0
    for _ in range(10):
        staff_services.binding_code_send(token=token_of(link))
    with pytest.raises(ValidationError, match="Too many codes"):
        staff_services.binding_code_send(token=token_of(link))


# --- the page -----------------------------------------------------------------------------------


def test_bind_page_shows_only_the_masked_mobile_and_checks_the_code(client, pending):
    staff, link = pending
    page = client.get(link).content.decode()
    assert "136****5678" in page and "13612345678" not in page

    sent = client.post(link, {"send_code": "1"}, follow=True).content.decode()
    assert "A 6-digit code was sent by SMS to 136****5678" in sent
    code = sms_code_for(staff)
    assert code not in sent
    again = client.post(link, {"send_code": "1"}, follow=True).content.decode()
    assert "Wait" in again

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(link, {"code": wrong, "password1": "Fresh-password-88", "password2": "Fresh-password-88"})
    assert response.status_code == 200
    assert "Wrong code. 4 tries left." in " ".join(response.context["form"].errors["code"])
    assert fresh(staff).status == User.Status.PENDING

    bad_shape = client.post(link, {"code": "12ab", "password1": "Fresh-password-88", "password2": "Fresh-password-88"})
    assert bad_shape.context["form"].errors["code"]

    response = client.post(link, {"code": code, "password1": "Fresh-password-88", "password2": "Fresh-password-88"})
    assert response.status_code == 302
    assert fresh(staff).status == User.Status.ACTIVE


# --- the SMS channel ----------------------------------------------------------------------------


def sms(mobile="13612345678"):
    return Notification(subject="Your binding code", body="123456 is your code", mobile=mobile)


def test_sms_in_development_prints_the_text(settings, capsys):
    settings.SMS_GATEWAY_URL = ""
    settings.PRODUCTION = False
    SmsChannel().send(sms())
    assert "[sms] to 13612345678" in capsys.readouterr().out


def test_sms_in_production_without_a_gateway_fails_and_prints_nothing(settings, capsys):
    settings.SMS_GATEWAY_URL = ""
    settings.PRODUCTION = True
    with pytest.raises(DeliveryError, match="No SMS channel"):
        SmsChannel().send(sms())
    assert "123456" not in capsys.readouterr().out


def test_sms_posts_signed_json_to_the_gateway(settings):
    settings.SMS_GATEWAY_URL = "https://relay.example/sms"
    settings.SMS_GATEWAY_SECRET = "relay-secret"
    with mock.patch("accounts.channels.requests.post") as post:
        post.return_value.status_code = 200
        SmsChannel().send(sms())

    (url,), kwargs = post.call_args
    assert url == "https://relay.example/sms"
    assert json.loads(kwargs["data"]) == {"mobile": "13612345678", "text": "Your binding code\n123456 is your code"}
    headers = kwargs["headers"]
    expected = hmac.new(
        b"relay-secret", headers["X-Staffdesk-Timestamp"].encode() + b"\n" + kwargs["data"], hashlib.sha256
    ).hexdigest()
    assert headers["X-Staffdesk-Signature"] == expected == sms_signature("relay-secret", kwargs["data"], headers["X-Staffdesk-Timestamp"])


def test_sms_gateway_errors_keep_the_delivery_retryable(settings):
    settings.SMS_GATEWAY_URL = "https://relay.example/sms"
    with mock.patch("accounts.channels.requests.post") as post:
        post.return_value.status_code = 502
        with pytest.raises(DeliveryError, match="502"):
            SmsChannel().send(sms())
    with pytest.raises(DeliveryError, match="no mobile"):
        SmsChannel().send(sms(mobile=""))


def test_the_edit_page_says_a_new_link_went_to_the_new_mobile(owner_client, owner, pending, org):
    staff, first_link = pending
    data = {"display_name": "Zhang San", "mobile": "13687654321", "department": org.east.pk, "position": org.clerk.pk}

    response = owner_client.post(reverse("staff:edit", args=[staff.pk]), data, follow=True)

    assert "A new binding link was sent to 13687654321" in response.content.decode()
    assert owner_client.get(first_link).status_code == 404


def test_after_binding_the_codes_do_not_wait_unread_in_the_inbox(pending):
    staff, link = pending
    accept_invitation(link)

    unread = Notification.objects.filter(recipient=staff, read_at__isnull=True)
    assert list(unread.values_list("kind", flat=True)) == ["binding_invitation"]
