"""The services of operation accounts: every step, its rules, its audit entry and its notification (R-33 … R-35)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEntry, Notification
from operations import services
from operations.models import OperationBinding, Task, TaskOrder
from operations.selectors import orders_visible_to, statement_for

from tests.personas import reload
from tests.personas import individual, move, task_for

pytestmark = pytest.mark.django_db


def test_an_invitation_is_pending_audited_and_reaches_the_invitees_inbox(owner, op_a):
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login="  RUNNER_A ")

    assert binding.status == OperationBinding.Status.PENDING and binding.invited_by == owner
    assert AuditEntry.objects.filter(action="operation.invite", tenant=owner.tenant, target_id=str(binding.pk)).exists()
    message = Notification.objects.get(recipient=op_a)
    assert message.kind == Notification.Kind.BINDING_INVITATION and "Acme Shop" in message.subject
    assert message.link == "/operations/my/"


def test_only_an_individual_who_exists_can_be_invited(owner, plain_staff, other_owner):
    for login in ("nobody", plain_staff.username, other_owner.username):
        with pytest.raises(ValidationError) as refused:
            services.binding_invite(actor=owner, tenant=owner.tenant, login=login)
        assert "sign up as an individual" in refused.value.message_dict["login"][0]
    assert not OperationBinding.objects.exists()


def test_a_person_is_invited_once_while_pending_or_active(owner, op_a):
    services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)

    with pytest.raises(ValidationError, match="already invited"):
        services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)


def test_inviting_needs_the_right(owner, ops_manager, plain_staff, other_owner, op_a, op_b):
    with pytest.raises(PermissionDenied):
        services.binding_invite(actor=plain_staff, tenant=owner.tenant, login=op_a.username)
    with pytest.raises(PermissionDenied):
        services.binding_invite(actor=other_owner, tenant=owner.tenant, login=op_a.username)
    with pytest.raises(PermissionDenied):
        services.binding_invite(actor=op_b, tenant=owner.tenant, login=op_a.username)

    assert services.binding_invite(actor=ops_manager, tenant=owner.tenant, login=op_a.username).invited_by == ops_manager


def test_agreeing_activates_and_tells_the_shop(owner, op_a):
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)

    binding = services.binding_answer(actor=op_a, binding=binding, agree=True)

    assert binding.status == OperationBinding.Status.ACTIVE and binding.answered_at is not None
    entry = AuditEntry.objects.get(action="operation.accept")
    assert entry.tenant == owner.tenant and entry.actor == op_a
    assert Notification.objects.filter(recipient=owner, subject__contains="agreed").exists()


def test_declining_and_answering_twice(owner, op_a, op_b):
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)
    with pytest.raises(PermissionDenied):
        services.binding_answer(actor=op_b, binding=binding, agree=True)

    services.binding_answer(actor=op_a, binding=binding, agree=False)

    assert reload(binding).status == OperationBinding.Status.DECLINED
    with pytest.raises(ValidationError, match="no longer open"):
        services.binding_answer(actor=op_a, binding=binding, agree=True)
    # Declined, the person may be invited again.
    assert services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username).is_pending


def test_a_pending_invitation_can_be_withdrawn_and_then_not_agreed(owner, op_a):
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)

    services.binding_withdraw(actor=owner, binding=binding)

    binding = reload(binding)
    assert binding.status == OperationBinding.Status.WITHDRAWN and binding.ended_by == owner and binding.ended_at
    with pytest.raises(ValidationError):
        services.binding_answer(actor=op_a, binding=binding, agree=True)
    with pytest.raises(ValidationError, match="Only a pending invitation"):
        services.binding_withdraw(actor=owner, binding=binding)
    assert AuditEntry.objects.filter(action="operation.withdraw").count() == 1


def test_unbinding_is_refused_while_orders_are_open_and_lists_them(owner, shop):
    with pytest.raises(services.OpenOrdersRemain) as refused:
        services.binding_unbind(actor=owner, binding=shop.binding_a)

    assert [order.number for order in refused.value.orders] == [shop.a1.number]
    assert shop.a1.number in refused.value.messages[0] and shop.a2.number not in refused.value.messages[0]
    assert reload(shop.binding_a).status == OperationBinding.Status.ACTIVE
    assert not AuditEntry.objects.filter(action="operation.unbind").exists()


def test_unbinding_once_every_order_is_confirmed_or_cancelled(owner, op_a, shop):
    move(shop.a1, TaskOrder.Status.CANCELLED)

    services.binding_unbind(actor=owner, binding=shop.binding_a)

    binding = reload(shop.binding_a)
    assert binding.status == OperationBinding.Status.UNBOUND and binding.ended_by == owner
    assert AuditEntry.objects.filter(action="operation.unbind", target_id=str(binding.pk)).exists()
    assert Notification.objects.filter(recipient=op_a, subject__contains="unbound you").exists()
    # Its history stays with the shop; the former account sees nothing of it any more.
    assert set(orders_visible_to(owner)) == {shop.a1, shop.a2, shop.b1}
    assert set(orders_visible_to(op_a)) == {shop.g1}
    with pytest.raises(PermissionDenied):
        services.order_place(actor=op_a, binding=binding, task=shop.task)


def test_replace_unbinds_and_invites_in_one_step(owner, shop):
    newcomer = individual("runner_c")
    move(shop.a1, TaskOrder.Status.CANCELLED)

    new = services.binding_replace(actor=owner, binding=shop.binding_a, login="runner_c")

    old = reload(shop.binding_a)
    assert old.status == OperationBinding.Status.UNBOUND and old.replaced_by == new
    assert new.account == newcomer and new.is_pending
    assert AuditEntry.objects.filter(action="operation.replace").count() == 1


def test_replace_changes_nothing_when_either_half_is_refused(owner, op_b, shop):
    individual("runner_c")
    with pytest.raises(services.OpenOrdersRemain):
        services.binding_replace(actor=owner, binding=shop.binding_a, login="runner_c")
    move(shop.a1, TaskOrder.Status.CANCELLED)
    with pytest.raises(ValidationError, match="already invited"):
        services.binding_replace(actor=owner, binding=shop.binding_a, login=op_b.username)  # already bound

    assert reload(shop.binding_a).status == OperationBinding.Status.ACTIVE
    assert OperationBinding.objects.filter(tenant=owner.tenant).count() == 2


def test_orders_move_step_by_step_and_only_forward(owner, shop):
    with pytest.raises(ValidationError, match="A placed order cannot become receipt confirmed"):
        services.order_move(actor=shop.a1.account, order=shop.a1, status=TaskOrder.Status.CONFIRMED)

    order = move(shop.a1, TaskOrder.Status.IN_PROGRESS, TaskOrder.Status.DELIVERED, TaskOrder.Status.CONFIRMED)

    assert order.status == TaskOrder.Status.CONFIRMED
    assert AuditEntry.objects.filter(action="operation_order.status", target_id=str(order.pk)).count() == 3
    with pytest.raises(ValidationError):
        services.order_move(actor=order.account, order=order, status=TaskOrder.Status.CANCELLED)


def test_the_shop_may_only_cancel_and_others_nothing(owner, ops_manager, plain_staff, op_b, other_owner, shop):
    with pytest.raises(PermissionDenied):
        services.order_move(actor=owner, order=shop.a1, status=TaskOrder.Status.IN_PROGRESS)
    for stranger in (plain_staff, op_b, other_owner):
        with pytest.raises(PermissionDenied):
            services.order_move(actor=stranger, order=shop.a1, status=TaskOrder.Status.CANCELLED)

    order = services.order_move(actor=ops_manager, order=shop.a1, status=TaskOrder.Status.CANCELLED)

    assert order.status == TaskOrder.Status.CANCELLED
    assert Notification.objects.filter(recipient=shop.a1.account, subject__contains=shop.a1.number).exists()


def test_placing_an_order_takes_the_fee_or_the_amount_given_and_a_fresh_number(owner, op_a, shop):
    order = services.order_place(actor=op_a, binding=shop.binding_a, task=shop.task, amount=Decimal("799.50"))

    assert order.amount == Decimal("799.50") and order.tenant == owner.tenant and order.account == op_a
    assert len(order.number) == 16 and order.number.startswith(timezone.localdate().strftime("%Y%m%d"))
    assert shop.a1.amount == Decimal("800.00")
    assert len({shop.a1.number, shop.a2.number, order.number}) == 3
    assert AuditEntry.objects.filter(action="operation_order.place", tenant=owner.tenant).count() == 4


def test_an_order_is_only_for_an_open_task_of_that_shop_before_its_deadline(owner, op_a, op_b, shop):
    late = task_for(owner, title="Past")
    Task.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))  # time passed
    late = reload(late)
    closed = services.task_update(actor=owner, task=task_for(owner, title="Closed"), is_open=False)
    for task, message in ((late, "deadline has passed"), (closed, "no longer takes orders"), (shop.globex_task, "this shop")):
        with pytest.raises(ValidationError, match=message):
            services.order_place(actor=op_a, binding=shop.binding_a, task=task)
    with pytest.raises(PermissionDenied):
        services.order_place(actor=op_b, binding=shop.binding_a, task=shop.task)
    pending = services.binding_invite(actor=owner, tenant=owner.tenant, login=individual("runner_c").username)
    with pytest.raises(PermissionDenied):
        services.order_place(actor=pending.account, binding=pending, task=shop.task)


def test_tasks_are_validated_and_audited(owner, plain_staff):
    with pytest.raises(ValidationError) as refused:
        services.task_create(
            actor=owner, tenant=owner.tenant, title="", creator_name="x", fee=Decimal("0"), deadline=timezone.localdate()
        )
    assert {"title", "fee"} <= set(refused.value.message_dict)
    with pytest.raises(PermissionDenied):
        task_for(plain_staff)

    task = services.task_update(actor=owner, task=task_for(owner), fee=Decimal("900.00"))

    entry = AuditEntry.objects.get(action="operation_task.update")
    assert (entry.before, entry.after) == ({"fee": "800.00"}, {"fee": "900.00"})
    assert task.fee == Decimal("900.00")


def test_a_statement_sums_from_the_cutoff_to_the_end_without_cancelled_orders(owner, op_b, shop, settings):
    cancelled = move(
        services.order_place(actor=op_b, binding=shop.binding_b, task=shop.task, amount=Decimal("0.10")),
        TaskOrder.Status.CANCELLED,
    )
    old = services.order_place(actor=op_b, binding=shop.binding_b, task=shop.task, amount=Decimal("5.00"))
    TaskOrder.objects.filter(pk=old.pk).update(placed_at=timezone.now() - datetime.timedelta(days=400))
    settings.STATEMENT_CUTOFF = timezone.localdate() - datetime.timedelta(days=30)

    data = statement_for(shop.binding_b, start=datetime.date(2019, 7, 1), end=timezone.localdate())

    assert [order.number for order in data["orders"]] == [shop.b1.number, cancelled.number]
    assert data["total"] == Decimal("800.00") and data["open_total"] == Decimal("800.00")
    assert data["cancelled_total"] == Decimal("0.10") and data["confirmed_total"] == Decimal("0.00")
    assert data["start"] == settings.STATEMENT_CUTOFF
    empty = statement_for(shop.binding_b, start=settings.STATEMENT_CUTOFF, end=timezone.localdate() - datetime.timedelta(days=1))
    assert list(empty["orders"]) == [] and empty["total"] == Decimal("0.00")


def test_a_statement_period_is_whole_local_days_at_both_ends(owner, op_b, shop, settings):
    """A day of the period is a day in Beijing (R-35): an order at 00:00 on the first day and one at
    23:59:59 on the last are in; one a second before and one at 00:00 the day after are out, though
    the day after's midnight is still the last day in UTC."""
    settings.STATEMENT_CUTOFF = datetime.date(2019, 7, 1)
    first, last = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    local = timezone.get_default_timezone()
    placed = {
        "before": datetime.datetime(2026, 2, 28, 23, 59, 59, tzinfo=local),
        "first": datetime.datetime(2026, 3, 1, 0, 0, tzinfo=local),
        "last": datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=local),
        "after": datetime.datetime(2026, 4, 1, 0, 0, tzinfo=local),
    }
    numbers = {}
    for name, at in placed.items():
        order = services.order_place(actor=op_b, binding=shop.binding_b, task=shop.task, amount=Decimal("1.00"))
        TaskOrder.objects.filter(pk=order.pk).update(placed_at=at)
        numbers[name] = order.number

    data = statement_for(shop.binding_b, start=first, end=last)

    assert [order.number for order in data["orders"]] == [numbers["first"], numbers["last"]]
    assert data["count"] == 2 and data["total"] == Decimal("2.00")


def test_the_same_person_serves_two_shops_apart(op_a, shop):
    assert set(orders_visible_to(op_a)) == {shop.a1, shop.a2, shop.g1}
    assert set(orders_visible_to(op_a).filter(binding=shop.globex_binding)) == {shop.g1}
    assert list(statement_for(shop.globex_binding, start=datetime.date(2019, 7, 1), end=timezone.localdate())["orders"]) == [shop.g1]


def test_an_individual_has_no_tenant(op_a):
    assert op_a.tenant_id is None and op_a.is_individual and op_a.can_log_in
    assert AuditEntry.objects.filter(action="individual.sign_up", actor=op_a, tenant=None).exists()




def test_the_demo_seeder_is_idempotent_and_makes_one_active_and_one_pending_account(owner):
    from operations.demo import seed_operation_accounts

    first = seed_operation_accounts(tenant=owner.tenant, owner=owner, password="Demo-pass-2026")
    second = seed_operation_accounts(tenant=owner.tenant, owner=owner, password="Demo-pass-2026")

    assert first == second and [login for _role, login, _password in first] == ["yunying_li", "yunying_wang"]
    states = dict(OperationBinding.objects.values_list("account__username", "status"))
    assert states == {"yunying_li": "active", "yunying_wang": "pending"}
    assert sorted(TaskOrder.objects.values_list("status", flat=True)) == ["confirmed", "in_progress", "placed"]


def test_platform_operators_see_the_records_read_only(client, operator, shop):
    from django.urls import reverse

    client.force_login(operator)
    for model in ("operationbinding", "task", "taskorder"):
        assert client.get(reverse(f"admin:operations_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:operations_{model}_add")).status_code == 403
    page = client.get(reverse("admin:operations_taskorder_change", args=[shop.a1.pk]))
    assert page.status_code == 200 and shop.a1.number in page.content.decode()
