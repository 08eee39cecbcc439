"""Named personas for the org-chart and staff tests, built through the services.

Departments, positions and staff come from the same services the pages call, so the mptt tree,
the scope groups, the invitations and the audit log are the real thing, not hand-made rows.
``tests/orgchart/conftest.py`` and ``tests/accounts/conftest.py`` import these fixtures.

The org chart of tenant ``acme``::

    Sales                 sales_admin (admin)
    ├── East              east_admin (admin), plain_staff
    │   └── East One      east_one_staff
    └── West              west_staff (position Publisher)
    Ops                   ops_staff

Positions: ``Clerk`` (view campaigns only) and ``Publisher`` (view + publish campaigns).
Tenant ``globex`` has its own ``Globex HQ`` department, ``Globex Clerk`` position and
``other_tenant_staff``.
"""

import itertools
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Delivery, Notification, User
from accounts.services.staff import (
    binding_code_send,
    invitation_accept,
    invitation_for_token,
    staff_add,
)
from orgchart.permissions import catalogue_permissions
from orgchart.services import department_create, position_create
from tests.factories import PASSWORD

_mobiles = itertools.count(1)


def next_mobile():
    """A fresh, valid mainland mobile number."""
    return f"137{next(_mobiles):08d}"


def catalogue(*codes):
    """The ``auth.Permission`` rows of the given catalogue codes."""
    return list(catalogue_permissions().filter(codename__in=codes))


def token_of(link):
    """The token inside a ``/bind/<token>/`` link."""
    return link.rstrip("/").rsplit("/", 1)[-1]


def sms_code_for(staff):
    """The latest binding code texted to ``staff``, read from its SMS outbox row (R-12)."""
    delivery = (
        Delivery.objects.filter(
            backend=Delivery.Backend.SMS,
            notification__recipient=staff,
            notification__kind=Notification.Kind.BINDING_CODE,
        )
        .select_related("notification")
        .latest("id")
    )
    return re.search(r"\b(\d{6})\b", delivery.notification.body).group(1)


def accept_invitation(link, password=PASSWORD):
    """Bind as the invitee does: ask for the SMS code (unless one is still live), enter it and a password."""
    token = token_of(link)
    invitation = invitation_for_token(token)
    if invitation is None:
        return invitation_accept(token=token, code="000000", password=password)  # raises: link unusable
    if not invitation.code_hash or invitation.code_expires_at <= timezone.now():
        binding_code_send(token=token)
    return invitation_accept(token=token, code=sms_code_for(invitation.user), password=password)


def fresh(obj):
    """Re-read a row: mptt bounds and cached permissions go stale in memory."""
    return type(obj)._default_manager.get(pk=obj.pk)


def hire(owner, account_name, department, position, *, admin=False, supplementary=(), bind=True, mobile=None):
    """Add a staff account through ``staff_add`` and, unless ``bind=False``, accept its invitation."""
    staff, link = staff_add(
        actor=owner,
        tenant=owner.tenant,
        display_name=account_name.replace("_", " ").title(),
        account_name=account_name,
        mobile=mobile or next_mobile(),
        department=department,
        position=position,
        is_department_admin=admin,
        supplementary_permissions=catalogue(*supplementary),
    )
    if bind:
        accept_invitation(link)
    return User.objects.get(pk=staff.pk)


@pytest.fixture
def org(owner):
    """Tenant acme's departments and positions (see the module docstring)."""
    tenant = owner.tenant
    sales = department_create(actor=owner, tenant=tenant, name="Sales")
    east = department_create(actor=owner, tenant=tenant, name="East", parent=sales)
    east_one = department_create(actor=owner, tenant=tenant, name="East One", parent=east)
    west = department_create(actor=owner, tenant=tenant, name="West", parent=sales)
    ops = department_create(actor=owner, tenant=tenant, name="Ops")
    clerk = position_create(actor=owner, tenant=tenant, name="Clerk", permissions=catalogue("view_campaigns"))
    publisher = position_create(
        actor=owner,
        tenant=tenant,
        name="Publisher",
        permissions=catalogue("view_campaigns", "publish_campaigns"),
    )
    return SimpleNamespace(
        sales=fresh(sales),
        east=fresh(east),
        east_one=fresh(east_one),
        west=fresh(west),
        ops=fresh(ops),
        clerk=clerk,
        publisher=publisher,
    )


@pytest.fixture
def sales_admin(owner, org):
    return hire(owner, "sales_admin", org.sales, org.clerk, admin=True)


@pytest.fixture
def east_admin(owner, org):
    return hire(owner, "east_admin", org.east, org.clerk, admin=True)


@pytest.fixture
def plain_staff(owner, org):
    """Staff of East without the admin flag."""
    return hire(owner, "plain_staff", org.east, org.clerk)


@pytest.fixture
def east_one_staff(owner, org):
    return hire(owner, "east_one_staff", org.east_one, org.clerk)


@pytest.fixture
def west_staff(owner, org):
    return hire(owner, "west_staff", org.west, org.publisher)


@pytest.fixture
def ops_staff(owner, org):
    return hire(owner, "ops_staff", org.ops, org.clerk)


@pytest.fixture
def other_org(other_owner):
    tenant = other_owner.tenant
    return SimpleNamespace(
        hq=department_create(actor=other_owner, tenant=tenant, name="Globex HQ"),
        clerk=position_create(
            actor=other_owner, tenant=tenant, name="Globex Clerk", permissions=catalogue("view_campaigns")
        ),
    )


@pytest.fixture
def other_tenant_staff(other_owner, other_org):
    return hire(other_owner, "zhangsan", other_org.hq, other_org.clerk)


__all__ = [
    "org",
    "sales_admin",
    "east_admin",
    "plain_staff",
    "east_one_staff",
    "west_staff",
    "ops_staff",
    "other_org",
    "other_tenant_staff",
]
