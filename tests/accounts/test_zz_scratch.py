import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.factories import StaffFactory
from orgchart.services import department_create, position_create
from tests.personas import hire

pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("n", [5, 30])
def test_measure(client, owner, org, east_admin, n):
    for i in range(n):
        StaffFactory(tenant=owner.tenant, department=org.east_one if i % 2 else org.west, position=org.clerk)
        department_create(actor=owner, tenant=owner.tenant, name=f"D{i}", parent=org.ops if i % 2 else None)
        position_create(actor=owner, tenant=owner.tenant, name=f"P{i}")
    client.force_login(owner)
    for name in ["accounts:staff_list", "orgchart:tree", "orgchart:positions", "accounts:staff_resigned"]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(reverse(name))
        print(name, n, r.status_code, len(ctx.captured_queries))
    client.force_login(east_admin)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("accounts:staff_list"))
    print("admin list", n, r.status_code, len(ctx.captured_queries))
    for q in ctx.captured_queries: print("   ", q["sql"][:150])
