"""The suite's one persona module: named personas built through the services (STYLE 12).

Departments, positions and staff come from the same services the pages call, so the mptt tree,
the scope groups, the invitations and the audit log are the real thing, not hand-made rows.
Every test folder's ``conftest.py`` imports these fixtures. There are two worlds.

``org`` and friends, for the org-chart and staff tests:

The org chart of tenant ``acme``::

    Sales                 sales_admin (admin)
    ├── East              east_admin (admin), plain_staff
    │   └── East One      east_one_staff
    └── West              west_staff (position Publisher)
    Ops                   ops_staff

Positions: ``Clerk`` (view campaigns only) and ``Publisher`` (view + publish campaigns).
Tenant ``globex`` has its own ``Globex HQ`` department, ``Globex Clerk`` position and
``other_tenant_staff``.

``world``, for the campaign visibility rules (R-24, R-25, R-28, R-31)::

    招商部 (level 1, admin: admin_l1)
    ├── 服饰组 (level 2, admin: admin_l2)
    │   └── 一组 (level 3): viewer_in, publisher_in, reviewer_in, bare_in
    └── 美妆组 (level 2): sibling_viewer, sibling_publisher
    客服部 (level 1): outsider
    another tenant: other_staff (every right)
"""

import datetime
import itertools
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Delivery, Notification, User
from accounts.services.tenants import individual_sign_up
from accounts.services.staff import (
    binding_code_send,
    invitation_accept,
    invitation_for_token,
    staff_add,
)
from campaigns import rollups
from campaigns import services as campaign_services
from campaigns.models import Campaign, EffectDaily, EnrolledProduct
from chat import services as chat_services
from chat.models import Presence
from accounts import permissions as catalogue_module
from operations import services as operation_services
from operations.models import TaskOrder
from accounts.permissions import catalogue_permissions
from orgchart.services import department_create, position_create
from tests.factories import PASSWORD, OwnerFactory, TenantFactory
from tests.snapshots import Snapshot, persona

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


@persona
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


@persona
def sales_admin(owner, org):
    return hire(owner, "sales_admin", org.sales, org.clerk, admin=True)


@persona
def east_admin(owner, org):
    return hire(owner, "east_admin", org.east, org.clerk, admin=True)


@persona
def plain_staff(owner, org):
    """Staff of East without the admin flag."""
    return hire(owner, "plain_staff", org.east, org.clerk)


@persona
def east_one_staff(owner, org):
    return hire(owner, "east_one_staff", org.east_one, org.clerk)


@persona
def west_staff(owner, org):
    return hire(owner, "west_staff", org.west, org.publisher)


@persona
def ops_staff(owner, org):
    return hire(owner, "ops_staff", org.ops, org.clerk)


@persona
def other_org(other_owner):
    tenant = other_owner.tenant
    return SimpleNamespace(
        hq=department_create(actor=other_owner, tenant=tenant, name="Globex HQ"),
        clerk=position_create(
            actor=other_owner, tenant=tenant, name="Globex Clerk", permissions=catalogue("view_campaigns")
        ),
    )


@persona
def other_tenant_staff(other_owner, other_org):
    return hire(other_owner, "zhangsan", other_org.hq, other_org.clerk)


# The campaign world ---------------------------------------------------------------------------


def _world_positions(owner):
    perms = {p.codename: p for p in catalogue_module.catalogue_permissions()}

    def make(name, codes):
        return position_create(actor=owner, tenant=owner.tenant, name=name, permissions=[perms[c] for c in codes])

    return SimpleNamespace(
        viewer=make("viewer", [catalogue_module.VIEW_CAMPAIGNS, catalogue_module.VIEW_EFFECT_DATA]),
        publisher=make("publisher", [catalogue_module.PUBLISH_CAMPAIGNS]),
        reviewer=make(
            "reviewer",
            [catalogue_module.VIEW_CAMPAIGNS, catalogue_module.REVIEW_ENROLLMENTS, catalogue_module.VIEW_EFFECT_DATA, catalogue_module.COMMISSION_ALERTS],
        ),
        bare=make("bare", []),
        everything=make("everything", list(catalogue_module.CODES)),
    )


def make_staff(owner, name, department, position, admin=False):
    staff, link = staff_add(
        actor=owner,
        tenant=owner.tenant,
        display_name=name,
        account_name=name.replace("_", "-"),
        mobile=next_mobile(),
        department=department,
        position=position,
        is_department_admin=admin,
    )
    accept_invitation(link)
    return User.objects.get(pk=staff.pk)


def enroll(campaign, product_id, title):
    return campaign_services.enrollment_submit(
        campaign=campaign,
        shop_name=f"shop of {title}",
        product_id=product_id,
        title=title,
        price=Decimal("100.00"),
        proposed_commission_rate=Decimal("20.00"),
        merchant_contact="merchant 13700000000",
    )


def campaign(actor, title, **scope):
    today = timezone.localdate()
    return campaign_services.campaign_create(
        actor=actor,
        tenant=actor.tenant,
        title=title,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=10),
        commission_rate=Decimal("20"),
        service_fee_rate=Decimal("5"),
        review_mode="manual",
        contact_person=None,
        **scope,
    )


@pytest.fixture
def world(db):
    """The campaign world (module docstring), built once and shared while consecutive tests ask for it.

    A copy of the snapshot (``tests/snapshots.py``) when one is open, else a build of its own (a
    test that commits for real, or the first test of a run).
    """
    return WORLD.copy() if WORLD.is_open else build_world()


def build_world():
    """Build the campaign world through the services; returns its namespace."""
    tenant = TenantFactory(slug="acme", name="Acme")
    owner = OwnerFactory(tenant=tenant, username="acme_owner")
    w = SimpleNamespace(tenant=tenant, owner=owner)
    pos = _world_positions(owner)
    zhaoshang = department_create(actor=owner, tenant=tenant, name="招商部")
    fushi = department_create(actor=owner, tenant=tenant, name="服饰组", parent=zhaoshang)
    yizu = department_create(actor=owner, tenant=tenant, name="一组", parent=fushi)
    meizhuang = department_create(actor=owner, tenant=tenant, name="美妆组", parent=zhaoshang)
    kefu = department_create(actor=owner, tenant=tenant, name="客服部")
    w.departments = SimpleNamespace(zhaoshang=zhaoshang, fushi=fushi, yizu=yizu, meizhuang=meizhuang, kefu=kefu)

    w.admin_l1 = make_staff(owner, "admin_l1", zhaoshang, pos.viewer, admin=True)
    w.admin_l2 = make_staff(owner, "admin_l2", fushi, pos.viewer, admin=True)
    w.viewer_in = make_staff(owner, "viewer_in", yizu, pos.viewer)
    w.publisher_in = make_staff(owner, "publisher_in", yizu, pos.publisher)
    w.reviewer_in = make_staff(owner, "reviewer_in", yizu, pos.reviewer)
    w.bare_in = make_staff(owner, "bare_in", yizu, pos.bare)
    w.sibling_viewer = make_staff(owner, "sibling_viewer", meizhuang, pos.viewer)
    w.sibling_publisher = make_staff(owner, "sibling_publisher", meizhuang, pos.publisher)
    w.outsider = make_staff(owner, "outsider", kefu, pos.reviewer)

    other_tenant = TenantFactory(slug="globex", name="Globex")
    other_owner = OwnerFactory(tenant=other_tenant, username="globex_owner")
    other_pos = _world_positions(other_owner)
    other_dept = department_create(actor=other_owner, tenant=other_tenant, name="招商部")
    w.other_owner = other_owner
    w.other_staff = make_staff(other_owner, "other_staff", other_dept, other_pos.everything, admin=True)

    # Campaigns of every scope kind.
    w.c_dept = campaign(owner, "C-dept 服饰组", scope_departments=[fushi])
    w.c_named = campaign(owner, "C-named", scope_staff=[w.bare_in, w.sibling_viewer])
    w.c_whole = campaign(owner, "C-whole", scope_whole_tenant=True)
    w.c_creator = campaign(w.sibling_publisher, "C-creator 客服部", scope_departments=[kefu])
    w.c_legacy = Campaign.objects.create(
        tenant=tenant,
        title="C-legacy",
        starts_on=timezone.localdate() - datetime.timedelta(days=10),  # effect rows of past days fit
        ends_on=timezone.localdate(),
        commission_rate=Decimal("10"),
        service_fee_rate=Decimal("1"),
        creator=owner,
        is_legacy=True,
    )
    w.c_official = Campaign.objects.create(
        tenant=None,
        is_official=True,
        title="C-official",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        commission_rate=Decimal("10"),
        service_fee_rate=Decimal("1"),
    )
    w.c_other = campaign(other_owner, "C-other-tenant", scope_whole_tenant=True)

    # Products in every state.
    w.p_approved = enroll(w.c_dept, "1000001", "P-approved")
    campaign_services.enrollment_approve(actor=w.reviewer_in, product=w.p_approved)
    w.p_pending = enroll(w.c_dept, "1000002", "P-pending")
    w.p_rejected = enroll(w.c_dept, "1000003", "P-rejected")
    campaign_services.enrollment_reject(actor=w.reviewer_in, product=w.p_rejected, reason="price")
    w.p_creator_pending = enroll(w.c_creator, "1000004", "P-creator-pending")
    w.p_legacy_owner = _legacy_product(w.c_legacy, "1000005", "P-legacy-owner", owner)
    w.p_legacy_none = _legacy_product(w.c_legacy, "1000006", "P-legacy-none", None)
    w.p_other = enroll(w.c_other, "1000007", "P-other-tenant")
    campaign_services.enrollment_approve(actor=other_owner, product=w.p_other)

    # Effect data: 150 on the approved product, 1000 on the legacy one, 7 in the other tenant.
    today = timezone.localdate()
    for product, day, amount in (
        (w.p_approved, today, "100"),
        (w.p_approved, today - datetime.timedelta(days=1), "50"),
        (w.p_legacy_owner, today, "1000"),
        (w.p_other, today, "7"),
    ):
        EffectDaily.objects.create(
            tenant=product.tenant,
            product=product,
            campaign=product.campaign,
            date=day,
            clicks=10,
            paid_orders=1,
            paid_amount=Decimal(amount),
            estimated_service_fee=Decimal("1"),
        )
    rollups.refresh_tenant(tenant.pk)  # what effect_upload does after storing rows
    rollups.refresh_tenant(other_tenant.pk)
    for name in ("p_approved", "p_pending", "p_rejected", "p_creator_pending", "p_other"):
        getattr(w, name).refresh_from_db()
    return w


WORLD = Snapshot("world", build_world, defined_in=__name__)


def _legacy_product(campaign, product_id, title, contact):
    product = EnrolledProduct.objects.create(
        tenant=campaign.tenant,
        campaign=campaign,
        shop_name="old shop",
        product_id=product_id,
        title=title,
        price=Decimal("1"),
        proposed_commission_rate=Decimal("1"),
        merchant_contact="old",
        status=EnrolledProduct.Status.APPROVED,
        contact_person=contact,
        is_legacy=True,
    )
    return product


# Operation accounts (R-33 … R-35) ----------------------------------------------------------------
# Shop ``acme`` (its ``owner``) binds two individuals, ``op_a`` and ``op_b``, and has a task; each
# has orders. ``op_a`` also serves shop ``globex``, where it has an order of its own. Staff of acme:
# ``ops_manager`` holds ``manage_operation_accounts``, ``plain_staff`` does not.


def individual(username, display_name=""):
    return individual_sign_up(
        username=username, email=f"{username}@example.com", password=PASSWORD, display_name=display_name or username.title()
    )


def task_for(actor, title="种草视频", fee=Decimal("800.00"), creator="小美", days=30):
    return operation_services.task_create(
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
    binding = operation_services.binding_invite(actor=owner, tenant=owner.tenant, login=person.username)
    return operation_services.binding_answer(actor=person, binding=binding, agree=True)


def move(order, *statuses):
    for status in statuses:
        order = operation_services.order_move(actor=order.account, order=order, status=status)
    return order


def other_shop(w):
    """Globex's operation account, task and order (made once per world): objects of another tenant."""
    if not hasattr(w, "globex_ops"):
        person = individual("globex_runner")
        task = task_for(w.other_owner, title="Globex only task")
        binding = bind(w.other_owner, person)
        order = operation_services.order_place(actor=person, binding=binding, task=task)
        invitation = operation_services.binding_invite(actor=w.other_owner, tenant=w.other_owner.tenant, login=individual("globex_invitee").username)
        w.globex_ops = SimpleNamespace(person=person, task=task, binding=binding, order=order, invitation=invitation)
    return w.globex_ops


@persona
def ops_manager(owner, org):
    position = position_create(
        actor=owner, tenant=owner.tenant, name="Ops manager", permissions=catalogue("manage_operation_accounts")
    )
    return hire(owner, "ops_manager", org.ops, position)


@persona
def op_a(db):
    return individual("runner_a", "Runner A")


@persona
def op_b(db):
    return individual("runner_b", "Runner B")


@persona
def shop(owner, other_owner, op_a, op_b):
    """Acme with op_a (orders A1 open, A2 confirmed) and op_b (order B1 open); op_a also serves globex."""
    task = task_for(owner, title="秋冬种草视频")
    binding_a = bind(owner, op_a)
    binding_b = bind(owner, op_b)
    a1 = operation_services.order_place(actor=op_a, binding=binding_a, task=task)
    a2 = move(
        operation_services.order_place(actor=op_a, binding=binding_a, task=task),
        TaskOrder.Status.IN_PROGRESS,
        TaskOrder.Status.DELIVERED,
        TaskOrder.Status.CONFIRMED,
    )
    b1 = operation_services.order_place(actor=op_b, binding=binding_b, task=task)
    globex_task = task_for(other_owner, title="Globex task")
    globex_binding = bind(other_owner, op_a)
    g1 = operation_services.order_place(actor=op_a, binding=globex_binding, task=globex_task)
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


# --- Customer chat (R-36) -------------------------------------------------------------------------
# On top of ``org``, tenant ``acme``::
#
#     Sales                 sales_admin (admin)
#     ├── East              east_admin (admin), agent_a, agent_b, muted_agent
#     │   └── East One      agent_c
#     └── West              …
#     Ops                   temp_agent (temporary, window open), late_agent (temporary, window closed)
#
# Every agent holds ``customer_chat`` through the position ``Customer service`` and is verified,
# except ``muted_agent`` (never verified: muted, R-17). Group ``Pre-sales`` holds all of them.
# Tenant ``globex`` has ``globex_agent`` in its own group ``Globex desk`` (``globex_desk``).


def verified(user):
    User.objects.filter(pk=user.pk).update(identity_status=User.IdentityStatus.VERIFIED)
    return User.objects.get(pk=user.pk)


def temporary(user, *, open_now=True):
    now = timezone.now()
    if open_now:
        window = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))
    else:
        window = (now - datetime.timedelta(days=3), now - datetime.timedelta(days=1))
    User.objects.filter(pk=user.pk).update(temporary_starts_at=window[0], temporary_ends_at=window[1])
    return User.objects.get(pk=user.pk)


def online(*people):
    for person in people:
        chat_services.presence_set(actor=person, status=Presence.Status.ONLINE)


def away(*people):
    for person in people:
        chat_services.presence_set(actor=person, status=Presence.Status.AWAY)


def start(group, nickname="buyer", body="Hello?", ip=None):
    return chat_services.conversation_start(group=group, nickname=nickname, body=body, ip=ip)


@persona
def chat_position(owner):
    return position_create(
        actor=owner, tenant=owner.tenant, name="Customer service", permissions=catalogue("customer_chat")
    )


@persona
def desk(owner, org, chat_position, sales_admin, east_admin):
    """Agents, the muted and the temporary ones, and the group ``Pre-sales`` holding them all."""
    agent_a = verified(hire(owner, "agent_a", org.east, chat_position))
    agent_b = verified(hire(owner, "agent_b", org.east, chat_position))
    agent_c = verified(hire(owner, "agent_c", org.east_one, chat_position))
    muted_agent = hire(owner, "muted_agent", org.east, chat_position)
    temp_agent = temporary(hire(owner, "temp_agent", org.ops, chat_position))
    late_agent = temporary(hire(owner, "late_agent", org.ops, chat_position), open_now=False)
    presale = chat_services.group_create(actor=owner, name="Pre-sales")
    aftersale = chat_services.group_create(actor=owner, name="After-sales")
    people = [agent_a, agent_b, agent_c, muted_agent, temp_agent, late_agent]
    for person in people:
        chat_services.member_add(actor=owner, group=presale, user=person)
    return SimpleNamespace(
        owner=owner,
        presale=presale,
        aftersale=aftersale,
        agent_a=agent_a,
        agent_b=agent_b,
        agent_c=agent_c,
        muted_agent=muted_agent,
        temp_agent=temp_agent,
        late_agent=late_agent,
        sales_admin=sales_admin,
        east_admin=east_admin,
    )


@persona
def globex_desk(other_owner, other_org):
    position = position_create(
        actor=other_owner, tenant=other_owner.tenant, name="Globex CS", permissions=catalogue("customer_chat")
    )
    agent = verified(hire(other_owner, "globex_agent", other_org.hq, position))
    group = chat_services.group_create(actor=other_owner, name="Globex desk")
    chat_services.member_add(actor=other_owner, group=group, user=agent)
    online(agent)
    conversation = start(group, nickname="globex buyer", body="Globex secret question")
    return SimpleNamespace(owner=other_owner, agent=agent, group=group, conversation=conversation)


def reload(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


# The fixtures each folder's conftest.py takes with ``from tests.personas import *``.
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
    "world",
    "ops_manager",
    "op_a",
    "op_b",
    "shop",
    "chat_position",
    "desk",
    "globex_desk",
]
