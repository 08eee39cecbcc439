"""All or nothing: a writer that changes several rows leaves none of them when one write fails.

For each multi-row writer below, the N-th INSERT/UPDATE/DELETE it sends is made to fail (a
database error, as a lost connection or a lock timeout gives), for N = 2, 3, … until the writer
runs out of writes; after each failure every table must be exactly as before. Removing a
writer's ``transaction.atomic`` makes its test fail at the first N whose earlier writes stayed.
"""

import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, Delivery, User
from accounts.services import staff as staff_services
from accounts.services.notifications import notification_send
from accounts.services.tenants import individual_sign_up, tenant_sign_up
from chat import services as chat_services
from chat.models import ChatGroup
from orgchart import services as org_services
from scim.services import scim_token_create
from staff.services.imports import staff_import
from tests.factories import PASSWORD
from tests.personas import (  # noqa: F401  (fixtures)
    catalogue,
    org,
    plain_staff,
    sms_code_for,
    token_of,
    west_staff,
    world,
)
from tests.staff.test_import import as_csv, row

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


class FailNthWrite:
    """A database execute wrapper: the ``n``-th write statement raises instead of running."""

    def __init__(self, n):
        self.n = n
        self.writes = 0
        self.fired = False

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            self.writes += 1
            if self.writes == self.n:
                self.fired = True
                raise OperationalError(f"injected failure of write {self.n}")
        return execute(sql, params, many, context)


def database_state(ignore=()):
    """Every row of every table (many-to-many tables included), by model label.

    ``ignore``: model labels, or audit actions (``"audit:scim.refused"``) whose entries are left
    out: what a caller records deliberately about the failure itself.
    """
    state = {}
    # The dashboard's data generation is bookkeeping the database's triggers keep for every write,
    # the deliberate record of a failure included; the tables it follows are compared themselves.
    ignore = {*ignore, "accounts.DataGeneration", "accounts.DataChange"}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed or model._meta.label in ignore:
            continue
        rows = model._base_manager.order_by("pk")
        if model is AuditEntry:
            rows = rows.exclude(action__in=[name.removeprefix("audit:") for name in ignore if name.startswith("audit:")])
        state[model._meta.label] = list(rows.values())
    return state


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after[label])


def assert_all_or_nothing(run, *, ignore=()):
    """Make each write of ``run()`` fail in turn, from the second; nothing may remain of any try.

    ``run`` performs the writer once on objects it reads afresh (a failed try must not leave
    changed objects in memory for the next). The last try, past the writer's last write, runs
    unhindered and must succeed: its result is returned (with the number of writes it made).
    """
    before = database_state(ignore)
    n = 2  # a failing first write leaves nothing behind by itself
    while True:
        fault = FailNthWrite(n)
        error = result = None
        with connection.execute_wrapper(fault):
            try:
                result = run()
            except Exception as exc:  # noqa: BLE001  (the injected failure, as whatever the writer makes of it)
                error = exc
        if not fault.fired:
            break  # fewer than n writes: every one has failed once
        after = database_state(ignore)
        assert changed_tables(before, after) == [], f"write {n} failed, yet earlier writes stayed"
        n += 1
    assert error is None, f"the writer failed by itself: {error!r}"
    assert n - 1 >= 2, "not a multi-row writer: it made fewer than two writes"
    return SimpleNamespace(writes=n - 1, result=result)


# --- The writers -------------------------------------------------------------------------------


def test_staff_batch_import(owner, org, plain_staff):
    raw = as_csv(
        [
            row(1, department="Sales/East", position="Clerk", mobile="15900000001"),
            row(2, department="Sales/East", position="Clerk", mobile="15900000002"),
            row(3, department="Ops", position="Publisher", mobile="15900000003"),
            [
                "Plain Renamed",
                "plain_staff",
                User.objects.get(pk=plain_staff.pk).mobile,
                "Ops",
                "Clerk",
                "否",
            ],
        ]
    )

    def run():
        staff_import(actor=owner, tenant=owner.tenant, raw=raw, filename="staff.csv")

    assert assert_all_or_nothing(run).writes > 5


@pytest.fixture
def scim_client(owner, org):
    token, secret = scim_token_create(actor=owner, name="Okta", default_department=org.ops, default_position=org.clerk)
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    def patch(path, *operations):
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}
        return client.patch(f"/scim/v2/{path}", json.dumps(body), content_type="application/scim+json")

    def post(path, data):
        return client.post(f"/scim/v2/{path}", json.dumps(data), content_type="application/scim+json")

    return SimpleNamespace(patch=patch, post=post)


def _scim_ignore():
    """The API records each refused request (the token's last use and a ``scim.refused`` entry),
    after the write has failed and outside its transaction: that is not a half-done write."""
    return {"scim.ScimToken", "audit:scim.refused"}


def test_scim_patch_of_a_user_with_several_operations(scim_client, org, plain_staff):
    extension = "urn:staffdesk:params:scim:schemas:extension:2.0:User"

    def run():
        return scim_client.patch(
            f"Users/{plain_staff.pk}",
            {"op": "replace", "path": "displayName", "value": "Plain Renamed"},
            {"op": "replace", "path": f"{extension}:departmentId", "value": str(org.ops.pk)},
            {"op": "replace", "path": "emails", "value": [{"value": "plain@example.com", "primary": True}]},
            {"op": "replace", "path": "active", "value": False},
        )

    done = assert_all_or_nothing(run, ignore=_scim_ignore())
    assert done.result.status_code == 200, done.result.content  # unhindered, the same request does it all
    assert done.writes > 3


def test_scim_patch_of_a_group_renames_and_takes_in_members(scim_client, org, plain_staff, west_staff):
    def run():
        return scim_client.patch(
            f"Groups/{org.ops.pk}",
            {"op": "replace", "path": "displayName", "value": "Operations"},
            {"op": "add", "path": "members", "value": [{"value": str(plain_staff.pk)}, {"value": str(west_staff.pk)}]},
        )

    done = assert_all_or_nothing(run, ignore=_scim_ignore())
    assert done.result.status_code == 200, done.result.content


def test_scim_group_creation_with_members(scim_client, org, plain_staff, west_staff):
    def run():
        return scim_client.post(
            "Groups",
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Provisioned",
                "members": [{"value": str(plain_staff.pk)}, {"value": str(west_staff.pk)}],
            },
        )

    done = assert_all_or_nothing(run, ignore=_scim_ignore())
    assert done.result.status_code == 201, done.result.content


def test_staff_add_with_its_invitation(owner, org):
    def run():
        staff_services.staff_add(
            actor=owner,
            tenant=owner.tenant,
            display_name="Newcomer",
            account_name="newcomer",
            mobile="13912345678",
            department=org.east,
            position=org.clerk,
            supplementary_permissions=catalogue("publish_campaigns"),
        )

    assert_all_or_nothing(run)


def test_temporary_staff_add(owner, org):
    import datetime

    from django.utils import timezone

    from accounts.services.temporary import temporary_staff_add

    now = timezone.now()

    def run():
        temporary_staff_add(
            actor=owner,
            tenant=owner.tenant,
            display_name="Kefu",
            account_name="kefu1",
            mobile="13912345670",
            department=org.ops,
            position=org.clerk,
            starts_at=now,
            ends_at=now + datetime.timedelta(days=1),
        )

    assert_all_or_nothing(run)


def test_staff_update_of_placement_and_rights(owner, org, plain_staff):
    def run():
        staff_services.staff_update(
            actor=owner,
            staff=User.objects.get(pk=plain_staff.pk),
            display_name="Moved",
            mobile=plain_staff.mobile,
            department=org.ops,
            position=org.publisher,
            is_department_admin=True,
            supplementary_permissions=catalogue("publish_campaigns"),
        )

    assert_all_or_nothing(run)


def test_staff_offboarding(owner, plain_staff):
    def run():
        staff_services.staff_offboard(actor=owner, staff=User.objects.get(pk=plain_staff.pk))

    assert_all_or_nothing(run)


def test_binding_an_invitation(owner, org):
    staff, link = staff_services.staff_add(
        actor=owner,
        tenant=owner.tenant,
        display_name="Binder",
        account_name="binder",
        mobile="13912345679",
        department=org.east,
        position=org.clerk,
    )
    staff_services.binding_code_send(token=token_of(link))
    code = sms_code_for(staff)

    def run():
        staff_services.invitation_accept(token=token_of(link), code=code, password=PASSWORD)

    assert_all_or_nothing(run)


def test_department_rename_move_and_admins_in_one_step(owner, org, west_staff):
    def run():
        department = org_services.department_update(
            actor=owner,
            department=type(org.west).objects.get(pk=org.west.pk),
            name="West Renamed",
            parent=type(org.ops).objects.get(pk=org.ops.pk),
            admins=[User.objects.get(pk=west_staff.pk)],
        )
        return department

    assert_all_or_nothing(run)


def test_position_update_with_its_rights(owner, org, west_staff):
    def run():
        org_services.position_update(
            actor=owner,
            position=type(org.publisher).objects.get(pk=org.publisher.pk),
            name="Senior publisher",
            permissions=catalogue("view_campaigns", "manage_staff"),
            requires_2fa=True,
        )

    assert_all_or_nothing(run)


def test_tenant_sign_up(db):
    def run():
        tenant_sign_up(
            tenant_name="Initech",
            slug="initech",
            kind="shop",
            username="initech_owner",
            email="owner@initech.example",
            password=PASSWORD,
            ip="198.51.100.7",
        )

    assert_all_or_nothing(run)


def test_individual_sign_up(db):
    def run():
        individual_sign_up(username="solo", email="solo@example.com", password=PASSWORD, display_name="Solo", ip="198.51.100.7")

    assert_all_or_nothing(run)


def test_a_buyer_starting_a_conversation(owner):
    group = ChatGroup.objects.create(tenant=owner.tenant, name="Pre-sales")

    def run():
        chat_services.conversation_start(group=group, nickname="buyer", body="Hello, is it in stock?", ip="198.51.100.7")

    assert_all_or_nothing(run)


def test_effect_report_upload(owner):
    from campaigns import services as campaign_services
    from tests.campaigns.test_effects import csv_bytes, day, line
    from tests.personas import campaign, enroll

    sale = campaign(owner, "Autumn sale", scope_whole_tenant=True)
    products = [enroll(sale, f"65123456{n:02d}", f"Product {n}") for n in range(3)]
    for product in products:
        campaign_services.enrollment_approve(actor=owner, product=product)
    raw = csv_bytes(*[line(product, day(offset)) for product in products for offset in (1, 2)])

    def run():
        return campaign_services.effect_upload(actor=owner, tenant=owner.tenant, raw=raw)

    assert assert_all_or_nothing(run).writes >= 2


# --- Bulk actions (the operators' admin) --------------------------------------------------------


@pytest.fixture
def operator_client(operator, settings):
    settings.ADMIN_REQUIRES_SECOND_FACTOR = False
    operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


SESSION_TABLES = {"qsessions.Session"}


def test_admin_turning_off_two_factor_for_several_users(operator_client, owner, plain_staff, west_staff):
    users = [owner, plain_staff, west_staff]
    for user in users:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    url = reverse("admin:accounts_user_changelist")

    def run():
        return operator_client.post(url, {"action": "reset_two_factor", "_selected_action": [u.pk for u in users]})

    done = assert_all_or_nothing(run, ignore=SESSION_TABLES)
    assert done.result.status_code == 302
    assert not TOTPDevice.objects.exists()


def test_admin_retrying_several_failed_deliveries(operator_client, owner, plain_staff):
    for subject in ("one", "two", "three"):
        notification_send(recipient=owner, subject=subject, backends=["console"])
    Delivery.objects.update(status=Delivery.Status.FAILED, attempts=5)
    url = reverse("admin:accounts_delivery_changelist")

    def run():
        return operator_client.post(
            url, {"action": "retry_failed", "_selected_action": list(Delivery.objects.values_list("pk", flat=True))}
        )

    done = assert_all_or_nothing(run, ignore=SESSION_TABLES)
    assert done.result.status_code == 302
    assert not Delivery.objects.filter(status=Delivery.Status.FAILED).exists()


def _pending_verifications(*people):
    from accounts.services.identity import verification_submit
    from tests.accounts.identity_helpers import valid_id

    return [
        verification_submit(actor=person, real_name=name, id_number=valid_id(n), mobile=f"1390000000{n}")
        for n, (person, name) in enumerate(zip(people, ("张伟", "李娜")), start=1)
    ]


def test_admin_approving_several_verifications(operator_client, plain_staff, west_staff):
    from accounts.models import IdentityVerification

    verifications = _pending_verifications(plain_staff, west_staff)
    url = reverse("admin:accounts_identityverification_changelist")

    def run():
        return operator_client.post(url, {"action": "approve_selected", "_selected_action": [v.pk for v in verifications]})

    done = assert_all_or_nothing(run, ignore=SESSION_TABLES)
    assert done.result.status_code == 302
    assert set(IdentityVerification.objects.values_list("status", flat=True)) == {"verified"}


def test_admin_rejecting_several_verifications(operator_client, plain_staff, west_staff):
    from accounts.models import IdentityVerification

    verifications = _pending_verifications(plain_staff, west_staff)
    url = reverse("admin:accounts_identityverification_changelist")

    def run():
        return operator_client.post(
            url,
            {
                "action": "reject_selected",
                "apply": "1",
                "reason": "The photo does not match",
                "_selected_action": [v.pk for v in verifications],
            },
        )

    done = assert_all_or_nothing(run, ignore=SESSION_TABLES)
    assert done.result.status_code == 302
    assert set(IdentityVerification.objects.values_list("status", flat=True)) == {"rejected"}


def test_handing_over_campaigns_and_products(world):
    """R-16: the hand-over moves every product and campaign in one atomic step."""
    from campaigns.models import EnrolledProduct

    def run():
        return staff_services.staff_hand_over(
            actor=User.objects.get(pk=world.owner.pk),
            from_staff=User.objects.get(pk=world.reviewer_in.pk),
            to_staff=User.objects.get(pk=world.viewer_in.pk),
        )

    done = assert_all_or_nothing(run)
    assert done.result["contact_products"] == 1
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).contact_person_id == world.viewer_in.pk
