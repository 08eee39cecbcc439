"""Routing under real parallel connections (R-36, STYLE 5). PostgreSQL only."""

import pytest

from chat import routing, services
from chat.models import Conversation
from orgchart.services import department_create, position_create
from tests.factories import OwnerFactory, TenantFactory
from tests.orgchart.test_concurrency import run_together
from tests.personas import catalogue, hire, online, verified


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_hundred_starts_at_once_keep_every_cap_and_queue_the_rest_in_order():
    """100 buyers across 25 parallel connections, 5 members with a cap of 10: 50 served, 10 each,
    50 queued first come first served; none lost, none served twice; then freed places go in order."""
    owner = OwnerFactory(tenant=TenantFactory(slug="acme"), username="acme_owner")
    department = department_create(actor=owner, tenant=owner.tenant, name="Service")
    position = position_create(actor=owner, tenant=owner.tenant, name="CS", permissions=catalogue("customer_chat"))
    group = services.group_create(actor=owner, name="Pre-sales")
    services.group_update(actor=owner, group=group, name="Pre-sales", reception_cap=10)
    services.settings_update(actor=owner, main_account_mode="never")
    members = [verified(hire(owner, f"agent{n}", department, position)) for n in range(5)]
    for member in members:
        services.member_add(actor=owner, group=group, user=member)
    online(*members)

    def job(n):
        def four():
            for k in range(4):
                services.conversation_start(group=group, nickname=f"buyer{n}-{k}", body="Hello", ip=None)

        return four

    crashes = run_together([job(n) for n in range(25)])

    assert not crashes
    rows = list(Conversation.objects.order_by("pk"))
    assert len(rows) == 100 and len({r.buyer_nickname for r in rows}) == 100  # none lost
    loads = {m.pk: sum(1 for r in rows if r.assignee_id == m.pk) for m in members}
    assert sorted(loads.values()) == [10, 10, 10, 10, 10]
    queued = [r for r in rows if r.status == "queued"]
    assert len(queued) == 50 and all(r.assignee_id is None for r in queued)
    # The queue's order is the order of arrival under the lock (ids are given inside it too).
    in_line = list(Conversation.objects.filter(status="queued").order_by("waiting_since", "pk"))
    assert in_line == queued
    assert [routing.queue_position(c) for c in in_line[:3]] == [1, 2, 3]
    assert not Conversation.objects.filter(status="open", assignee__isnull=True).exists()

    served = next(r for r in rows if r.assignee_id == members[0].pk)
    services.conversation_close(actor=members[0], conversation=served)
    assert Conversation.objects.get(pk=in_line[0].pk).assignee_id == members[0].pk
    assert routing.queue_position(Conversation.objects.get(pk=in_line[1].pk)) == 1
