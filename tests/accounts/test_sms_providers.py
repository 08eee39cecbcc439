"""Binding codes that reach a person in production (issue 23 item 1, R-12): Aliyun SMS and Tencent
Cloud SMS, each tested against a real HTTP server on 127.0.0.1 that checks the request signature
the way the provider documents it, written here a second time, step by step, independently of the
code under test. A wrong secret, a refusal, HTTP 5xx and a timeout are failed deliveries that show
the provider's answer (never the secret) on the owner's delivery page, and the owner can resend."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.models import Delivery, Invitation, Notification, User
from accounts.services import staff as staff_services
from tests.personas import fresh, sms_code_for, token_of

pytestmark = pytest.mark.django_db

ALIYUN_ID = "LTAI5tFakeAccessKeyId"
ALIYUN_SECRET = "aliyun-secret-never-shown-7Hq2"
TENCENT_ID = "AKIDfakeSecretId1234567890"
TENCENT_SECRET = "tencent-secret-never-shown-9Zx4"
SIGN_NAME = "店铺助手"  # 签名: Chinese, so the percent-encoding of UTF-8 is exercised


# --- the fake providers ---------------------------------------------------------------------------


def aliyun_percent_encode(text):
    """Aliyun's rule, byte by byte: A-Z a-z 0-9 - _ . ~ stay, every other UTF-8 byte becomes %XY."""
    out = []
    for byte in str(text).encode("utf-8"):
        char = chr(byte)
        if char in "-_.~" or ("A" <= char <= "Z") or ("a" <= char <= "z") or ("0" <= char <= "9"):
            out.append(char)
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def aliyun_expected_signature(secret, method, params):
    """The RPC-style signature as Aliyun's document describes it (V2, HMAC-SHA1), and what it signed."""
    # 1. Sort the parameters (Signature excluded) by name.
    names = sorted(params)
    # 2. Encode each name and value, join them as name=value, then with &.
    canonical_query = "&".join(aliyun_percent_encode(n) + "=" + aliyun_percent_encode(params[n]) for n in names)
    # 3. StringToSign = HTTPMethod & percentEncode("/") & percentEncode(CanonicalizedQueryString).
    string_to_sign = method + "&" + aliyun_percent_encode("/") + "&" + aliyun_percent_encode(canonical_query)
    # 4. HMAC-SHA1 keyed with AccessKeySecret + "&", then base64.
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode(), string_to_sign


def tencent_expected_signature(secret_key, *, method, uri, query, headers, signed_headers, payload, timestamp, service):
    """TC3-HMAC-SHA256 as Tencent Cloud's document describes it, from the canonical request on."""
    # 1. CanonicalRequest.
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed_headers.split(";"))
    canonical_request = "\n".join(
        [method, uri, query, canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    # 2. StringToSign.
    date = datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%d")
    credential_scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", timestamp, credential_scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )

    # 3. The signing key, derived date → service → "tc3_request"; 4. the signature.
    def sign(key, message):
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()

    secret_date = sign(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = sign(secret_date, service)
    secret_signing = sign(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest(), date


class FakeProvider:
    """A real HTTP server in a thread; ``mode`` is what it answers: ok, refuse, 5xx or slow."""

    def __init__(self, handler):
        self.requests = []
        self.mode = "ok"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if fake.mode == "slow":
                    time.sleep(1.5)
                if fake.mode == "5xx":
                    return self._answer(503, b"<html>Service Unavailable</html>", "text/html")
                status, answer = handler(fake, self, body)
                self._answer(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

            def _answer(self, status, data, content_type):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def aliyun_handler(fake, request, body):
    params = {name: values[0] for name, values in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
    signature = params.pop("Signature", "")
    secrets_ = {ALIYUN_ID: ALIYUN_SECRET}
    if params.get("AccessKeyId") not in secrets_:
        return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
    expected, string_to_sign = aliyun_expected_signature(secrets_[params["AccessKeyId"]], request.command, params)
    if signature != expected:
        # Aliyun's real answer repeats what it signed, the template's code included.
        return 400, {
            "Code": "SignatureDoesNotMatch",
            "Message": f"Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
            "RequestId": "8906582E-6722",
        }
    assert (params["Action"], params["Version"], params["Format"]) == ("SendSms", "2017-05-25", "JSON")
    assert (params["SignatureMethod"], params["SignatureVersion"]) == ("HMAC-SHA1", "1.0")
    sent_at = datetime.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert abs((datetime.datetime.now(datetime.UTC) - sent_at).total_seconds()) < 900
    assert params["SignatureNonce"] not in {r["SignatureNonce"] for r in fake.requests}  # no replays
    fake.requests.append(params)
    if fake.mode == "refuse":
        return 200, {
            "Code": "isv.BUSINESS_LIMIT_CONTROL",
            "Message": "触发小时级流控Permits:5",
            "RequestId": "F655A8D5-B967",
        }
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5-B967"}


def tencent_handler(fake, request, body):
    authorization = request.headers["Authorization"]
    algorithm, _, fields = authorization.partition(" ")
    parts = dict(part.strip().split("=", 1) for part in fields.split(","))
    secret_id, date, service, terminator = parts["Credential"].split("/")
    timestamp = request.headers["X-TC-Timestamp"]
    headers = {"content-type": request.headers["Content-Type"], "host": request.headers["Host"]}
    expected, expected_date = tencent_expected_signature(
        TENCENT_SECRET if secret_id == TENCENT_ID else "",
        method=request.command,
        uri=urllib.parse.urlsplit(request.path).path,
        query=urllib.parse.urlsplit(request.path).query,
        headers=headers,
        signed_headers=parts["SignedHeaders"],
        payload=body,
        timestamp=timestamp,
        service=service,
    )
    if (
        algorithm != "TC3-HMAC-SHA256"
        or secret_id != TENCENT_ID
        or (date, service, terminator) != (expected_date, "sms", "tc3_request")
        or parts["Signature"] != expected
    ):
        return 200, {
            "Response": {
                "Error": {
                    "Code": "AuthFailure.SignatureFailure",
                    "Message": "The provided credentials could not be validated. Please check your signature is correct.",
                },
                "RequestId": "ed93f3cb-f35e",
            }
        }
    assert abs(time.time() - int(timestamp)) < 300
    assert request.headers["X-TC-Action"] == "SendSms" and request.headers["X-TC-Version"] == "2021-01-11"
    payload = json.loads(body)
    fake.requests.append({"region": request.headers.get("X-TC-Region"), **payload})
    status = {
        "SerialNo": "5000:1045710669157053657849499619",
        "PhoneNumber": payload["PhoneNumberSet"][0],
        "Fee": 1,
        "SessionContext": "",
        "Code": "Ok",
        "Message": "send success",
        "IsoCode": "CN",
    }
    if fake.mode == "refuse":
        status.update(
            Code="LimitExceeded.PhoneNumberDailyLimit",
            Message="the number of sms messages sent from a single mobile number every day exceeds the upper limit",
            Fee=0,
        )
    return 200, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6-cf91"}}


@pytest.fixture
def aliyun(settings):
    with FakeProvider(aliyun_handler) as fake:
        settings.PRODUCTION = True
        settings.SMS_PROVIDER = "aliyun"
        settings.ALIYUN_SMS_ACCESS_KEY_ID = ALIYUN_ID
        settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ALIYUN_SECRET
        settings.ALIYUN_SMS_SIGN_NAME = SIGN_NAME
        settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_154950909"
        settings.ALIYUN_SMS_TEMPLATE_PARAM = "code"
        settings.ALIYUN_SMS_ENDPOINT = fake.url + "/"
        settings.SMS_TIMEOUT_SECONDS = 0.5
        settings.NOTIFICATION_MAX_ATTEMPTS = 2
        yield fake


@pytest.fixture
def tencent(settings):
    with FakeProvider(tencent_handler) as fake:
        settings.PRODUCTION = True
        settings.SMS_PROVIDER = "tencent"
        settings.TENCENT_SMS_SECRET_ID = TENCENT_ID
        settings.TENCENT_SMS_SECRET_KEY = TENCENT_SECRET
        settings.TENCENT_SMS_SDK_APP_ID = "1400787878"
        settings.TENCENT_SMS_SIGN_NAME = SIGN_NAME
        settings.TENCENT_SMS_TEMPLATE_ID = "449739"
        settings.TENCENT_SMS_TEMPLATE_PARAMS = ["code", "minutes"]
        settings.TENCENT_SMS_REGION = "ap-guangzhou"
        settings.TENCENT_SMS_ENDPOINT = fake.url
        settings.SMS_TIMEOUT_SECONDS = 0.5
        settings.NOTIFICATION_MAX_ATTEMPTS = 2
        yield fake


@pytest.fixture
def pending(owner, org):
    return staff_services.staff_add(
        actor=owner, tenant=owner.tenant, display_name="Zhang San", account_name="zhangsan",
        mobile="13612345678", department=org.east, position=org.clerk,
    )


def code_delivery(staff):
    return Delivery.objects.filter(
        backend=Delivery.Backend.SMS, notification__recipient=staff, notification__kind=Notification.Kind.BINDING_CODE
    ).latest("id")


def delivered():
    """Deliveries are queued on commit: run them (and their retries) as a committed request would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def ask_for_code(client, link):
    with delivered():
        return client.post(link, {"send_code": "1"}, follow=True).content.decode()


def issue_code(link):
    """A new code at once, without the minute's wait between two requests of the page."""
    with delivered():
        staff_services._code_issue(staff_services.invitation_for_token(token_of(link)), actor=None, wait_between=False)


def bind_with(client, link, code):
    return client.post(link, {"code": code, "password1": "Fresh-password-88", "password2": "Fresh-password-88"})


# --- Aliyun SMS -----------------------------------------------------------------------------------


def test_aliyun_texts_the_code_signed_and_the_person_binds_with_it(aliyun, pending, client):
    staff, link = pending
    page = ask_for_code(client, link)

    assert "A 6-digit code was sent by SMS to 136****5678" in page
    (sent,) = aliyun.requests
    code = json.loads(sent["TemplateParam"])["code"]
    assert sent["PhoneNumbers"] == "13612345678"
    assert (sent["SignName"], sent["TemplateCode"], sent["RegionId"]) == (SIGN_NAME, "SMS_154950909", "cn-hangzhou")
    assert code == sms_code_for(staff)
    assert code_delivery(staff).status == Delivery.Status.SENT

    assert bind_with(client, link, code).status_code == 302
    assert fresh(staff).status == User.Status.ACTIVE


def test_aliyun_with_a_wrong_secret_is_a_failed_delivery_the_owner_sees_and_resends(aliyun, pending, client, owner, settings):
    staff, link = pending
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "a-wrong-secret-typed-by-the-merchant"
    ask_for_code(client, link)

    delivery = code_delivery(staff)
    assert aliyun.requests == []  # the fake refused the signature
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1  # a refusal is not retried blindly
    assert "SignatureDoesNotMatch" in delivery.last_error
    assert "a-wrong-secret" not in delivery.last_error and ALIYUN_SECRET not in delivery.last_error
    assert sms_code_for(staff) not in delivery.last_error  # the code reaches the person only
    assert "could not be delivered" in client.get(link).content.decode()  # the invitee is told, not left waiting

    client.force_login(owner)
    deliveries = client.get(reverse("accounts:deliveries")).content.decode()
    assert "SignatureDoesNotMatch" in deliveries and "a-wrong-secret" not in deliveries

    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ALIYUN_SECRET  # the merchant fixes the key …
    old_code = sms_code_for(staff)
    with delivered():
        response = client.post(reverse("accounts:delivery_retry", args=[delivery.pk]), follow=True)
    assert "A new binding code is on its way" in response.content.decode()
    (sent,) = aliyun.requests  # … and the owner's resend reaches the person with a fresh code
    new_code = json.loads(sent["TemplateParam"])["code"]
    assert Invitation.objects.get(user=staff).codes_sent == 2  # a new code, not the failed text again
    assert code_delivery(staff).pk == delivery.pk and code_delivery(staff).status == Delivery.Status.SENT
    client.logout()
    if new_code != old_code:
        assert "Wrong code" in " ".join(bind_with(client, link, old_code).context["form"].errors["code"])
    assert bind_with(client, link, new_code).status_code == 302


def test_aliyun_refusal_shows_the_providers_code_and_message(aliyun, pending, client):
    staff, link = pending
    aliyun.mode = "refuse"
    ask_for_code(client, link)

    delivery = code_delivery(staff)
    assert delivery.status == Delivery.Status.FAILED
    assert "isv.BUSINESS_LIMIT_CONTROL" in delivery.last_error and "触发小时级流控" in delivery.last_error


def test_aliyun_http_5xx_and_timeout_are_failed_deliveries(aliyun, pending, client, settings):
    staff, link = pending
    aliyun.mode = "5xx"
    ask_for_code(client, link)
    delivery = code_delivery(staff)
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert "HTTP 503" in delivery.last_error

    aliyun.mode = "slow"
    issue_code(link)
    delivery = code_delivery(staff)
    assert delivery.status == Delivery.Status.FAILED
    assert "did not answer within 0.5 s" in delivery.last_error


# --- Tencent Cloud SMS ------------------------------------------------------------------------------


def test_tencent_texts_the_code_signed_and_the_person_binds_with_it(tencent, pending, client):
    staff, link = pending
    page = ask_for_code(client, link)

    assert "A 6-digit code was sent by SMS to 136****5678" in page
    (sent,) = tencent.requests
    code = sms_code_for(staff)
    assert sent["PhoneNumberSet"] == ["+8613612345678"]
    assert sent["TemplateParamSet"] == [code, "10"]
    assert (sent["SmsSdkAppId"], sent["SignName"], sent["TemplateId"]) == ("1400787878", SIGN_NAME, "449739")
    assert sent["region"] == "ap-guangzhou"
    assert code_delivery(staff).status == Delivery.Status.SENT

    assert bind_with(client, link, code).status_code == 302
    assert fresh(staff).status == User.Status.ACTIVE


def test_tencent_with_a_wrong_secret_is_a_failed_delivery(tencent, pending, client, owner, settings):
    staff, link = pending
    settings.TENCENT_SMS_SECRET_KEY = "a-wrong-secret-typed-by-the-merchant"
    ask_for_code(client, link)

    delivery = code_delivery(staff)
    assert tencent.requests == []
    assert delivery.status == Delivery.Status.FAILED
    assert "AuthFailure.SignatureFailure" in delivery.last_error
    assert "a-wrong-secret" not in delivery.last_error and TENCENT_SECRET not in delivery.last_error
    client.force_login(owner)
    assert "AuthFailure.SignatureFailure" in client.get(reverse("accounts:deliveries")).content.decode()


def test_tencent_refusal_in_the_send_status_is_a_failed_delivery(tencent, pending, client):
    staff, link = pending
    tencent.mode = "refuse"
    ask_for_code(client, link)

    delivery = code_delivery(staff)
    assert delivery.status == Delivery.Status.FAILED
    assert "LimitExceeded.PhoneNumberDailyLimit" in delivery.last_error


def test_tencent_http_5xx_and_timeout_are_failed_deliveries(tencent, pending, client, settings):
    staff, link = pending
    tencent.mode = "5xx"
    ask_for_code(client, link)
    delivery = code_delivery(staff)
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert "server error" in delivery.last_error

    tencent.mode = "slow"
    issue_code(link)
    delivery = code_delivery(staff)
    assert delivery.status == Delivery.Status.FAILED
    assert "unreachable or too slow" in delivery.last_error and TENCENT_SECRET not in delivery.last_error


def test_template_providers_carry_codes_only(aliyun, pending, owner, settings):
    """An invitation has no code for the template: with a template provider it is not texted at all."""
    staff, _link = pending
    settings.NOTIFICATION_BACKENDS = ["inbox", "sms"]
    with delivered():
        staff_services.invitation_send(actor=owner, staff=staff)
    assert Notification.objects.filter(recipient=staff, kind=Notification.Kind.BINDING_INVITATION).count() == 2
    assert not Delivery.objects.filter(notification__recipient=staff, backend=Delivery.Backend.SMS).exists()
    assert aliyun.requests == []
