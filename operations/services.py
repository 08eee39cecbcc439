"""Every write of operation accounts (R-33 … R-35): one function per step, each checking the
actor's right, writing its audit entry and sending its notification in the same transaction.

Locking (STYLE 5): every service that changes a binding or one of its orders first locks the
binding row with ``_lock_binding``. Unbinding checks for open orders under that lock, and moving
an order checks the binding is still active under the same lock, so an order confirmed while the
shop unbinds ends either with the unbind refused or with the order confirmed first — never with
an open order on an unbound account.
"""

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditAction, Notification, User
from accounts.models.users import staff_username
from accounts.services.audit import audit_record, changed, snapshot
from accounts.services.notifications import notification_send
from utilities.names import clean_name
from utilities.text import normalize_identifier

from .models import OperationBinding, Task, TaskOrder
from .selectors import manages, open_orders_of

TASK_FIELDS = ("title", "creator_name", "fee", "description", "deadline", "is_open")
# How far ahead a task's deadline may lie: a content-marketing task is for this season, not year 9999.
DEADLINE_HORIZON = datetime.timedelta(days=365)


class OpenOrdersRemain(ValidationError):
    """Unbinding refused: these orders of the account are neither confirmed nor cancelled (R-35)."""

    def __init__(self, orders):
        self.orders = list(orders)
        numbers = ", ".join(order.number for order in self.orders)
        super().__init__(
            _(
                "This operation account still has open orders: %(numbers)s. It can be unbound once every "
                "one of its orders is confirmed (确认收货) or cancelled."
            )
            % {"numbers": numbers},
            code="open_orders",
        )


def _require_manager(actor, tenant_id):
    if not manages(actor, tenant_id):
        raise PermissionDenied


def _lock_binding(binding):
    """Re-read ``binding`` under a row lock: the one lock every binding and order write takes first."""
    # ``of=("self",)``: lock the binding only, not the joined tenant and user rows other services lock.
    return OperationBinding.objects.select_for_update(of=("self",)).select_related("tenant", "account").get(pk=binding.pk)


def _shop_managers(tenant_id):
    """Whom the shop side's notifications reach: its main account."""
    return list(User.objects.filter(tenant_id=tenant_id, kind=User.Kind.OWNER, is_active=True))


def _notify_shop(tenant_id, subject, link):
    for owner in _shop_managers(tenant_id):
        notification_send(recipient=owner, subject=subject, link=link)


def _binding_snapshot(binding):
    return {"account": binding.account.username, "status": binding.status}


def _individual_by_login(login, tenant):
    """The active individual whose user name is ``login``; refused with a message the shop can act on."""
    login = normalize_identifier(login)
    person = User.objects.filter(username__iexact=login, kind=User.Kind.INDIVIDUAL, is_active=True).first()
    if person is None:
        # The shop's own accounts (its main account, its staff by full or short login) are named as
        # such; anything else, another shop's accounts included, is "no individual" and nothing more.
        own = User.objects.filter(tenant=tenant).filter(
            Q(username__iexact=login) | Q(username__iexact=staff_username(tenant.slug, login))
        )
        if own.exists():
            raise ValidationError(
                {
                    "login": _(
                        "%(login)s is an account of your shop. An operation account is a separate person: "
                        "ask them to sign up as an individual and invite them by that user name."
                    )
                    % {"login": login}
                }
            )
        raise ValidationError(
            {
                "login": _(
                    "No individual user has the user name %(login)s. Ask the person to sign up as an "
                    "individual first, then invite them by that name."
                )
                % {"login": login}
            }
        )
    return person


@transaction.atomic
def binding_invite(*, actor, tenant, login):
    """Invite the individual whose user name is ``login`` to be ``tenant``'s operation account (R-33)."""
    _require_manager(actor, tenant.pk)
    person = _individual_by_login(login, tenant)
    if OperationBinding.objects.filter(tenant=tenant, account=person, status__in=OperationBinding.OPEN_STATUSES).exists():
        raise ValidationError({"login": _("This person is already invited by or bound to your shop.")})
    binding = OperationBinding(tenant=tenant, account=person, invited_by=actor)
    binding.full_clean()
    try:
        with transaction.atomic():
            binding.save()
    except IntegrityError:  # a simultaneous invite of the same person won
        raise ValidationError({"login": _("This person is already invited by or bound to your shop.")}) from None
    audit_record(actor=actor, action=AuditAction.OPERATION_INVITE, target=binding, after=_binding_snapshot(binding))
    notification_send(
        recipient=person,
        kind=Notification.Kind.BINDING_INVITATION,
        subject=_("%(shop)s invites you to be its operation account") % {"shop": tenant.name},
        body=_("Agree (同意绑定) or decline on your shops page."),
        link=reverse("operations:my_shops"),
    )
    return binding


@transaction.atomic
def binding_withdraw(*, actor, binding):
    """Withdraw a pending invitation; the invitee can no longer agree to it."""
    _require_manager(actor, binding.tenant_id)
    binding = _lock_binding(binding)
    if not binding.is_pending:
        raise ValidationError(_("Only a pending invitation can be withdrawn."))
    before = _binding_snapshot(binding)
    binding.status = OperationBinding.Status.WITHDRAWN
    binding.ended_by = actor
    binding.ended_at = timezone.now()
    binding.save(update_fields=["status", "ended_by", "ended_at"])
    audit_record(
        actor=actor, action=AuditAction.OPERATION_WITHDRAW, target=binding, before=before, after=_binding_snapshot(binding)
    )
    notification_send(
        recipient=binding.account,
        subject=_("%(shop)s withdrew its invitation to be its operation account") % {"shop": binding.tenant.name},
        link=reverse("operations:my_shops"),
    )
    return binding


@transaction.atomic
def binding_answer(*, actor, binding, agree):
    """The invitee agrees (同意绑定) or declines a pending invitation (R-33)."""
    if binding.account_id != actor.pk:
        raise PermissionDenied
    binding = _lock_binding(binding)
    if not binding.is_pending:
        raise ValidationError(_("This invitation is no longer open."))
    before = _binding_snapshot(binding)
    binding.status = OperationBinding.Status.ACTIVE if agree else OperationBinding.Status.DECLINED
    binding.answered_at = timezone.now()
    binding.save(update_fields=["status", "answered_at"])
    audit_record(
        actor=actor,
        action=AuditAction.OPERATION_ACCEPT if agree else AuditAction.OPERATION_DECLINE,
        target=binding,
        tenant=binding.tenant,
        before=before,
        after=_binding_snapshot(binding),
    )
    if agree:
        subject = _("%(person)s agreed to be your operation account") % {"person": actor.label}
    else:
        subject = _("%(person)s declined to be your operation account") % {"person": actor.label}
    _notify_shop(binding.tenant_id, subject, reverse("operations:account_detail", args=[binding.pk]))
    return binding


def _unbind_locked(actor, binding):
    """Unbind ``binding`` (already locked); refuse while it has open orders (R-35)."""
    if not binding.is_active:
        raise ValidationError(_("Only an active operation account can be unbound."))
    blocking = list(open_orders_of(binding))
    if blocking:
        raise OpenOrdersRemain(blocking)
    before = _binding_snapshot(binding)
    binding.status = OperationBinding.Status.UNBOUND
    binding.ended_by = actor
    binding.ended_at = timezone.now()
    binding.save(update_fields=["status", "ended_by", "ended_at"])
    audit_record(
        actor=actor, action=AuditAction.OPERATION_UNBIND, target=binding, before=before, after=_binding_snapshot(binding)
    )
    notification_send(
        recipient=binding.account,
        subject=_("%(shop)s unbound you as its operation account") % {"shop": binding.tenant.name},
        link=reverse("operations:my_shops"),
    )
    return binding


@transaction.atomic
def binding_unbind(*, actor, binding):
    """Unbind an operation account whose every order is confirmed or cancelled (R-35).

    Raises ``OpenOrdersRemain`` (a ``ValidationError``) listing the orders that are not.
    """
    _require_manager(actor, binding.tenant_id)
    return _unbind_locked(actor, _lock_binding(binding))


@transaction.atomic
def binding_replace(*, actor, binding, login):
    """Unbind ``binding`` and invite the individual ``login`` instead, in one step (R-35).

    Both happen or neither: a refused unbind (open orders) or a refused invite leaves the old
    account bound. Returns the new (pending) binding.
    """
    _require_manager(actor, binding.tenant_id)
    old = _lock_binding(binding)
    person = _individual_by_login(login, old.tenant)
    if person.pk == old.account_id:
        raise ValidationError({"login": _("Choose another person: this one is the account being replaced.")})
    _unbind_locked(actor, old)
    new = binding_invite(actor=actor, tenant=old.tenant, login=person.username)
    old.replaced_by = new
    old.save(update_fields=["replaced_by"])
    audit_record(
        actor=actor,
        action=AuditAction.OPERATION_REPLACE,
        target=old,
        before={"account": old.account.username},
        after={"account": person.username},
    )
    return new


def _check_deadline(deadline):
    """A new deadline lies between today and ``DEADLINE_HORIZON`` ahead."""
    today = timezone.localdate()
    if deadline < today:
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    latest = today + DEADLINE_HORIZON
    if deadline > latest:
        raise ValidationError(
            {"deadline": _("Choose a deadline no later than %(date)s, a year from today.") % {"date": latest.isoformat()}}
        )


#: The names a shop types for a task, with the noun their messages use (R-21).
TASK_NAMES = {"title": gettext_lazy("task title"), "creator_name": gettext_lazy("creator's name")}


def _clean_task_names(fields):
    """``fields`` with each of ``TASK_NAMES`` it holds as stored; ``ValidationError`` naming each bad one."""
    errors = {}
    for name, what in TASK_NAMES.items():
        if name in fields:
            max_length = Task._meta.get_field(name).max_length
            try:
                fields[name] = clean_name(fields[name], what=what, field=name, max_length=max_length)
            except ValidationError as exc:
                errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def task_create(*, actor, tenant, title, creator_name, fee, deadline, description="", is_open=True, submission=""):
    """Add a task operation accounts may place orders for.

    ``submission`` is the form's one-time key: the same form sent twice returns the task it made.
    """
    _require_manager(actor, tenant.pk)
    if submission:
        made = Task.objects.filter(tenant=tenant, submission=submission).first()
        if made is not None:
            return made
    try:
        names, name_errors = _clean_task_names({"title": title, "creator_name": creator_name}), {}
    except ValidationError as exc:  # reported with the other fields' errors below
        names, name_errors = {"title": title, "creator_name": creator_name}, exc.error_dict
    title, creator_name = names["title"], names["creator_name"]
    _check_deadline(deadline)
    task = Task(
        tenant=tenant,
        title=title,
        creator_name=creator_name,
        fee=fee,
        description=description,
        deadline=deadline,
        is_open=is_open,
        created_by=actor,
        submission=submission,
    )
    # Its one constraint (one task per form) is the database's to enforce: a twin request checked
    # in between would otherwise be refused here instead of answered with the task it made.
    try:
        task.full_clean(validate_constraints=False, exclude=list(name_errors))
    except ValidationError as exc:
        raise ValidationError({**exc.update_error_dict({}), **name_errors}) from exc
    if name_errors:
        raise ValidationError(name_errors)
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # the same form, sent twice at once: the other request made the task
        made = Task.objects.filter(tenant=tenant, submission=submission).first() if submission else None
        if made is None:
            raise
        return made
    audit_record(actor=actor, action=AuditAction.OPERATION_TASK_CREATE, target=task, after=snapshot(task, TASK_FIELDS))
    return task


@transaction.atomic
def task_update(*, actor, task, **fields):
    """Change a task's ``TASK_FIELDS``; orders already placed keep their amount."""
    _require_manager(actor, task.tenant_id)
    fields = _clean_task_names(dict(fields))
    task = Task.objects.select_for_update().get(pk=task.pk)
    if "deadline" in fields and fields["deadline"] != task.deadline:
        _check_deadline(fields["deadline"])  # an old deadline that has passed may stay as it is
    before = snapshot(task, TASK_FIELDS)
    for name, value in fields.items():
        if name not in TASK_FIELDS:
            raise TypeError(f"task_update() got an unexpected field {name!r}")
        setattr(task, name, value)
    task.full_clean()
    task.save(update_fields=list(fields))
    old, new = changed(before, snapshot(task, TASK_FIELDS))
    if new:
        audit_record(actor=actor, action=AuditAction.OPERATION_TASK_UPDATE, target=task, before=old, after=new)
    return task


def _new_order_number(tenant_id):
    """``YYYYMMDD`` and 8 random digits, unused in the shop (a guess is useless to anyone else)."""
    prefix = timezone.localdate().strftime("%Y%m%d")
    while True:
        number = f"{prefix}{secrets.randbelow(10**8):08d}"
        if not TaskOrder.objects.filter(tenant_id=tenant_id, number=number).exists():
            return number


@transaction.atomic
def order_place(*, actor, binding, task, amount=None, submission=""):
    """Place an order for ``task`` as the operation account of ``binding`` (代下单), for at most its fee.

    ``submission`` is the form's one-time key: the same form sent twice returns the order it placed
    (the binding's lock makes the second request wait for the first).
    """
    if binding.account_id != actor.pk:
        raise PermissionDenied
    binding = _lock_binding(binding)
    if not binding.is_active:
        raise PermissionDenied
    if submission:
        placed = TaskOrder.objects.filter(tenant_id=binding.tenant_id, submission=submission).first()
        if placed is not None:
            if placed.binding_id != binding.pk:
                raise ValidationError(_("This form was already used. Reload the page and place the order again."))
            return placed
    if task.tenant_id != binding.tenant_id:
        raise ValidationError({"task": _("Choose one of this shop's tasks.")})
    if not task.is_open:
        raise ValidationError({"task": _("This task no longer takes orders.")})
    if task.deadline < timezone.localdate():
        raise ValidationError({"task": _("This task's deadline has passed.")})
    amount = task.fee if amount is None else amount
    if amount > task.fee:
        raise ValidationError(
            {"amount": _("An order costs at most the task's fee, ¥%(fee)s.") % {"fee": f"{task.fee:,.2f}"}}
        )
    order = TaskOrder(
        tenant_id=binding.tenant_id,
        binding=binding,
        account=actor,
        task=task,
        number=_new_order_number(binding.tenant_id),
        amount=amount,
        submission=submission,
    )
    order.full_clean()
    order.save()
    audit_record(
        actor=actor,
        action=AuditAction.OPERATION_ORDER_PLACE,
        target=order,
        tenant=binding.tenant,
        after={"number": order.number, "task": task.title, "amount": str(order.amount), "status": order.status},
    )
    _notify_shop(
        binding.tenant_id,
        _("%(person)s placed task order %(number)s") % {"person": actor.label, "number": order.number},
        reverse("operations:account_detail", args=[binding.pk]),
    )
    return order


@transaction.atomic
def order_move(*, actor, order, status):
    """Move ``order`` to ``status``: its operation account takes every step, the shop may only cancel.

    Takes the binding's lock first, as unbinding does (see the module docstring).
    """
    binding = _lock_binding(order.binding)
    order = TaskOrder.objects.select_for_update().get(pk=order.pk)
    by_account = actor.pk == binding.account_id
    if by_account:
        if not binding.is_active:
            raise PermissionDenied
    elif manages(actor, binding.tenant_id):
        if status != TaskOrder.Status.CANCELLED:
            raise PermissionDenied
    else:
        raise PermissionDenied
    if status not in order.next_statuses():
        raise ValidationError(
            _("A %(current)s order cannot become %(wanted)s.")
            % {
                "current": order.get_status_display().lower(),
                "wanted": TaskOrder.Status(status).label.lower() if status in TaskOrder.Status.values else status,
            }
        )
    before = {"status": order.status}
    order.status = status
    order.status_changed_at = timezone.now()
    order.save(update_fields=["status", "status_changed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.OPERATION_ORDER_STATUS,
        target=order,
        tenant=binding.tenant,
        before=before,
        after={"status": order.status},
    )
    subject = _("Task order %(number)s: %(state)s") % {"number": order.number, "state": order.get_status_display()}
    if by_account:
        _notify_shop(binding.tenant_id, subject, reverse("operations:account_detail", args=[binding.pk]))
    else:
        notification_send(
            recipient=binding.account, subject=subject, link=reverse("operations:work_orders", args=[binding.pk])
        )
    return order
