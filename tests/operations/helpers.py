"""Operation-account worlds built through the services, shared by the operation tests and the URL access test."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from accounts.services.tenants import individual_sign_up
from operations import services
from tests.factories import PASSWORD


def individual(username, display_name=""):
    return individual_sign_up(
        username=username, email=f"{username}@example.com", password=PASSWORD, display_name=display_name or username.title()
    )


def task_for(actor, title="种草视频", fee=Decimal("800.00"), creator="小美", days=30):
    return services.task_create(
        actor=actor,
        tenant=actor.tenant,
        title=title,
        creator_name=creator,
        fee=fee,
        description="",
        deadline=timezone.localdate() + datetime.timedelta(days=days),
    )


def bind(owner, person):
    """Invite ``person`` to ``owner``'s shop and agree, as the two of them do."""
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login=person.username)
    return services.binding_answer(actor=person, binding=binding, agree=True)


def move(order, *statuses):
    for status in statuses:
        order = services.order_move(actor=order.account, order=order, status=status)
    return order


def other_shop(w):
    """Globex's operation account, task and order (made once per world): objects of another tenant."""
    if not hasattr(w, "globex_ops"):
        person = individual("globex_runner")
        task = task_for(w.other_owner, title="Globex only task")
        binding = bind(w.other_owner, person)
        order = services.order_place(actor=person, binding=binding, task=task)
        invitation = services.binding_invite(actor=w.other_owner, tenant=w.other_owner.tenant, login=individual("globex_invitee").username)
        w.globex_ops = SimpleNamespace(person=person, task=task, binding=binding, order=order, invitation=invitation)
    return w.globex_ops
