"""Reports, exports, chat-history search and the audit log read from a streaming replica (issue 28).

These run in config/test.sh's scale pass, where ``DATABASE_REPLICA_URL`` names a real streaming
replica (``pg_basebackup -R``) of the pass's primary (config/throwaway_scale.sh); elsewhere they
skip and say so. The tests commit (``transaction=True``) so that the replica can see their rows.
"""

import datetime
import logging
import os
import subprocess
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from campaigns.services import enrollment_approve
from tests.personas import campaign, enroll
from tests.throwaway import postgres_bin
from utilities import db_router

HAVE_REPLICA = "replica" in django_settings.DATABASES
pytestmark = [
    pytest.mark.replica,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not HAVE_REPLICA,
        reason="no streaming replica here (DATABASE_REPLICA_URL unset): config/test.sh's scale pass starts one "
        "(it needs PostgreSQL's programs and pgbouncer)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"] if HAVE_REPLICA else ["default"]),
]

HEADER = "日期,活动ID,商品ID,点击数,付款笔数,付款金额,预估服务费"
REPORT = reverse("campaigns:report")
EFFECT_TABLE = "campaigns_effect"


@pytest.fixture(autouse=True)
def replica(settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0  # check at every page: the tests change the replica's state
    db_router.state.reset()
    yield connections["replica"]
    db_router.state.reset()


def caught_up(position="pg_last_wal_replay_lsn"):
    """Wait until the replica has replayed (or only received) everything the primary committed so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")  # async commits: inserted, maybe not yet written
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + 20
    while True:
        with connections["replica"].cursor() as cursor:
            cursor.execute(f"SELECT {position}() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def effect_queries(queries):
    return [q["sql"] for q in queries if EFFECT_TABLE in q["sql"]]


def upload(client, product, clicks):
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    content = f'{HEADER}\n{day},{product.campaign_id},{product.product_id},{clicks},3,"300.00",15.00\n'.encode()
    return client.post(reverse("campaigns:effect_upload"), {"file": SimpleUploadedFile("r.csv", content, content_type="text/csv")})


@pytest.fixture
def product(owner):
    c = campaign(owner, "Replica campaign", scope_whole_tenant=True)
    p = enroll(c, "2000001", "Replica product")
    enrollment_approve(actor=owner, product=p)
    return p


def fresh_client(owner):
    """A browser that has not written anything (no read-your-writes cookie)."""
    from django.test import Client

    client = Client()
    client.force_login(owner)
    client.cookies.pop(db_router.COOKIE, None)
    return client


def test_reports_exports_history_and_the_audit_log_are_read_from_the_replica(client, owner, product, replica):
    from chat.services import conversation_start, group_create

    assert upload(fresh_client(owner), product, clicks=4321).status_code == 302
    conversation_start(group=group_create(actor=owner, name="Front desk"), nickname="Replica buyer", body="Where is my parcel?")
    caught_up()
    reader = fresh_client(owner)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        report = reader.get(REPORT, {"by": "day", "days": 7})
        export = reader.get(reverse("campaigns:report_export", args=["csv"]), {"by": "day", "days": 7})
        audit = reader.get(reverse("accounts:audit_log"))
        audit_csv = reader.get(reverse("accounts:audit_log_export"))
        history = reader.get(reverse("chat:history"), {"q": "parcel"})
        history_csv = reader.get(reverse("chat:history_export"), {"q": "parcel"})
    assert report.status_code == export.status_code == audit.status_code == audit_csv.status_code == 200
    assert history.status_code == history_csv.status_code == 200
    assert "Replica buyer" in history.content.decode() and "Where is my parcel?" in history_csv.content.decode()
    assert any("chat_conversation" in q["sql"] for q in on_replica.captured_queries)
    assert not [q for q in on_primary.captured_queries if 'FROM "chat_conversation"' in q["sql"]]
    assert "4,321" in report.content.decode() and "4321" in export.content.decode()
    assert "Replica campaign" in audit.content.decode()
    assert effect_queries(on_replica.captured_queries) and not effect_queries(on_primary.captured_queries)
    assert any("accounts_auditentry" in q["sql"] for q in on_replica.captured_queries)
    # The rights that decide what the owner may see are read from the primary only.
    assert not [q for q in on_replica.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True


def test_a_session_reads_its_own_write_while_the_replica_lags_and_others_wait_for_it(owner, product, replica, caplog, settings):
    writer = fresh_client(owner)
    upload(writer, product, clicks=1111)
    caught_up()
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 10
    while True:  # a pause is a request: wait until replay has actually stopped
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            if cursor.fetchone()[0] == "paused":
                break
        assert time.monotonic() < deadline, "the replica's replay did not pause"
        time.sleep(0.05)
    try:
        response = upload(writer, product, clicks=2222)  # replaces the day's row
        assert response.status_code == 302 and db_router.COOKIE in response.cookies
        # The writer's next report comes from the primary: it shows the new figure at once.
        assert "2,222" in writer.get(REPORT, {"by": "day", "days": 7}).content.decode()
        # Another browser, within the lag bound, is served by the paused replica: the older figure.
        other = fresh_client(owner)
        assert "1,111" in other.get(REPORT, {"by": "day", "days": 7}).content.decode()
        # Beyond the bound, the primary serves everyone, and the log says why.
        with caplog.at_level(logging.WARNING, logger="utilities.db_router"):
            settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
            caught_up("pg_last_wal_receive_lsn")  # received, not replayed: behind by the pause
            with replica.cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")
                assert cursor.fetchone()[0], "the replica has replayed the write: this test would prove nothing"
            assert "2,222" in other.get(REPORT, {"by": "day", "days": 7}).content.decode()
        assert any("lags" in r.getMessage() for r in caplog.records)
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up()


def pg_ctl(*args):
    data = os.environ.get("TEST_REPLICA_DATA")
    if not data:
        pytest.skip("the replica's data folder is not known (TEST_REPLICA_DATA): config/test.sh's scale pass sets it")
    owner_of = os.stat(data).st_uid
    as_user = ["runuser", "-u", __import__("pwd").getpwuid(owner_of).pw_name, "--"] if os.geteuid() == 0 else []
    subprocess.run([*as_user, str(postgres_bin() / "pg_ctl"), "-D", data, *args], check=True, capture_output=True)


def test_pages_still_answer_from_the_primary_when_the_replica_stops(owner, product, replica, caplog, settings):
    assert upload(fresh_client(owner), product, clicks=3333).status_code == 302
    caught_up()
    reader = fresh_client(owner)
    assert "3,333" in reader.get(REPORT, {"by": "day", "days": 7}).content.decode()

    settings.DATABASE_REPLICA_CHECK_SECONDS = 60  # the router still believes the replica is up
    pg_ctl("-m", "immediate", "-w", "stop")
    try:
        with caplog.at_level(logging.WARNING, logger="utilities.db_router"):
            response = reader.get(REPORT, {"by": "day", "days": 7})
            assert response.status_code == 200 and "3,333" in response.content.decode()
            assert reader.get(reverse("accounts:audit_log")).status_code == 200
            assert reader.get(reverse("campaigns:report_export", args=["csv"])).status_code == 200
        assert any("replica not used" in r.getMessage() for r in caplog.records)
    finally:
        replica.close()
        pg_ctl("-l", os.path.join(os.path.dirname(os.environ["TEST_REPLICA_DATA"]), "replica.log"), "-w", "-t", "60", "start")
    caught_up()
    assert AuditEntry.objects.exists()
