"""What people typed reaches the worker's console and log lines escaped (R-21): an ANSI escape, a
line break or a direction override in a rejection reason or an older name prints as text."""

import logging

import pytest

from accounts.services.notifications import notification_send
from utilities.logs import EscapingFormatter

pytestmark = pytest.mark.django_db

HOSTILE = "Blurry\x1b[2J\x1b[31m\u202eevil\nFAKE LINE"


def test_the_console_backend_prints_control_characters_as_escapes(owner, capfd, django_capture_on_commit_callbacks):
    owner.tenant.dingtalk_webhook = ""
    owner.tenant.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=owner, subject="Rejected", body=f"Reason: {HOSTILE}", backends=["console"])

    out, _err = capfd.readouterr()
    assert "\x1b" not in out and "\u202e" not in out
    assert "Reason: Blurry\\x1b[2J\\x1b[31m\\u202eevil\\x0aFAKE LINE" in out
    assert "\nFAKE LINE" not in out


def test_the_configured_log_formatter_escapes_messages(settings):
    """``LOGGING`` formats every handler's lines with the escaping formatter."""
    formatter = settings.LOGGING["formatters"]["plain"]
    assert formatter["()"] == "utilities.logs.EscapingFormatter"
    record = logging.LogRecord("accounts.notifications", logging.INFO, __file__, 1, "notification to %s: %s", ("x", HOSTILE), None)
    line = EscapingFormatter(formatter["format"]).format(record)
    assert "\x1b" not in line and "\n" not in line and "\\u202eevil\\x0aFAKE LINE" in line
