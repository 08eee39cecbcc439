import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.models.audit import AuditLogIsAppendOnly
from accounts.services.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(owner):
    return audit_record(actor=owner, action="tenant.dingtalk_update", target=owner.tenant, before={"a": 1}, after={"a": 2})


def test_an_entry_records_actor_tenant_target_values_and_ip(client, owner):
    client.force_login(owner)
    client.post(
        reverse("accounts:dingtalk"),
        {"dingtalk_contact_name": "Boss", "dingtalk_mobile": "13912345678", "dingtalk_webhook": ""},
        REMOTE_ADDR="203.0.113.7",
    )

    entry = AuditEntry.objects.get(action="tenant.dingtalk_update")
    assert entry.actor == owner
    assert entry.tenant == owner.tenant
    assert entry.target_type == "accounts.tenant" and entry.target_id == str(owner.tenant.pk)
    assert entry.ip_address == "203.0.113.7"
    assert entry.created_at is not None


def test_the_model_refuses_to_change_an_entry(entry):
    entry.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "tenant.dingtalk_update"


def test_the_database_rejects_update_and_delete_on_every_backend(entry):
    """PostgreSQL (0003) and SQLite, the default (0009), both refuse at the database (R-22)."""
    table = AuditEntry._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'forged' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "tenant.dingtalk_update"


@pytest.mark.django_db(transaction=True)
def test_a_flush_still_empties_the_audit_log_and_the_rule_holds_after_it(tenant):
    """Emptying the database (tests, ``manage.py flush``) is the owner's TRUNCATE; no row edit passes."""
    from django.core.management import call_command

    entry = AuditEntry.objects.create(tenant=tenant, actor_label="system", action="demo.seed")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()

    entry = AuditEntry.objects.create(actor_label="system", action="demo.seed")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entry.pk])


def test_the_admin_shows_entries_read_only(client, operator, entry):
    client.force_login(operator)
    change_url = reverse("admin:accounts_auditentry_change", args=[entry.pk])

    assert client.get(reverse("admin:accounts_auditentry_changelist")).status_code == 200
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="action"' not in page.content
    assert client.post(change_url, {"action": "forged"}).status_code == 403
    assert client.post(reverse("admin:accounts_auditentry_delete", args=[entry.pk])).status_code == 403
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "tenant.dingtalk_update"


def test_owner_sees_only_their_tenant_and_can_filter(owner_client, owner, other_owner):
    audit_record(actor=owner, action="staff.add", target=owner, target_label="mine")
    audit_record(actor=other_owner, action="staff.add", target=other_owner, target_label="theirs")
    audit_record(actor=owner, action="department.create", target=owner, target_label="dept")

    page = owner_client.get(reverse("accounts:audit_log"), {"action": "staff."})
    labels = [e.target_label for e in page.context["page_obj"].object_list]
    assert labels == ["mine"]

    export = owner_client.get(reverse("accounts:audit_log_export"), {"action": "staff."}).content.decode("utf-8-sig")
    assert "mine" in export and "theirs" not in export and "dept" not in export


def test_export_neutralises_formulas(owner_client, owner):
    audit_record(actor=owner, action="staff.add", target=owner, target_label="=HYPERLINK(\"http://x\")")

    export = owner_client.get(reverse("accounts:audit_log_export")).content.decode("utf-8-sig")

    assert "'=HYPERLINK" in export


def test_audit_list_query_count_does_not_grow_with_rows(owner_client, owner, django_assert_max_num_queries):
    for i in range(30):
        audit_record(actor=owner, action="staff.update", target=owner, target_label=f"row{i}")
    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("accounts:audit_log"))
    assert len(response.context["page_obj"].object_list) == 25


def test_an_unregistered_action_cannot_reach_the_log(owner):
    """One registry names every action (issue 15): a typo is an error, not a new kind of entry."""
    with pytest.raises(ValueError):
        audit_record(actor=owner, action="staff.ad", target=owner)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("language, label, system", [("en", "Staff account added", "System"), ("zh-hans", "添加员工账号", "系统")])
def test_the_audit_page_shows_actions_and_the_system_in_the_readers_language(owner_client, owner, settings, language, label, system):
    settings.LANGUAGE_CODE = language
    audit_record(actor=owner, action="staff.add", target=owner, target_label="mine")
    audit_record(actor=None, tenant=owner.tenant, action="campaign.ending_alerts", target_label="cron")

    page = owner_client.get(reverse("accounts:audit_log")).content.decode()

    assert label in page and system in page
    assert ">staff.add<" not in page and ">system<" not in page


def test_every_action_has_a_label_in_both_languages():
    from django.utils import translation

    from accounts.models import AuditAction

    def labels(language):
        with translation.override(language):
            return {action.value: str(action.label) for action in AuditAction}

    english, chinese = labels("en"), labels("zh-hans")
    assert [code for code in english if english[code] == chinese[code]] == []


def test_the_audit_page_shows_each_change_as_old_then_new(owner_client, owner):
    audit_record(
        actor=owner,
        action="staff.update",
        target=owner,
        before={"position": "Clerk", "is_department_admin": False, "permissions": []},
        after={"position": "Publisher", "is_department_admin": True, "permissions": ["view_campaigns", "publish_campaigns"]},
    )

    page = owner_client.get(reverse("accounts:audit_log")).content.decode()

    assert "Clerk → Publisher" in page
    assert "— → View campaigns only, Publish campaigns" in page  # the catalogue's words, not its codes
    assert "No → Yes" in page
    assert "{&#x27;" not in page and "{'" not in page
