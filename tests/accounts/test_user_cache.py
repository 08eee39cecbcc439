"""The logged-in user and its permission set come from a cache keyed by a generation the database
keeps (issue 27, ``accounts.user_cache``): every way of writing — a service, ``queryset.update()``,
a link-table delete, a position's permissions — refuses or re-reads at the very next request
(R-14, R-15), and a request on a warm cache reads one small row and nothing else."""

from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.user_cache import generation_key
from accounts.services.staff import staff_disable
from tests.personas import catalogue

CAMPAIGNS = "/campaigns/"


def user_keys():
    return [key for key in cache._cache if ":user:" in key]


def refused(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_disabled_through_the_service_the_very_next_request_is_refused(client, owner, plain_staff):
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200
    assert user_keys(), "the user was not cached: this test would prove nothing"

    staff_disable(actor=owner, staff=plain_staff)

    assert refused(client.get(CAMPAIGNS))


def test_deactivated_by_a_bare_queryset_update_the_very_next_request_is_refused(client, plain_staff):
    """No service, no signal, no save(): only the database trigger can retire the copy."""
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200
    assert client.get(CAMPAIGNS).status_code == 200  # served from the cached copy
    before = generation_key(plain_staff.pk)

    User.objects.filter(pk=plain_staff.pk).update(is_active=False)

    assert generation_key(plain_staff.pk) != before
    assert refused(client.get(CAMPAIGNS))


def test_a_right_removed_through_the_position_link_table_applies_at_the_next_request(client, org, plain_staff):
    """A bulk delete of the position's permission rows, past ``m2m_changed`` and every service."""
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200

    org.clerk.permissions.through.objects.filter(position_id=org.clerk.pk).delete()

    assert client.get(CAMPAIGNS).status_code == 403


def test_a_supplementary_right_inserted_in_bulk_applies_at_the_next_request(client, owner, org, plain_staff):
    org.clerk.permissions.through.objects.filter(position_id=org.clerk.pk).delete()
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 403

    through = User.user_permissions.through
    through.objects.bulk_create([through(user_id=plain_staff.pk, permission=p) for p in catalogue("view_campaigns")])

    assert client.get(CAMPAIGNS).status_code == 200


def test_a_changed_tenant_row_is_read_afresh(client, owner):
    client.force_login(owner)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    type(owner.tenant).objects.filter(pk=owner.tenant_id).update(name="新店名 Renamed")

    assert "新店名 Renamed" in client.get(reverse("accounts:dashboard")).content.decode()


def test_a_deleted_permission_row_moves_its_holders_generation(plain_staff):
    before = generation_key(plain_staff.pk)
    Permission.objects.filter(pk__in=plain_staff.position.permissions.values("pk")[:1]).delete()
    assert generation_key(plain_staff.pk) != before


def test_a_warm_request_reads_only_the_generation_row(client, plain_staff):
    client.force_login(plain_staff)
    client.get(reverse("accounts:inbox"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("accounts:inbox")).status_code == 200
    sql = [q["sql"] for q in queries]
    user_reads = [q for q in sql if 'FROM "accounts_user"' in q or "FROM accounts_user" in q]
    assert len(user_reads) == 1 and "cache_generation" in user_reads[0]
    assert not [q for q in sql if "auth_permission" in q]


def test_a_right_moved_by_an_update_of_its_position_link_row_applies_at_the_next_request(client, org, plain_staff):
    """A ``queryset.update()`` of the position's permission row, in place: neither an INSERT nor a
    DELETE, yet the cached permission set must not outlive it (R-14)."""
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200
    other = Permission.objects.get(content_type__app_label="auth", codename="view_group")  # not a catalogue right

    moved = org.clerk.permissions.through.objects.filter(position_id=org.clerk.pk).update(permission=other)

    assert moved == 1
    assert client.get(CAMPAIGNS).status_code == 403
