"""The background worker killed while deliveries are queued (issue 28).

A worker killed mid-send used to leave its delivery pending for ever (the task row RUNNING: the
database task backend has no reaper), and the owner's Retry on it answered and did nothing. The
kill is simulated where it happens: the send raises an exception no code catches (as SIGKILL
stops the process there), after the delivery was claimed; "time passes" by moving the claim and
the task row into the past.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts import channels
from accounts.models import AuditEntry, Delivery
from accounts.services.notifications import INTERRUPTED_ERROR, delivery_attempt, deliveries_reap, notification_send
from accounts.services.worker import WORKER_LOST, tasks_reap
from accounts.tasks import deliver_notification


class Killed(BaseException):
    """What SIGKILL does to the worker mid-send: nothing after this line runs."""


@pytest.fixture
def sends(monkeypatch):
    """Every message the console channel really sent, by notification id."""
    sent = []
    monkeypatch.setattr(channels.CHANNELS["console"], "send", lambda notification: sent.append(notification.pk))
    return sent


def queued_delivery(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet run by a worker
        notification = notification_send(recipient=owner, subject="Weekly report", backends=["console"])
    return notification.deliveries.get(backend="console")


def running_task_row(delivery, started_minutes_ago):
    past = timezone.now() - datetime.timedelta(minutes=started_minutes_ago)
    return DBTaskResult.objects.create(
        task_path=deliver_notification.module_path,
        args_kwargs={"args": [delivery.pk], "kwargs": {}},
        status=TaskResultStatus.RUNNING,
        started_at=past,
        run_after=past,
        backend_name="default",
        worker_ids=["worker-that-died"],
        exception_class_path="",
        traceback="",
    )


def test_a_send_cut_by_a_kill_is_failed_with_the_reason_after_its_lease_and_retried_once(
    owner_client, owner, sends, monkeypatch, django_capture_on_commit_callbacks
):
    delivery = queued_delivery(owner, django_capture_on_commit_callbacks)
    task_row = running_task_row(delivery, started_minutes_ago=0)

    def killed(notification):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(channels.CHANNELS["console"], "send", killed)
        with pytest.raises(Killed):
            delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)

    # A second run while the claim holds (a duplicate task) sends nothing.
    assert delivery_attempt(delivery_id=delivery.pk) is None
    assert sends == []
    # Within the lease the owner's Retry says why it does nothing, and changes nothing.
    response = owner_client.post(reverse("accounts:delivery_retry", args=[delivery.pk]), follow=True)
    assert "being sent right now" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.claimed_until is not None

    # The lease runs out: the reaper settles the task row and the delivery.
    later = timezone.now() + datetime.timedelta(seconds=3600 * 2)
    assert tasks_reap(now=later) == 1
    task_row.refresh_from_db()
    assert task_row.status == TaskResultStatus.FAILED and task_row.exception_class_path == WORKER_LOST
    assert deliveries_reap(now=later) == {"failed": 1, "requeued": 0}
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.last_error == INTERRUPTED_ERROR
    assert sends == []  # it may have gone out: never sent a second time on its own
    assert AuditEntry.objects.filter(action="notification.interrupted", target_id=str(delivery.pk)).exists()

    page = owner_client.get(reverse("accounts:deliveries")).content.decode()
    assert "may or may not have arrived" in page
    assert reverse("accounts:delivery_retry", args=[delivery.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("accounts:delivery_retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert sends == [delivery.notification_id]


def test_a_delivery_whose_task_died_with_its_worker_is_sent_exactly_once(
    owner_client, owner, sends, django_capture_on_commit_callbacks
):
    """Killed after taking the task and before claiming the delivery: nothing of it was sent."""
    delivery = queued_delivery(owner, django_capture_on_commit_callbacks)
    running_task_row(delivery, started_minutes_ago=90)
    Delivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=90))

    # Stuck: the owner's page says so and offers the action.
    page = owner_client.get(reverse("accounts:deliveries")).content.decode()
    assert "Stuck" in page and reverse("accounts:delivery_retry", args=[delivery.pk]) in page

    # While its task row still looks alive the delivery is not queued twice.
    assert deliveries_reap()["requeued"] == 0
    assert tasks_reap() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_reap() == {"failed": 0, "requeued": 1}
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert sends == [delivery.notification_id]
    # Run again (cron, every minute): nothing left to settle, nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_reap() == {"failed": 0, "requeued": 0}
    assert tasks_reap() == 0
    assert sends == [delivery.notification_id]
