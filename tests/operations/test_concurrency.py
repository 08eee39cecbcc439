"""Confirm against unbind under real parallel connections (R-35, STYLE 5). PostgreSQL only.

Both services lock the binding row first: either the unbind sees the open order and is refused,
or the confirmation lands first and the unbind then succeeds. Never an unbound account with an
open order.
"""

import pytest
from django.core.exceptions import PermissionDenied

from operations import services
from operations.models import OperationBinding, TaskOrder
from tests.factories import OwnerFactory, TenantFactory
from tests.personas import bind, individual, move, task_for
from tests.orgchart.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def test_an_order_confirmed_while_the_shop_unbinds_never_leaves_an_open_order_on_an_unbound_account():
    owner = OwnerFactory(tenant=TenantFactory(slug="acme"), username="acme_owner")
    task = task_for(owner)
    outcomes = []
    for n in range(ROUNDS):
        person = individual(f"runner{n}")
        binding = bind(owner, person)
        order = move(
            services.order_place(actor=person, binding=binding, task=task),
            TaskOrder.Status.IN_PROGRESS,
            TaskOrder.Status.DELIVERED,
        )
        refused = []

        def confirm(order=order, person=person):
            services.order_move(actor=person, order=order, status=TaskOrder.Status.CONFIRMED)

        def unbind(binding=binding, refused=refused):
            try:
                services.binding_unbind(actor=owner, binding=binding)
            except services.OpenOrdersRemain as exc:
                refused.append([o.number for o in exc.orders])

        crashes = run_together([confirm, unbind])

        assert not crashes
        binding.refresh_from_db()
        order.refresh_from_db()
        assert order.status == TaskOrder.Status.CONFIRMED  # the confirmation always lands
        if refused:
            assert refused == [[order.number]] and binding.status == OperationBinding.Status.ACTIVE
        else:
            assert binding.status == OperationBinding.Status.UNBOUND
        outcomes.append("refused" if refused else "unbound")

    open_on_unbound = TaskOrder.objects.filter(
        binding__status=OperationBinding.Status.UNBOUND, status__in=TaskOrder.OPEN_STATUSES
    )
    assert not open_on_unbound.exists()
    assert set(outcomes) <= {"refused", "unbound"}


def test_orders_placed_while_the_shop_unbinds_never_land_on_an_unbound_account():
    owner = OwnerFactory(tenant=TenantFactory(slug="acme"), username="acme_owner")
    task = task_for(owner)
    person = individual("runner")
    binding = bind(owner, person)
    placed, refused = [], []

    def place():
        try:
            placed.append(services.order_place(actor=person, binding=binding, task=task))
        except PermissionDenied:
            refused.append("place")

    def unbind():
        try:
            services.binding_unbind(actor=owner, binding=binding)
        except services.OpenOrdersRemain:
            refused.append("unbind")

    crashes = run_together([place, place, place, unbind])

    assert not crashes
    binding.refresh_from_db()
    if binding.status == OperationBinding.Status.UNBOUND:  # the unbind went first: every order refused
        assert not TaskOrder.objects.filter(binding=binding).exists() and refused == ["place"] * 3
    else:  # an order went first: the unbind was refused, and no order was
        assert refused == ["unbind"] and TaskOrder.objects.filter(binding=binding).count() == 3


def test_one_form_sent_twice_at_once_makes_one_task_and_one_order():
    """A double click sends the same one-time key in two parallel requests: one row each, no error."""
    from operations.models import Task

    owner = OwnerFactory(tenant=TenantFactory(slug="acme"), username="acme_owner")
    task = task_for(owner)
    person = individual("runner_twice")
    binding = bind(owner, person)
    for n in range(ROUNDS):
        made = []

        def add(n=n, made=made):
            made.append(
                services.task_create(
                    actor=owner, tenant=owner.tenant, title=f"T{n}", creator_name="c", fee=task.fee,
                    deadline=task.deadline, submission=f"{n:032x}",
                ).pk
            )

        def place(n=n, made=made):
            made.append(services.order_place(actor=person, binding=binding, task=task, submission=f"{n:032x}").pk)

        assert not run_together([add, add])
        assert not run_together([place, place])
        assert len(set(made[:2])) == 1 and len(set(made[2:])) == 1

    assert Task.objects.filter(title__startswith="T").count() == ROUNDS
    assert binding.orders.count() == ROUNDS
