"""Races that real parallel connections can lose (STYLE 5): the department trees (R-3) and the
seat limit (R-11). PostgreSQL only; SQLite serialises every writer and would prove nothing."""

import random
import threading
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from accounts.services.staff import seats_used, staff_add
from orgchart.management.commands.check_tree import tree_problems
from orgchart.models import MAX_DEPTH, Department
from orgchart.services import department_create, department_move, position_create
from tests.factories import OwnerFactory, StaffFactory, TenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
ACME_THREADS = 10
OTHER_TENANTS = 10


def run_together(jobs):
    """Run every job in its own thread and connection, all released at once by a barrier;
    return whatever exceptions escaped the jobs (each job catches the refusals it expects)."""
    barrier = threading.Barrier(len(jobs))
    crashes = []

    def worker(job):
        try:
            barrier.wait(timeout=30)
            job()
        except Exception as exc:  # noqa: BLE001 - reported below with its type
            crashes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return crashes


def test_concurrent_creates_and_moves_keep_every_tree_sound():
    acme_owner = OwnerFactory(tenant=TenantFactory(slug="acme"), username="acme_owner")
    others = [OwnerFactory(tenant=TenantFactory(slug=f"other{n}"), username=f"other{n}_owner") for n in range(OTHER_TENANTS)]
    for name in ("Sales", "Ops", "Support"):
        department_create(actor=acme_owner, tenant=acme_owner.tenant, name=name)
    created = {"acme": 0}
    lock = threading.Lock()

    def acme_job(round_no, thread_no):
        rng = random.Random(round_no * 100 + thread_no)

        def job():
            for step in range(4):
                departments = list(Department.objects.filter(tenant=acme_owner.tenant))
                name = f"r{round_no}-t{thread_no}-s{step}"
                action = rng.choice(["root", "child", "child", "move", "move", "move"])
                try:
                    if action == "root":
                        department_create(actor=acme_owner, tenant=acme_owner.tenant, name=name)
                    elif action == "child":
                        parent = rng.choice([d for d in departments if d.level < MAX_DEPTH - 1] or [None])
                        department_create(actor=acme_owner, tenant=acme_owner.tenant, name=name, parent=parent)
                    else:
                        moving = rng.choice(departments)
                        target = rng.choice([*departments, None])
                        department_move(actor=acme_owner, department=moving, new_parent=target)
                        continue
                except ValidationError:
                    continue  # too deep, a cycle, a name clash: refused, and that is fine
                with lock:
                    created["acme"] += 1

        return job

    def other_job(owner, round_no):
        def job():
            top = department_create(actor=owner, tenant=owner.tenant, name=f"Top {round_no}")
            department_create(actor=owner, tenant=owner.tenant, name=f"Second top {round_no}")
            department_create(actor=owner, tenant=owner.tenant, name=f"Child {round_no}", parent=top)

        return job

    for round_no in range(ROUNDS):
        jobs = [acme_job(round_no, n) for n in range(ACME_THREADS)] + [other_job(o, round_no) for o in others]

        crashes = run_together(jobs)

        assert crashes == [], f"round {round_no}"
        assert tree_problems() == [], f"round {round_no}"

    assert Department.objects.filter(tenant=acme_owner.tenant).count() == 3 + created["acme"]
    for owner in others:
        assert Department.objects.filter(tenant=owner.tenant).count() == 3 * ROUNDS
    tree_ids = Department.objects.filter(parent=None).values_list("tree_id", flat=True)
    assert len(set(tree_ids)) == len(tree_ids)
    out = StringIO()
    call_command("check_tree", stdout=out)
    assert "all trees are sound" in out.getvalue()


def test_concurrent_adds_never_exceed_the_seat_limit():
    tenant = TenantFactory(slug="acme")
    owner = OwnerFactory(tenant=tenant, username="acme_owner")
    department = department_create(actor=owner, tenant=tenant, name="Sales")
    position = position_create(actor=owner, tenant=tenant, name="Clerk")
    StaffFactory.create_batch(45, tenant=tenant, department=department, position=position)
    added, refused = [], []
    lock = threading.Lock()

    def add_job(n):
        def job():
            try:
                staff, _ = staff_add(
                    actor=owner,
                    tenant=tenant,
                    display_name=f"Racer {n}",
                    account_name=f"racer{n}",
                    mobile=f"136{n:08d}",
                    department=department,
                    position=position,
                )
            except ValidationError as exc:
                with lock:
                    refused.append(exc)
            else:
                with lock:
                    added.append(staff.pk)

        return job

    crashes = run_together([add_job(n) for n in range(60)])

    assert crashes == []
    assert len(added) == 5 and len(refused) == 55
    assert all(exc.code == "quota" for exc in refused), {exc.code for exc in refused}
    assert all("quota is 50" in " ".join(exc.messages) for exc in refused)
    assert seats_used(tenant) == 50
    assert User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).exclude(status=User.Status.RESIGNED).count() == 50
