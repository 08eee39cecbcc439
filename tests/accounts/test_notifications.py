import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from accounts.channels import dingtalk_sign, dingtalk_signed_url
from accounts.models import AuditEntry, Delivery, Notification
from accounts.services.notifications import notification_send
from tests.factories import OwnerFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=False)


class RobotServer:
    """A local stand-in for the DingTalk robot that checks the signature like DingTalk does."""

    def __init__(self, secret, fail_times=0):
        self.secret = secret
        self.fail_times = fail_times
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"query": query, "body": body})
                if len(server.requests) <= server.fail_times:
                    self.send_response(500)
                    self.end_headers()
                    return
                if server.secret:
                    expected = dingtalk_sign(server.secret, int(query.get("timestamp", ["0"])[0]))
                    ok = query.get("sign", [""])[0] == expected
                else:
                    ok = "sign" not in query
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                reply = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
                self.wfile.write(json.dumps(reply).encode())

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/robot/send?access_token=t0ken"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_signature_matches_dingtalks_documented_scheme():
    # HMAC-SHA256 over "<timestamp>\n<secret>" keyed with the secret, base64, then URL-encoded.
    import base64
    import hashlib
    import hmac

    secret, ts = "SEC000example", 1700000000000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert dingtalk_sign(secret, ts) == expected
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", secret, ts)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=x&timestamp={ts}&sign={urllib.parse.quote_plus(expected)}"


def test_a_message_lands_in_the_inbox_even_without_a_robot(owner, django_capture_on_commit_callbacks):
    owner.tenant.dingtalk_webhook = ""
    owner.tenant.save()

    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(recipient=owner, subject="Hello", body="World")

    backends = set(notification.deliveries.values_list("backend", "status"))
    assert backends == {("inbox", "sent"), ("console", "sent")}


def test_dingtalk_delivery_posts_a_signed_message_that_mentions_the_mobile(owner, django_capture_on_commit_callbacks):
    with RobotServer(secret="SECabc") as robot:
        owner.tenant.dingtalk_webhook = robot.url
        owner.tenant.dingtalk_secret = "SECabc"
        owner.tenant.save()
        with django_capture_on_commit_callbacks(execute=True):
            notification = notification_send(recipient=owner, subject="Invite", body="Join us", mobile="13912345678", link="/bind/x/")

    delivery = notification.deliveries.get(backend="dingtalk")
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    sent = robot.requests[0]["body"]
    assert sent["msgtype"] == "text"
    assert "Join us" in sent["text"]["content"] and "/bind/x/" in sent["text"]["content"]
    assert sent["at"]["atMobiles"] == ["13912345678"]


def test_a_wrong_secret_is_a_failed_send(owner, django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    with RobotServer(secret="SECright") as robot:
        owner.tenant.dingtalk_webhook = robot.url
        owner.tenant.dingtalk_secret = "SECwrong"
        owner.tenant.save()
        with django_capture_on_commit_callbacks(execute=True):
            notification = notification_send(recipient=owner, subject="x")

    delivery = notification.deliveries.get(backend="dingtalk")
    assert delivery.status == Delivery.Status.FAILED
    assert "sign not match" in delivery.last_error
    assert len(robot.requests) == 2


def test_transient_errors_are_retried_until_they_succeed(owner, django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 5
    with RobotServer(secret="SECabc", fail_times=2) as robot:
        owner.tenant.dingtalk_webhook = robot.url
        owner.tenant.dingtalk_secret = "SECabc"
        owner.tenant.save()
        with django_capture_on_commit_callbacks(execute=True):
            notification = notification_send(recipient=owner, subject="x")

    delivery = notification.deliveries.get(backend="dingtalk")
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 3


def test_failed_sends_are_visible_to_the_owner_and_retryable(owner_client, owner, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    owner.tenant.dingtalk_webhook = "http://127.0.0.1:9/unreachable"
    owner.tenant.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(recipient=owner, subject="Will fail")
    delivery = notification.deliveries.get(backend="dingtalk")
    assert delivery.status == Delivery.Status.FAILED

    page = owner_client.get(reverse("accounts:deliveries"), {"status": "failed"}).content.decode()
    assert "Will fail" in page and "unreachable" in page

    with RobotServer(secret="") as robot:
        owner.tenant.dingtalk_webhook = robot.url
        owner.tenant.dingtalk_secret = ""
        owner.tenant.save()
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(reverse("accounts:delivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert AuditEntry.objects.filter(action="notification.retry", target_id=str(delivery.pk)).exists()


def test_another_tenants_deliveries_are_invisible(owner_client, other_owner, settings):
    other_owner.tenant.dingtalk_webhook = "http://127.0.0.1:9/x"
    other_owner.tenant.save()
    notification = notification_send(recipient=other_owner, subject="Secret of globex")
    delivery = notification.deliveries.get(backend="dingtalk")

    assert "Secret of globex" not in owner_client.get(reverse("accounts:deliveries")).content.decode()
    assert owner_client.post(reverse("accounts:delivery_retry", args=[delivery.pk])).status_code == 404


def test_inbox_lists_only_my_messages_and_opening_one_marks_it_read(client, tenant, owner):
    staff = StaffFactory(tenant=tenant)
    mine = notification_send(recipient=staff, subject="For staff")
    theirs = notification_send(recipient=owner, subject="For owner")
    client.force_login(staff)

    page = client.get(reverse("accounts:inbox")).content.decode()
    assert "For staff" in page and "For owner" not in page
    assert client.get(reverse("accounts:inbox_detail", args=[theirs.pk])).status_code == 404

    assert client.get(reverse("accounts:inbox_detail", args=[mine.pk])).status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_unread_badge_counts_unread_messages(client, tenant):
    staff = StaffFactory(tenant=tenant)
    notification_send(recipient=staff, subject="one")
    notification_send(recipient=staff, subject="two")
    client.force_login(staff)

    response = client.get(reverse("accounts:inbox"))
    assert response.context["unread_count"] == 2
    client.post(reverse("accounts:inbox_read_all"))
    assert client.get(reverse("accounts:inbox")).context["unread_count"] == 0


def test_inbox_query_count_does_not_grow_with_rows(client, tenant, django_assert_max_num_queries):
    staff = StaffFactory(tenant=tenant)
    for i in range(30):
        Notification.objects.create(tenant=tenant, recipient=staff, subject=f"m{i}")
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:inbox"))
    assert len(response.context["page_obj"].object_list) == 25


def test_deliveries_query_count_does_not_grow_with_rows(owner_client, owner, django_assert_max_num_queries):
    for i in range(30):
        notification_send(recipient=owner, subject=f"m{i}")
    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("accounts:deliveries"))
    assert len(response.context["page_obj"].object_list) == 25


def test_every_user_has_an_inbox_page(client, tenant):
    for user in (OwnerFactory(tenant=tenant), StaffFactory(tenant=tenant)):
        client.force_login(user)
        assert client.get(reverse("accounts:inbox")).status_code == 200


def test_a_robot_address_outside_dingtalk_is_never_posted_to(owner, django_capture_on_commit_callbacks, settings):
    """Rows saved before the form refused other hosts still cannot make the server POST elsewhere."""
    settings.DINGTALK_ROBOT_ORIGINS = ["https://oapi.dingtalk.com"]
    with RobotServer(secret="") as robot:
        owner.tenant.dingtalk_webhook = robot.url
        owner.tenant.save()
        with django_capture_on_commit_callbacks(execute=True):
            notification = notification_send(recipient=owner, subject="x")

    delivery = notification.deliveries.get(backend="dingtalk")
    assert robot.requests == []
    assert "not a DingTalk robot address" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_the_robot_is_called_outside_any_transaction_or_row_lock(owner, monkeypatch):
    """A slow robot must not hold a database transaction (and its row locks) open while it answers."""
    from django.db import connection

    from accounts import channels

    seen = []
    monkeypatch.setattr(channels.CHANNELS["dingtalk"], "send", lambda notification: seen.append(connection.in_atomic_block))
    owner.tenant.dingtalk_webhook = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    owner.tenant.save()

    notification = notification_send(recipient=owner, subject="x")

    assert seen == [False]
    assert notification.deliveries.get(backend="dingtalk").status == Delivery.Status.SENT


def test_the_badge_follows_a_message_that_arrives_or_is_read_after_it_was_counted(client, tenant):
    """The count is cached (issue 16): each writer of the inbox must make it count again."""
    staff = StaffFactory(tenant=tenant)
    notification_send(recipient=staff, subject="one")
    client.force_login(staff)
    assert client.get(reverse("accounts:inbox")).context["unread_count"] == 1

    second = notification_send(recipient=staff, subject="two")
    assert client.get(reverse("accounts:inbox")).context["unread_count"] == 2

    client.get(reverse("accounts:inbox_detail", args=[second.pk]))
    assert client.get(reverse("accounts:inbox")).context["unread_count"] == 1
