"""R-19 under real concurrency: two accounts of one tenant submit the same ID number at the same
moment; exactly one holds it. PostgreSQL only (SQLite serialises writers and would prove nothing)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import IdentityVerification, User
from accounts.services.identity import verification_submit
from tests.factories import StaffFactory, TenantFactory

from .identity_helpers import valid_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def run_together(jobs):
    """Run each job in its own thread and connection, released at once by a barrier."""
    barrier = threading.Barrier(len(jobs))
    crashes = []

    def worker(job):
        try:
            barrier.wait(timeout=30)
            job()
        except Exception as exc:  # noqa: BLE001 - reported below
            crashes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return crashes


def race_once(tenant, round_no, same):
    """Two fresh accounts submit at once, sharing the ID number or the mobile; return the outcomes."""
    first, second = StaffFactory(tenant=tenant), StaffFactory(tenant=tenant)
    outcomes = []
    lock = threading.Lock()

    def job(staff, n, mobile):
        id_number = valid_id(round_no * 10) if same == "id_number" else valid_id(round_no * 10 + n)
        try:
            verification_submit(actor=staff, real_name="张三", id_number=id_number, mobile=mobile)
        except ValidationError as exc:
            with lock:
                outcomes.append(("refused", exc.message_dict))
        else:
            with lock:
                outcomes.append(("ok", None))

    shared = f"1390000{round_no:02d}01"
    mobiles = (shared, shared) if same == "mobile" else (f"1390001{round_no:02d}11", f"1390001{round_no:02d}12")
    crashes = run_together([lambda: job(first, 1, mobiles[0]), lambda: job(second, 2, mobiles[1])])
    assert crashes == []
    return first, second, outcomes


@pytest.mark.parametrize("same", ["id_number", "mobile"])
def test_two_accounts_submitting_the_same_person_at_once_one_wins(same):
    tenant = TenantFactory(slug="acme")
    for round_no in range(ROUNDS):
        first, second, outcomes = race_once(tenant, round_no, same)
        assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
        refused = next(o[1] for o in outcomes if o[0] == "refused")
        assert "already verified or under review for another account of this organisation" in refused[same][0]
        statuses = sorted(User.objects.filter(pk__in=[first.pk, second.pk]).values_list("identity_status", flat=True))
        assert statuses == ["pending", "unverified"]
        assert IdentityVerification.objects.filter(user__in=[first, second]).count() == 1
