"""The temporary account quota under real parallel connections (R-20, STYLE 5). PostgreSQL only."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services.staff import temporary_seats_used
from accounts.services.temporary import temporary_staff_add
from orgchart.services import department_create, position_create
from tests.factories import OwnerFactory, TenantFactory
from tests.orgchart.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_adds_never_exceed_the_temporary_quota():
    owner = OwnerFactory(tenant=TenantFactory(slug="acme", temporary_quota=3), username="acme_owner")
    department = department_create(actor=owner, tenant=owner.tenant, name="Ops")
    position = position_create(actor=owner, tenant=owner.tenant, name="Kefu", permissions=[])
    now = timezone.now()
    refused = []

    def job(n):
        def add():
            try:
                temporary_staff_add(
                    actor=owner, tenant=owner.tenant, display_name=f"Kefu {n}", account_name=f"kefu{n}",
                    mobile=f"1390000{n:04d}", department=department, position=position,
                    starts_at=now, ends_at=now + datetime.timedelta(days=1),
                )
            except ValidationError:
                refused.append(n)

        return add

    crashes = run_together([job(n) for n in range(8)])

    assert not crashes
    assert temporary_seats_used(owner.tenant) == 3
    assert len(refused) == 5
