"""Notification backends (R-32): console, database inbox, the DingTalk custom robot and SMS.

SMS goes through one of three providers chosen by ``SMS_PROVIDER``: Aliyun SMS (the documented
RPC-style signed HTTP API, sent with ``requests``), Tencent Cloud SMS (its official Python SDK) or
the merchant's own signed webhook relay. Why not Aliyun's SDK: ``alibabacloud-dysmsapi20170525``
pulls darabonba-core, aiohttp, alibabacloud-credentials and cryptography for one signed POST;
Tencent's (``tencentcloud-sdk-python-sms``) is two small packages needing only ``requests``.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import uuid

import requests
from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as tencent_models
from tencentcloud.sms.v20210111 import sms_client as tencent_sms_client

from utilities.names import escape_for_log

logger = logging.getLogger("accounts.notifications")


class DeliveryError(Exception):
    """A backend could not deliver; the delivery stays retryable.

    ``final``: sending the same message again cannot help (the provider refused it, or no channel
    exists), so the delivery is listed as failed at once for the owner to see and retry by hand.
    """

    def __init__(self, message, *, final=False):
        super().__init__(message)
        self.final = final


def dingtalk_webhook_allowed(url):
    """True when ``url`` points at a DingTalk custom-robot endpoint (``DINGTALK_ROBOT_ORIGINS``).

    The server POSTs to this address and shows the answer to the owner, so an arbitrary host would
    make it a proxy into whatever network it runs in. Only the scheme and host are compared.
    """
    try:
        parts = urllib.parse.urlsplit(url or "")
    except ValueError:
        return False
    if not parts.hostname or parts.username or parts.password:
        return False
    for origin in settings.DINGTALK_ROBOT_ORIGINS:
        allowed = urllib.parse.urlsplit(origin)
        if parts.scheme == allowed.scheme and parts.hostname == allowed.hostname:
            return True
    return False


def dingtalk_sign(secret, timestamp_ms):
    """Return the robot signature: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>"))."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_signed_url(webhook, secret, timestamp_ms=None):
    """Return the webhook URL with ``timestamp`` and ``sign`` appended, as DingTalk requires."""
    if not secret:
        return webhook
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp_ms))
    separator = "&" if "?" in webhook else "?"
    return f"{webhook}{separator}timestamp={timestamp_ms}&sign={sign}"


def _parts(notification):
    parts = [notification.subject]
    if notification.body:
        parts.append(notification.body)
    if notification.link:
        parts.append(absolute_link(notification.link))
    return parts


def _text(notification):
    return "\n".join(_parts(notification))


def _console_text(notification):
    """``_text`` for a terminal: each line's control and direction characters escaped (R-21), so a
    name someone typed cannot colour the console, clear it or forge a line of its own."""
    return "\n".join(escape_for_log(part) for part in _parts(notification))


def absolute_link(link):
    if link.startswith("http://") or link.startswith("https://"):
        return link
    return settings.SITE_URL.rstrip("/") + link


class InboxChannel:
    """The notification row is the inbox entry; delivering it is immediate."""

    def send(self, notification):
        return None


class ConsoleChannel:
    """Write the message to the process log (development)."""

    def send(self, notification):
        logger.info("notification to %s: %s", notification.recipient, _text(notification))
        print(f"[notification] to {escape_for_log(notification.recipient)}: {_console_text(notification)}", flush=True)


class DingTalkChannel:
    """POST a text message to the tenant's custom robot with the signed timestamp."""

    def send(self, notification):
        tenant = notification.tenant
        if tenant is None or not tenant.dingtalk_webhook:
            raise DeliveryError("The tenant has no DingTalk robot webhook.")
        if not dingtalk_webhook_allowed(tenant.dingtalk_webhook):
            raise DeliveryError("The robot webhook is not a DingTalk robot address; fix it in the DingTalk info.")
        payload = {"msgtype": "text", "text": {"content": _text(notification)}}
        if notification.mobile:
            payload["at"] = {"atMobiles": [notification.mobile], "isAtAll": False}
        url = dingtalk_signed_url(tenant.dingtalk_webhook, tenant.dingtalk_secret)
        try:
            response = requests.post(url, json=payload, timeout=settings.DINGTALK_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise DeliveryError(f"DingTalk unreachable: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            raise DeliveryError(f"DingTalk answered HTTP {response.status_code}.")
        try:
            body = response.json()
        except ValueError as exc:
            raise DeliveryError("DingTalk answered with something that is not JSON.") from exc
        if body.get("errcode", 0) != 0:
            raise DeliveryError(f"DingTalk refused: {body.get('errcode')} {body.get('errmsg', '')}".strip())


def sms_signature(secret, body, timestamp):
    """Return hex(HMAC-SHA256(secret, "<timestamp>\n<body>")), the ``X-Staffdesk-Signature`` header."""
    return hmac.new(secret.encode(), f"{timestamp}\n".encode() + body, hashlib.sha256).hexdigest()


SMS_PROVIDERS = ("aliyun", "tencent", "webhook")
TEMPLATE_PROVIDERS = ("aliyun", "tencent")  # they send an approved template filled with values, not free text


def sms_provider():
    """The configured SMS channel: ``"aliyun"``, ``"tencent"``, ``"webhook"`` or ``""`` for none."""
    return settings.SMS_PROVIDER or ("webhook" if settings.SMS_GATEWAY_URL else "")


def sms_available():
    """True when a binding code can reach a person (R-12): a provider is configured, or this is
    development, where the code is printed to the console. False in production without one."""
    return bool(sms_provider()) or not settings.PRODUCTION


def _scrub(text, *secrets_):
    """``text`` with every secret (a key, the code itself) blanked out, cut to 500 characters.

    Provider answers are shown to the owner, and Aliyun's ``SignatureDoesNotMatch`` repeats the
    whole string it signed, binding code included: that part is dropped.
    """
    text = text.split(" server string to sign is", 1)[0]
    for secret in secrets_:
        if secret:
            text = text.replace(str(secret), "***")
    return text[:500]


# --- Aliyun SMS (短信服务), SendSms, API version 2017-05-25 -------------------------------------------


def aliyun_percent_encode(value):
    """RFC 3986 percent-encoding as Aliyun's RPC signature requires: only A-Z a-z 0-9 - _ . ~ stay."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(secret, method, params):
    """Return the RPC-style signature of ``params`` (``{name: value}`` without ``Signature``).

    base64(HMAC-SHA1(secret + "&", method + "&" + enc("/") + "&" + enc(canonical query))), where
    the canonical query is ``enc(name)=enc(value)`` joined by ``&`` in the byte order of the names.
    """
    canonical = "&".join(
        f"{aliyun_percent_encode(name)}={aliyun_percent_encode(params[name])}" for name in sorted(params)
    )
    string_to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _aliyun_send(mobile, values):
    params = {
        "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": mobile,
        "RegionId": settings.ALIYUN_SMS_REGION,
        "SignName": settings.ALIYUN_SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": settings.ALIYUN_SMS_TEMPLATE_CODE,
        "TemplateParam": json.dumps({settings.ALIYUN_SMS_TEMPLATE_PARAM: values["code"]}, ensure_ascii=False),
        "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    secret = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
    params["Signature"] = aliyun_signature(secret, "POST", params)
    try:
        # POSTed as a form, not in the query string: the code stays out of proxies' access logs.
        response = requests.post(settings.ALIYUN_SMS_ENDPOINT, data=params, timeout=settings.SMS_TIMEOUT_SECONDS)
    except requests.Timeout as exc:
        raise DeliveryError(f"Aliyun SMS did not answer within {settings.SMS_TIMEOUT_SECONDS:g} s.") from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"Aliyun SMS unreachable: {exc.__class__.__name__}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DeliveryError(
            f"Aliyun SMS answered HTTP {response.status_code} with something that is not JSON.",
            final=response.status_code < 500,
        )
    if body.get("Code") != "OK":
        message = f"Aliyun SMS refused (HTTP {response.status_code}): {body.get('Code')} {body.get('Message', '')}".strip()
        raise DeliveryError(_scrub(message, secret, values["code"]), final=response.status_code < 500)


# --- Tencent Cloud SMS, SendSms, API version 2021-01-11, through the official SDK -----------------


def _tencent_send(mobile, values):
    endpoint = urllib.parse.urlsplit(settings.TENCENT_SMS_ENDPOINT)
    http_profile = HttpProfile(
        protocol=endpoint.scheme or "https",
        endpoint=endpoint.netloc or settings.TENCENT_SMS_ENDPOINT,
        reqTimeout=settings.SMS_TIMEOUT_SECONDS,
    )
    secret = settings.TENCENT_SMS_SECRET_KEY
    client = tencent_sms_client.SmsClient(
        credential.Credential(settings.TENCENT_SMS_SECRET_ID, secret),
        settings.TENCENT_SMS_REGION,
        ClientProfile(httpProfile=http_profile),
    )
    request = tencent_models.SendSmsRequest()
    request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
    request.SignName = settings.TENCENT_SMS_SIGN_NAME
    request.TemplateId = settings.TENCENT_SMS_TEMPLATE_ID
    request.TemplateParamSet = [str(values[name]) for name in settings.TENCENT_SMS_TEMPLATE_PARAMS]
    request.PhoneNumberSet = [f"+86{mobile}"]  # E.164: the mobiles kept here are mainland numbers
    try:
        response = client.SendSms(request)
    except TencentCloudSDKException as exc:
        code = exc.get_code() or ""
        # Network trouble and HTTP 5xx may pass; anything Tencent answered with an error code will not.
        transient = code in {"ClientNetworkError", "ServerNetworkError"} or code.startswith("InternalError")
        message = f"Tencent Cloud SMS refused: {code} {exc.get_message()}".strip()
        if code == "ClientNetworkError":
            message = "Tencent Cloud SMS unreachable or too slow: " + str(exc.get_message())
        elif code == "ServerNetworkError":
            message = "Tencent Cloud SMS answered with a server error."
        raise DeliveryError(_scrub(message, secret, values["code"]), final=not transient) from exc
    statuses = response.SendStatusSet or []
    if not statuses:
        raise DeliveryError("Tencent Cloud SMS answered without a send status.", final=True)
    status = statuses[0]
    if status.Code != "Ok":
        message = f"Tencent Cloud SMS refused: {status.Code} {status.Message or ''}".strip()
        raise DeliveryError(_scrub(message, secret, values["code"]), final=True)


# --- the merchant's own relay --------------------------------------------------------------------


def _webhook_send(mobile, text):
    url = settings.SMS_GATEWAY_URL
    if not url:
        raise DeliveryError("SMS_PROVIDER=webhook needs SMS_GATEWAY_URL.", final=True)
    body = json.dumps({"mobile": mobile, "text": text}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Staffdesk-Timestamp": timestamp,
        "X-Staffdesk-Signature": sms_signature(settings.SMS_GATEWAY_SECRET, body, timestamp),
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=settings.SMS_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise DeliveryError(f"SMS gateway unreachable: {exc.__class__.__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"SMS gateway answered HTTP {response.status_code}.")


class SmsChannel:
    """Send a text to ``notification.mobile`` only: the channel that reaches one person alone.

    ``SMS_PROVIDER`` chooses Aliyun SMS or Tencent Cloud SMS (an approved template filled with
    ``notification.sms_params``: the code and its minutes) or the webhook: ``SMS_GATEWAY_URL``
    gets JSON ``{"mobile": …, "text": …}`` signed with ``SMS_GATEWAY_SECRET`` (headers
    ``X-Staffdesk-Timestamp`` and ``X-Staffdesk-Signature``). Without a provider, in development,
    it prints the text like Django's console e-mail backend; in production it fails rather than
    let a binding code reach a shared log. Raises ``DeliveryError`` with the provider's answer,
    never a secret; ``final`` when sending again cannot help.
    """

    def send(self, notification):
        if not notification.mobile:
            raise DeliveryError("The message has no mobile to send an SMS to.", final=True)
        provider = sms_provider()
        if not provider:
            if settings.PRODUCTION:
                raise DeliveryError("No SMS channel is configured (SMS_PROVIDER).", final=True)
            print(f"[sms] to {escape_for_log(notification.mobile)}: {_console_text(notification)}", flush=True)
            return
        if provider == "webhook":
            _webhook_send(notification.mobile, _text(notification))
            return
        values = notification.sms_params or {}
        if "code" not in values:
            raise DeliveryError("SMS templates carry binding codes only; this message has none.", final=True)
        if provider == "aliyun":
            _aliyun_send(notification.mobile, values)
        elif provider == "tencent":
            _tencent_send(notification.mobile, values)
        else:
            raise DeliveryError(f"Unknown SMS_PROVIDER {provider!r}.", final=True)


CHANNELS = {
    "inbox": InboxChannel(),
    "console": ConsoleChannel(),
    "dingtalk": DingTalkChannel(),
    "sms": SmsChannel(),
}
