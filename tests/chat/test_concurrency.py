"""Routing under real parallel connections (R-36, STYLE 5). PostgreSQL only."""

import pytest

from chat import services
from chat.models import Conversation
from orgchart.services import department_create, position_create
from tests.factories import OwnerFactory, TenantFactory
from tests.orgchart.test_concurrency import run_together
from tests.personas import catalogue, hire, online, verified


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_conversations_at_once_spread_ten_to_each_of_five_members():
    owner = OwnerFactory(tenant=TenantFactory(slug="acme"), username="acme_owner")
    department = department_create(actor=owner, tenant=owner.tenant, name="Service")
    position = position_create(actor=owner, tenant=owner.tenant, name="CS", permissions=catalogue("customer_chat"))
    group = services.group_create(actor=owner, name="Pre-sales")
    members = [verified(hire(owner, f"agent{n}", department, position)) for n in range(5)]
    for member in members:
        services.member_add(actor=owner, group=group, user=member)
    online(*members)

    def job(n):
        return lambda: services.conversation_start(group=group, nickname=f"buyer{n}", body="Hello", ip=None)

    crashes = run_together([job(n) for n in range(50)])

    assert not crashes
    loads = {m.pk: Conversation.objects.filter(assignee=m, status="open").count() for m in members}
    assert sorted(loads.values()) == [10, 10, 10, 10, 10]
    assert not Conversation.objects.filter(is_overflow=True).exists()
