"""The dashboard's panels served from a cache kept by the writers (issue 27, ``accounts.dashboard``,
``accounts.data_generation``): every write to a table a panel reads moves the tenant's data
generation in the database, so a bare ``queryset.update()``, insert or delete shows at the very
next request; the panels are kept per viewer, so nobody is served another's figures."""

import re

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from accounts import dashboard
from accounts.data_generation import data_generation, prune
from accounts.models import AuditEntry, DataChange, Delivery, Invitation, Notification, User
from campaigns.models import (
    Campaign,
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
    EffectByContact,
    EnrolledProduct,
)
from operations.models import OperationBinding, TaskOrder
from orgchart.models import Department, Position
from tests.factories import OwnerFactory, StaffFactory
from tests.personas import hire, other_shop

DASHBOARD = reverse("accounts:dashboard")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def panels_of(client, user):
    """The dashboard's panels of ``user`` as HTML, CSRF tokens blanked (logging in only when
    ``user`` is not already: a login writes the user row, which moves the generations)."""
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    grid = page[page.index('<div class="dashboard-grid">') :]
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', grid)


def pending_count(client, user):
    panel = re.search(r'data-testid="panel-pending-reviews">(.*?)</section>', panels_of(client, user), re.S).group(1)
    return re.search(r"data-count>([^<]*)<", panel).group(1)


def _row(world, model):
    if model is Notification:
        return Notification.objects.create(tenant=world.tenant, recipient=world.reviewer_in, subject="s")
    if model is Delivery:
        notification = Notification.objects.create(tenant=world.tenant, recipient=world.owner, subject="s")
        return Delivery.objects.create(tenant=world.tenant, notification=notification, backend=Delivery.Backend.DINGTALK)
    if model in (OperationBinding, TaskOrder):
        shop = other_shop(world)
        return shop.binding if model is OperationBinding else shop.order
    if model in (ContactPersonUserObjectPermission, ContactPersonGroupObjectPermission):
        from campaigns.visibility.rights import VIEW_CONTACT_PRODUCTS, permission_id

        if model is ContactPersonUserObjectPermission:
            return model.objects.create(
                user=world.owner, content_object=world.viewer_in, permission_id=permission_id(VIEW_CONTACT_PRODUCTS)
            )
        group = world.viewer_in.groups.first()
        return model.objects.create(
            group=group, content_object=world.viewer_in, permission_id=permission_id(VIEW_CONTACT_PRODUCTS)
        )
    if model in (CampaignUserObjectPermission, CampaignGroupObjectPermission):
        return model.objects.filter(content_object__tenant=world.tenant).first()
    if model is User:
        return world.viewer_in
    return model._base_manager.filter(tenant=world.tenant).first()


SOURCES = [
    User,
    Invitation,
    Notification,
    Delivery,
    AuditEntry,
    Department,
    Position,
    Campaign,
    EnrolledProduct,
    EffectByContact,
    CampaignUserObjectPermission,
    CampaignGroupObjectPermission,
    ContactPersonUserObjectPermission,
    ContactPersonGroupObjectPermission,
    OperationBinding,
    TaskOrder,
]


@pytest.mark.parametrize("model", SOURCES, ids=lambda m: m.__name__)
def test_every_bare_write_to_a_source_table_moves_its_tenants_generation(world, model):
    row = _row(world, model)
    assert row is not None, f"the world has no {model.__name__} row"
    tenant_id = Campaign.objects.get(pk=row.content_object_id).tenant_id if model in (
        CampaignUserObjectPermission,
        CampaignGroupObjectPermission,
    ) else (User.objects.get(pk=row.content_object_id).tenant_id if hasattr(row, "content_object_id") else row.tenant_id)
    other = world.other_owner.tenant_id if tenant_id == world.tenant.pk else world.tenant.pk
    manager = model._base_manager  # no application code in the way: what a shell or a raw statement does

    before, other_before = data_generation(tenant_id), data_generation(other)
    if model is AuditEntry:  # append-only, in the database too: only inserts happen
        row.pk = None
        manager.bulk_create([row])
        assert data_generation(tenant_id) != before
        return
    pk = model._meta.pk.attname
    manager.filter(pk=row.pk).update(**{pk: F(pk)})
    updated = data_generation(tenant_id)
    manager.filter(pk=row.pk)._raw_delete(manager.db)
    deleted = data_generation(tenant_id)
    manager.bulk_create([row])
    inserted = data_generation(tenant_id)

    assert len({before, updated, deleted, inserted}) == 4
    assert data_generation(other) == other_before  # another tenant's kept dashboards stay


def test_a_bare_insert_and_update_show_at_the_next_request(client, world, django_assert_max_num_queries):
    assert pending_count(client, world.owner) == "2"
    with django_assert_max_num_queries(4):  # warm: session, user generation, data generation
        assert pending_count(client, world.owner) == "2"

    copy = EnrolledProduct.objects.get(pk=world.p_pending.pk)
    copy.pk, copy.product_id = None, "1000099"
    EnrolledProduct.objects.bulk_create([copy])
    assert pending_count(client, world.owner) == "3"

    EnrolledProduct.objects.filter(campaign__tenant=world.tenant, status=EnrolledProduct.Status.PENDING).update(
        status=EnrolledProduct.Status.REJECTED
    )
    assert pending_count(client, world.owner) == "0"


def test_a_new_alert_shows_at_the_next_request(client, world):
    before = panels_of(client, world.reviewer_in)
    Notification.objects.create(
        tenant=world.tenant, recipient=world.reviewer_in, subject="佣金提醒 X", kind=Notification.Kind.COMMISSION_ALERT
    )
    assert "佣金提醒 X" not in before
    assert "佣金提醒 X" in panels_of(client, world.reviewer_in)


PERSONAS = ["owner", "admin_l1", "admin_l2", "viewer_in", "reviewer_in", "outsider", "sibling_viewer", "other_staff"]


def test_nobody_is_served_another_viewers_panels(client, world):
    # Each viewer's panels built alone, from an empty cache …
    alone = {}
    for persona in PERSONAS:
        dashboard.clear()
        alone[persona] = panels_of(client, getattr(world, persona))
    # … are what each is served while everyone's are kept, in either order.
    for order in (PERSONAS, PERSONAS[::-1]):
        for persona in order:
            assert panels_of(client, getattr(world, persona)) == alone[persona], persona
    # The figures of the whole tenant are not an admin's, nor one reviewer's pending products another's.
    assert alone["owner"] != alone["admin_l1"]
    assert alone["reviewer_in"] != alone["outsider"]
    assert alone["admin_l1"] != alone["other_staff"]


def test_what_moves_with_the_clock_is_rebuilt_after_the_expiry(client, world, monkeypatch):
    built = []
    real = dashboard.panels_for
    monkeypatch.setattr(dashboard, "panels_for", lambda request: built.append(1) or real(request))
    panels_of(client, world.owner)
    panels_of(client, world.owner)
    assert len(built) == 1

    now = dashboard.time.monotonic()
    monkeypatch.setattr(dashboard.time, "monotonic", lambda: now + dashboard.CACHE_SECONDS + 1)
    panels_of(client, world.owner)
    assert len(built) == 2


def test_each_request_gets_its_own_csrf_token_in_kept_panels(client, world):
    hire(world.owner, "pending_one", world.departments.kefu, world.viewer_in.position, bind=False)
    client.force_login(world.owner)
    for _ in range(2):  # built, then kept
        page = client.get(DASHBOARD).content.decode()
        invitations = re.search(r'data-testid="panel-invitations">(.*?)</section>', page, re.S).group(1)
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', invitations)
        assert tokens and all(len(token) == 64 for token in tokens)
        assert dashboard.CSRF_HOLE not in page



def test_pruning_keeps_the_dashboard_correct(client, world):
    for n in range(3):  # three more log rows for the tenant (PostgreSQL)
        EnrolledProduct.objects.filter(pk=world.p_pending.pk).update(product_id=f"100009{n}")
    assert pending_count(client, world.owner) == "2"
    kept = data_generation(world.tenant.pk)

    deleted = prune()
    if connection.vendor == "postgresql":
        assert deleted > 0
        assert DataChange.objects.filter(tenant_id=world.tenant.pk).count() == 1
    assert data_generation(world.tenant.pk) == kept  # the count moved to the row kept: no reader misses
    assert prune() == 0  # nothing left to fold; safe to run again

    EnrolledProduct.objects.filter(pk=world.p_pending.pk).update(status=EnrolledProduct.Status.REJECTED)
    assert data_generation(world.tenant.pk) != kept
    assert pending_count(client, world.owner) == "1"


def _open_write(user):
    """A second connection to the test database, in a transaction that has written ``user``'s row
    (a tracked table) and not committed; the caller commits or rolls it back and closes it."""
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )
    other.execute("UPDATE accounts_user SET display_name = 'A' WHERE id = %s", [user.pk])
    return other


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tenants_writers_do_not_wait_on_each_other_and_a_late_commit_moves_the_generation():
    owner = OwnerFactory()
    staff = StaffFactory(tenant=owner.tenant)
    a = _open_write(owner)  # A took its log id first and holds its transaction open
    try:
        with transaction.atomic():  # B, same tenant, commits first; it would time out on a shared row
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            User.objects.filter(pk=staff.pk).update(display_name="B")
        before = data_generation(owner.tenant_id)
        a.commit()
    finally:
        a.close()
    after = data_generation(owner.tenant_id)
    # A's id is below B's: the highest id stayed, the generation moved all the same.
    assert after[1] == before[1]
    assert after != before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_commit_out_of_order_across_prunes_still_moves_the_generation():
    owner = OwnerFactory()
    staff = StaffFactory(tenant=owner.tenant)
    a = _open_write(owner)
    try:
        User.objects.filter(pk=staff.pk).update(display_name="B")
        User.objects.filter(pk=staff.pk).update(display_name="C")
        prune()  # folds what it sees; A's row, not committed yet, is not among it
        seen = data_generation(owner.tenant_id)
        a.commit()
    finally:
        a.close()
    prune()  # now folds A's row too: a reader keyed before A's commit must still miss
    assert DataChange.objects.filter(tenant_id=owner.tenant_id).count() == 1
    assert data_generation(owner.tenant_id) != seen


def test_the_worker_and_the_command_prune(world):
    from io import StringIO

    from django.core.management import call_command

    from accounts.tasks import prune_data_changes_periodic

    EnrolledProduct.objects.filter(pk=world.p_pending.pk).update(product_id="1000091")
    kept = data_generation(world.tenant.pk)
    out = StringIO()
    call_command("prune_data_changes", stdout=out)
    assert "change-log rows folded" in out.getvalue()
    assert prune_data_changes_periodic.call() == 0  # already folded; it re-queues itself (not in tests)
    assert data_generation(world.tenant.pk) == kept
    if connection.vendor == "postgresql":
        assert DataChange.objects.filter(tenant_id=world.tenant.pk).count() == 1
