"""Personas of the operation-account tests (R-33 … R-35), built through the services.

Shop ``acme`` (its ``owner``) binds two individuals, ``op_a`` and ``op_b``, and has a task; each
has orders. ``op_a`` also serves shop ``globex``, where it has an order of its own. Staff of acme:
``ops_manager`` holds ``manage_operation_accounts``, ``plain_staff`` does not.
"""

from types import SimpleNamespace

import pytest

from operations.models import TaskOrder
from operations.services import order_place
from orgchart.services import position_create
from tests.personas import *  # noqa: F401,F403
from tests.personas import catalogue, hire

from .helpers import bind, individual, move, task_for


@pytest.fixture
def ops_manager(owner, org):
    position = position_create(
        actor=owner, tenant=owner.tenant, name="Ops manager", permissions=catalogue("manage_operation_accounts")
    )
    return hire(owner, "ops_manager", org.ops, position)


@pytest.fixture
def op_a(db):
    return individual("runner_a", "Runner A")


@pytest.fixture
def op_b(db):
    return individual("runner_b", "Runner B")


@pytest.fixture
def shop(owner, other_owner, op_a, op_b):
    """Acme with op_a (orders A1 open, A2 confirmed) and op_b (order B1 open); op_a also serves globex."""
    task = task_for(owner, title="秋冬种草视频")
    binding_a = bind(owner, op_a)
    binding_b = bind(owner, op_b)
    a1 = order_place(actor=op_a, binding=binding_a, task=task)
    a2 = move(
        order_place(actor=op_a, binding=binding_a, task=task),
        TaskOrder.Status.IN_PROGRESS,
        TaskOrder.Status.DELIVERED,
        TaskOrder.Status.CONFIRMED,
    )
    b1 = order_place(actor=op_b, binding=binding_b, task=task)
    globex_task = task_for(other_owner, title="Globex task")
    globex_binding = bind(other_owner, op_a)
    g1 = order_place(actor=op_a, binding=globex_binding, task=globex_task)
    return SimpleNamespace(
        task=task,
        binding_a=binding_a,
        binding_b=binding_b,
        a1=a1,
        a2=a2,
        b1=b1,
        globex_task=globex_task,
        globex_binding=globex_binding,
        g1=g1,
    )


def reload(obj):
    return type(obj)._default_manager.get(pk=obj.pk)
