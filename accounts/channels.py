"""Notification backends (R-32): console, database inbox, the DingTalk custom robot and SMS."""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.parse

import requests
from django.conf import settings

from utilities.names import escape_for_log

logger = logging.getLogger("accounts.notifications")


class DeliveryError(Exception):
    """A backend could not deliver; the delivery stays retryable."""


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


class SmsChannel:
    """Send a text to ``notification.mobile`` only: the channel that reaches one person alone.

    With ``SMS_GATEWAY_URL`` set it POSTs JSON ``{"mobile": …, "text": …}`` to it, signed with
    ``SMS_GATEWAY_SECRET`` (headers ``X-Staffdesk-Timestamp`` and ``X-Staffdesk-Signature``), so a
    merchant plugs in any SMS provider through a small relay. Without it, in development, it
    prints the text like Django's console e-mail backend; in production it fails (the delivery
    stays visible and retryable) rather than let a binding code reach a shared log.
    """

    def send(self, notification):
        if not notification.mobile:
            raise DeliveryError("The message has no mobile to send an SMS to.")
        text = _text(notification)
        url = settings.SMS_GATEWAY_URL
        if not url:
            if settings.PRODUCTION:
                raise DeliveryError("No SMS gateway is configured (SMS_GATEWAY_URL).")
            print(f"[sms] to {escape_for_log(notification.mobile)}: {_console_text(notification)}", flush=True)
            return
        body = json.dumps({"mobile": notification.mobile, "text": text}, ensure_ascii=False).encode()
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


CHANNELS = {
    "inbox": InboxChannel(),
    "console": ConsoleChannel(),
    "dingtalk": DingTalkChannel(),
    "sms": SmsChannel(),
}
