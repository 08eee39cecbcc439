"""Demo operation accounts for ``seed_demo`` (R-33 … R-35), made through the services (idempotent)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from accounts.services.tenants import individual_sign_up

from . import services
from .models import OperationBinding, Task, TaskOrder

ACTIVE_ACCOUNT = "yunying_li"  # bound, with a confirmed, an in-progress and a just-placed order
PENDING_ACCOUNT = "yunying_wang"  # invited, has not answered yet

TASKS = [
    ("秋冬新品种草短视频", "小美穿搭", Decimal("800.00"), "30 秒短视频，露出店铺新品与优惠券。"),
    ("直播间口播 5 分钟", "家居达人阿杰", Decimal("1500.00"), "晚 8 点场，介绍收纳三件套。"),
]


def _individual(username, display_name, password):
    person = User.objects.filter(username=username).first()
    if person is None:
        person = individual_sign_up(
            username=username, email=f"{username}@example.com", password=password, display_name=display_name
        )
    return person


def seed_operation_accounts(*, tenant, owner, password):
    """Two operation accounts for the demo shop: one active with orders, one invitation pending."""
    active = _individual(ACTIVE_ACCOUNT, "运营小李", password)
    pending = _individual(PENDING_ACCOUNT, "运营小王", password)
    tasks = list(Task.objects.filter(tenant=tenant).order_by("id"))
    if not tasks:
        deadline = timezone.localdate() + datetime.timedelta(days=30)
        tasks = [
            services.task_create(
                actor=owner, tenant=tenant, title=title, creator_name=creator, fee=fee, description=text, deadline=deadline
            )
            for title, creator, fee, text in TASKS
        ]
    binding = OperationBinding.objects.filter(tenant=tenant, account=active).exclude(
        status__in=[OperationBinding.Status.DECLINED, OperationBinding.Status.WITHDRAWN]
    ).first()
    if binding is None:
        binding = services.binding_invite(actor=owner, tenant=tenant, login=active.username)
        binding = services.binding_answer(actor=active, binding=binding, agree=True)
    if binding.is_active and not binding.orders.exists():
        steps = [
            [TaskOrder.Status.IN_PROGRESS, TaskOrder.Status.DELIVERED, TaskOrder.Status.CONFIRMED],
            [TaskOrder.Status.IN_PROGRESS],
            [],
        ]
        for n, path in enumerate(steps):
            order = services.order_place(actor=active, binding=binding, task=tasks[n % len(tasks)])
            for status in path:
                order = services.order_move(actor=active, order=order, status=status)
    if not OperationBinding.objects.filter(tenant=tenant, account=pending).exists():
        services.binding_invite(actor=owner, tenant=tenant, login=pending.username)
    return [
        ("operation account: active, open and confirmed orders", active.username, password),
        ("operation account: invitation pending", pending.username, password),
    ]
