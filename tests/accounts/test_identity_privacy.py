"""R-19: after submission the raw resident ID number is nowhere — no page, export, admin page,
log line, notification, audit entry, session or database row — for anyone, the submitter included.

The crawl GETs every URL of ``config.urls`` that simple arguments fill, as the main account, the
staff member and the platform operator, and searches each body (unzipping XLSX) for the number.
"""

import io
import itertools
import json
import logging
import re
import zipfile

import pytest
from django.apps import apps
from django.urls import URLResolver, get_resolver, reverse

from accounts.models import AuditEntry, IdentityVerification
from accounts.services import identity
from accounts.services.staff import staff_offboard

from .identity_helpers import valid_id, wrong_check

pytestmark = pytest.mark.django_db

VALID = valid_id(42, birth="19851122")  # submitted and approved
BAD = wrong_check(valid_id(43, birth="19770615"))  # submitted with a typo: refused
SECRETS = [VALID[:17], BAD[:17]]  # the 17 digits: any leak of the number shows them
PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes():
    """Every route of config.urls as a string with ``<conv:name>`` placeholders (regex routes skipped)."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif "(?P" not in route and "^" not in route:
                yield route

    return list(walk(get_resolver().url_patterns, ""))


def admin_model(route):
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if not match:
        return None
    try:
        return apps.get_model(match.group(1), match.group(2))
    except LookupError:
        return None


def urls_for(route, ints, strings):
    """Fill the placeholders of ``route``; admin object routes use that model's own rows."""
    names = PLACEHOLDER.findall(route)
    if not names:
        return ["/" + route]
    model = admin_model(route)
    choices = []
    for converter, _name in names:
        if model is not None:
            choices.append([str(pk) for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:8]])
        elif converter == "int":
            choices.append([str(i) for i in ints])
        else:
            choices.append(strings)
    urls = []
    for values in itertools.product(*choices):
        url = route
        for value in values:
            url = PLACEHOLDER.sub(value, url, count=1)
        urls.append("/" + url)
    return urls


def body_text(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # XLSX: search the XML inside
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"".join(archive.read(name) for name in archive.namelist())
    return raw.decode("utf-8", errors="replace")


def assert_clean(text, where):
    lowered = text.lower()
    for secret in SECRETS:
        assert secret not in lowered, f"the ID number leaked in {where}"


@pytest.fixture
def submitted(client, owner, org, west_staff, plain_staff, east_admin, operator, caplog, django_capture_on_commit_callbacks):
    """West staff submits a typo, then the number; a colleague tries the same number; it is approved.

    Commit callbacks run, so the notifications are delivered (and logged) as in production.
    """
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        return _submit_all(client, owner, west_staff, plain_staff, east_admin, operator)


def _submit_all(client, owner, west_staff, plain_staff, east_admin, operator):
    client.force_login(west_staff)
    page = "/account/verification/"
    responses = [
        client.post(page, {"real_name": "王五", "id_number": BAD.lower(), "mobile": "13911112222"}),
        client.post(page, {"real_name": "王五", "id_number": VALID.lower(), "mobile": "13911112222"}, follow=True),
    ]
    client.force_login(plain_staff)
    responses.append(client.post(page, {"real_name": "冒名", "id_number": VALID, "mobile": "13911113333"}))
    client.force_login(operator)
    verification = IdentityVerification.objects.get(user=west_staff)
    responses.append(
        client.post(
            "/admin/accounts/identityverification/",
            {"action": "approve_selected", "_selected_action": [verification.pk]},
            follow=True,
        )
    )
    # A second person verifies and is rejected, and one account is offboarded: more rows, more pages.
    identity.verification_reject(
        actor=operator,
        verification=identity.verification_submit(
            actor=east_admin, real_name="东区", id_number=valid_id(44), mobile="13911114444"
        ),
        reason="Blurry",
    )
    staff_offboard(actor=owner, staff=east_admin)
    client.logout()
    for response in responses:
        assert_clean(body_text(response), f"the response to {response.request['PATH_INFO']}")
    return verification


def test_the_number_is_not_echoed_on_the_page_or_in_error_messages(submitted):
    assert IdentityVerification.objects.filter(user=submitted.user, status="verified").count() == 1
    assert submitted.id_number_masked == f"{VALID[:4]}**********{VALID[-4:]}"


@pytest.mark.slow
def test_no_page_export_or_admin_page_shows_the_number(client, submitted, owner, west_staff, operator):
    ints = sorted(
        {
            west_staff.pk,
            owner.pk,
            owner.tenant_id,
            submitted.pk,
            *west_staff.notifications.values_list("pk", flat=True),
            *AuditEntry.objects.values_list("pk", flat=True)[:3],
        }
    )
    strings = ["csv", "xlsx", "unfreeze", str(west_staff.pk)]
    reached = {}
    all_routes = routes()
    for persona in (owner, west_staff, operator):
        client.force_login(persona)
        for route in all_routes:
            if route.startswith("admin/") and persona != operator and route != "admin/":
                continue  # only the operator gets past the admin login
            for url in urls_for(route, ints, strings):
                if "logout" in url:
                    continue
                response = client.get(url)
                if response.status_code == 200:
                    text = body_text(response)
                    assert_clean(text, f"{url} as {persona}")
                    reached[(persona.username, url)] = text
    # The crawl did reach the pages that show the verification, so it could have caught a leak.
    masked = submitted.id_number_masked
    must_reach = [
        (operator.username, "/admin/accounts/identityverification/"),
        (operator.username, f"/admin/accounts/identityverification/{submitted.pk}/change/"),
        (operator.username, "/admin/accounts/auditentry/"),
        (owner.username, reverse("accounts:audit_log")),
        (owner.username, reverse("accounts:audit_log_export")),
        (owner.username, reverse("staff:contacts_export", args=["csv"])),
        (owner.username, reverse("staff:contacts_export", args=["xlsx"])),
        (owner.username, reverse("staff:detail", args=[west_staff.pk])),
        (west_staff.username, "/account/verification/"),
    ]
    for key in must_reach:
        assert key in reached, f"the crawl did not reach {key}"
    assert masked in reached[(operator.username, "/admin/accounts/identityverification/")]
    assert masked in reached[(west_staff.username, "/account/verification/")]
    # The main account sees that a verification happened, never whose identity data.
    for url in (reverse("accounts:audit_log"), reverse("accounts:audit_log_export")):
        text = reached[(owner.username, url)]
        assert "Real-person verification submitted" in text and "Real-person verification approved" in text
        for personal in (masked, "王五", "13911112222", "东区", "13911114444"):
            assert personal not in text, f"the owner's {url} shows {personal}"


def test_no_log_line_shows_the_number(submitted, caplog, capfd):
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert any(r.name == "accounts.notifications" for r in records)  # the capture did see the submission's work
    lines = [record.getMessage() for record in records] + [repr(record.args) for record in records]
    for line in lines:
        assert_clean(line, "a log line")
    out, err = capfd.readouterr()
    assert_clean(out + err, "the console")


def test_no_database_row_or_session_holds_the_number(submitted):
    from qsessions.models import Session

    for model in apps.get_models():
        for row in model._default_manager.all().values():
            assert_clean(json.dumps(row, default=str, ensure_ascii=False), f"a {model._meta.label} row")
    for session in Session.objects.all():
        assert_clean(json.dumps(session.get_decoded(), default=str), "a session")
    entries = AuditEntry.objects.filter(action__startswith="identity.")
    assert entries.filter(action="identity.submit").count() == 2
    for entry in entries:
        assert not {"real_name", "id_number", "mobile"} & (set(entry.after or {}) | set(entry.before or {}))


def test_an_error_report_hides_the_number(settings, rf, west_staff):
    """A crash mid-submission must not put the number into the error report (e-mail, DEBUG page)."""
    import sys

    from django.views.debug import ExceptionReporter

    settings.IDENTITY_HASH_KEY = None  # hashing crashes deep inside, with the number in its frame
    from accounts.views import verification

    request = rf.post("/account/verification/", {"real_name": "王五", "id_number": VALID, "mobile": "13911112222"})
    request.user = west_staff
    try:
        verification(request)  # the page itself, with its sensitive_post_parameters
    except AttributeError:
        report = ExceptionReporter(request, *sys.exc_info())
        text = report.get_traceback_text() + report.get_traceback_html()
    assert "id_number_hash" in text and "verification_submit" in text
    assert_clean(text, "the error report")


def test_entries_written_before_the_rule_do_not_show_identity_data_to_the_owner(client, owner, west_staff):
    """Entries that an earlier version wrote with the real name, mobile and masked number stay in
    the append-only log; the owner's page and export leave those values out (R-19)."""
    from accounts.services.audit import audit_record

    audit_record(
        actor=west_staff,
        action="identity.submit",
        target=west_staff,
        before={"identity_status": "unverified"},
        after={"identity_status": "pending", "real_name": "王五", "id_number": "1101**********1234", "mobile": "13911112222"},
    )
    client.force_login(owner)
    for url in (reverse("accounts:audit_log"), reverse("accounts:audit_log_export")):
        text = body_text(client.get(url))
        assert "Real-person verification submitted" in text and "Pending review" in text  # the status in words
        for personal in ("王五", "1101**********1234", "13911112222"):
            assert personal not in text, f"{url} shows {personal}"
