import contextlib
import contextvars
import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext_noop

from ..channels import CHANNELS, TEMPLATE_PROVIDERS, DeliveryError, sms_provider
from ..models import Delivery, Notification
from ..selectors import unread_changed
from .audit import audit_record

_LANGUAGE = contextvars.ContextVar("notification_language", default=None)


@contextlib.contextmanager
def notifications_in(language):
    """Word the notifications made inside in ``language`` rather than the request's.

    A request from a machine (an identity provider's SCIM call) names no reader's language, or
    the provider's; the staff it invites read the merchant's (``LANGUAGE_CODE``, Chinese).
    """
    token = _LANGUAGE.set(language)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def notification_language():
    """The language to word a notification in: ``notifications_in``'s, else the active one."""
    return _LANGUAGE.get() or translation.get_language()


def _backends_for(notification, backends):
    chosen = []
    for backend in backends if backends is not None else settings.NOTIFICATION_BACKENDS:
        if backend == Delivery.Backend.DINGTALK and not (
            notification.tenant_id and notification.tenant.dingtalk_webhook
        ):
            continue  # no robot configured: nothing to deliver there, nothing to fail
        if backend == Delivery.Backend.SMS and not notification.sms_params and sms_provider() in TEMPLATE_PROVIDERS:
            continue  # a provider's approved template carries a code; a free text has no template to go in
        chosen.append(backend)
    if Delivery.Backend.INBOX not in chosen:
        chosen.insert(0, Delivery.Backend.INBOX)  # every user has an inbox; it never loses a message
    return chosen


@transaction.atomic
def notification_send(
    *, recipient, subject, kind=Notification.Kind.SYSTEM, body="", link="", mobile="", sms_params=None, backends=None
):
    """Put a message in the recipient's inbox and queue its delivery through the other backends.

    ``sms_params``: what an SMS provider's template is filled with (``{"code": "123456", "minutes": 10}``).
    """
    message = {
        "recipient": recipient,
        "subject": subject,
        "kind": kind,
        "body": body,
        "link": link,
        "mobile": mobile,
        "sms_params": sms_params or {},
    }
    return notifications_send_many([message], backends=backends)[0]


@transaction.atomic
def notifications_send_many(messages, *, backends=None):
    """``notification_send`` for many messages with a few INSERTs (batch imports)."""
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                tenant=m["recipient"].tenant,
                recipient=m["recipient"],
                kind=m.get("kind", Notification.Kind.SYSTEM),
                subject=m["subject"][:200],
                body=m.get("body", ""),
                link=m.get("link", ""),
                mobile=m.get("mobile", ""),
                sms_params=m.get("sms_params") or {},
            )
            for m in messages
        ]
    )
    unread_changed(*(n.recipient_id for n in notifications))
    now = timezone.now()
    deliveries = []
    for notification in notifications:
        for backend in _backends_for(notification, backends):
            inbox = backend == Delivery.Backend.INBOX
            deliveries.append(
                Delivery(
                    tenant=notification.tenant,
                    notification=notification,
                    backend=backend,
                    status=Delivery.Status.SENT if inbox else Delivery.Status.PENDING,
                    sent_at=now if inbox else None,
                )
            )
    for delivery in Delivery.objects.bulk_create(deliveries):
        if delivery.backend != Delivery.Backend.INBOX:
            _enqueue_on_commit(delivery.pk)
    return notifications


def _enqueue_on_commit(delivery_id, delay_seconds=0):
    from ..tasks import deliver_notification

    def enqueue():
        task = deliver_notification
        if delay_seconds and task.get_backend().supports_defer:
            task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay_seconds))
        task.enqueue(delivery_id)

    transaction.on_commit(enqueue)


def _lease():
    return datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def delivery_attempt(*, delivery_id):
    """Try one delivery once; on failure schedule a retry with back-off until attempts run out.

    The send itself (an HTTP POST to DingTalk, up to ``DINGTALK_TIMEOUT_SECONDS``) runs outside any
    transaction and row lock: the attempt is first *claimed* by a conditional UPDATE that counts
    the attempt and sets ``claimed_until`` (now + ``NOTIFICATION_LEASE_SECONDS``), so a second run
    of the same task (a duplicate, a re-queued one) neither sends it again while it is claimed nor
    skips it once it is not; the outcome and the release of the claim are written in a second
    short transaction. A worker killed between the two leaves the claim to expire: the reaper
    (``deliveries_reap``) then marks the delivery failed, with the reason, for the owner to retry.
    A ``DeliveryError`` marked ``final`` (a provider's refusal) fails the delivery at once instead.
    Return the delivery, or ``None`` when it was not pending (sent, given up on, or claimed).
    """
    delivery = (
        Delivery.objects.select_related("notification__tenant", "notification__recipient")
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return None  # already sent, or given up on; a retry is an explicit new request
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(attempts=F("attempts") + 1, claimed_until=now + _lease(), updated_at=now)
    )
    if not claimed:
        return None  # another worker took this attempt, or holds it still
    delivery.attempts += 1
    final = False
    try:
        CHANNELS[delivery.backend].send(delivery.notification)
    except DeliveryError as exc:
        error = str(exc)[:2000]
        final = exc.final
    else:
        error = None
    with transaction.atomic():
        delivery.claimed_until = None
        if error is None:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        else:
            delivery.last_error = error
            if final or delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                # A refusal is not retried on its own: it shows as failed, with the answer, at once.
                delivery.status = Delivery.Status.FAILED
            else:
                _enqueue_on_commit(delivery.pk, delay_seconds=10 * 2 ** (delivery.attempts - 1))
        delivery.save(update_fields=["status", "sent_at", "last_error", "claimed_until", "updated_at"])
    return delivery


# Stored as is in ``last_error`` and translated when the page shows it (accounts/delivery_list.html).
INTERRUPTED_ERROR = gettext_noop(
    "The worker stopped while sending this: it may or may not have arrived, so it is not sent again on its own. Retry sends it again."
)


def deliveries_reap(*, now=None):
    """Settle the deliveries a dead worker left pending; return ``{"failed": n, "requeued": m}``.

    - claimed and the claim expired (the worker died during the send): marked failed with the
      reason in ``last_error`` and an audit entry (system actor): the message may have gone out,
      so only the owner's Retry sends it again, never a silent second send;
    - pending, unclaimed and untouched for a whole lease, with no task queued or running for it
      (its task row was lost with a killed worker): queued again, once; the claim keeps a
      duplicate from sending twice.

    Run every minute by ``manage.py reap_stale_work`` (after ``tasks_reap``, which fails the task
    rows of dead workers).
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ..tasks import deliver_notification

    now = now or timezone.now()
    failed = 0
    with transaction.atomic():
        for delivery in Delivery.objects.select_for_update(skip_locked=True).filter(
            status=Delivery.Status.PENDING, claimed_until__lt=now
        ):
            before = {"status": delivery.status, "attempts": delivery.attempts}
            delivery.status = Delivery.Status.FAILED
            delivery.claimed_until = None
            delivery.last_error = INTERRUPTED_ERROR
            delivery.save(update_fields=["status", "claimed_until", "last_error", "updated_at"])
            audit_record(
                actor=None,
                tenant=delivery.tenant,
                action="notification.interrupted",
                target=delivery,
                before=before,
                after={"status": delivery.status},
            )
            failed += 1
    idle = Delivery.objects.filter(
        status=Delivery.Status.PENDING, claimed_until__isnull=True, updated_at__lt=now - _lease()
    ).values_list("pk", flat=True)
    idle = set(idle)
    if idle:
        waiting = DBTaskResult.objects.filter(
            task_path=deliver_notification.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).values_list("args_kwargs", flat=True)
        idle -= {args_kwargs["args"][0] for args_kwargs in waiting if args_kwargs.get("args")}
    requeued = 0
    for pk in sorted(idle):
        with transaction.atomic():
            touched = Delivery.objects.filter(
                pk=pk, status=Delivery.Status.PENDING, claimed_until__isnull=True, updated_at__lt=now - _lease()
            ).update(updated_at=now)
            if touched:
                _enqueue_on_commit(pk)
                requeued += 1
    return {"failed": failed, "requeued": requeued}


@transaction.atomic
def delivery_retry(*, actor, delivery):
    """Queue a failed or stuck delivery again (from the owner's delivery page or the admin).

    Stuck (``Delivery.is_stuck``): pending and nothing happened to it for a whole lease, or its
    claim expired — the worker that had it died. A delivery being sent right now is left alone.
    """
    if not (actor.is_superuser or (actor.is_owner and actor.tenant_id == delivery.tenant_id)):
        raise PermissionDenied
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if not (delivery.status == Delivery.Status.FAILED or delivery.is_stuck):
        return delivery
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.claimed_until = None
    delivery.save(update_fields=["status", "attempts", "claimed_until", "updated_at"])
    audit_record(
        actor=actor,
        tenant=delivery.tenant,
        action="notification.retry",
        target=delivery,
        before=before,
        after={"status": delivery.status, "attempts": 0},
    )
    _enqueue_on_commit(delivery.pk)
    return delivery


def notification_mark_read(*, actor, notification):
    """Mark one inbox message read; only its recipient may."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        unread_changed(actor.pk)
    return notification


def notifications_mark_all_read(*, actor):
    marked = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    unread_changed(actor.pk)
    return marked
