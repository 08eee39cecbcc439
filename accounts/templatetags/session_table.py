"""``{% session_rows %}``: the rows of ``accounts/session_table.html`` built in Python (issue 27).

A user holds dozens of sessions (a daily login keeps two weeks of them); through the template
language each row cost ~0.5 ms (two date filters, a ``{% url %}``, a ``{% csrf_token %}``, the
device parsed from its user agent). Here a row is one ``format_html``, its device label is kept
per user-agent string, and the end URL is reversed once per table.
"""

from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext

register = template.Library()

HOLE = "0"  # stands for a session's public id in the end URL reversed once (ids are hex: never just "0")


@lru_cache(maxsize=1024)
def _device(user_agent):
    """The device label of ``user_agent`` as django-qsessions words it ("" when unknown)."""
    from qsessions.models import Session

    return Session(user_agent=user_agent).device


def _when(moment):
    return localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@register.simple_tag(takes_context=True)
def session_rows(context):
    """The ``<tr>`` of each of ``sessions`` (with ``public_id``), ``current_id``'s marked and without
    an end button; ``staff`` set: the main account ends its staff member's sessions."""
    current_id = context.get("current_id")
    staff = context.get("staff")
    if staff:
        end_url = reverse("accounts:staff_session_end", args=[staff.pk, HOLE])
    else:
        end_url = reverse("accounts:session_end", args=[HOLE])
    prefix, suffix = end_url.rsplit(f"/{HOLE}/", 1)
    token = context.get("csrf_token")
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token) if token and token != "NOTPROVIDED" else ""
    unknown, this_device, end = gettext("Unknown device"), gettext("This device"), gettext("End session")
    rows = []
    for session in context.get("sessions") or ():
        current = session.public_id == current_id
        device = _device(session.user_agent) if session.user_agent else ""
        mark = format_html(' <span class="status status-active" data-testid="this-device">{}</span>', this_device) if current else ""
        button = (
            ""
            if current
            else format_html(
                '<form method="post" action="{}/{}/{}">{}<button class="button small secondary">{}</button></form>',
                prefix,
                session.public_id,
                suffix,
                csrf,
                end,
            )
        )
        rows.append(
            (session.public_id, device or unknown, mark, session.ip or "—", _when(session.created_at) or "—", _when(session.updated_at), button)
        )
    return format_html_join(
        "\n", '<tr data-session="{}"><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>', rows
    )
