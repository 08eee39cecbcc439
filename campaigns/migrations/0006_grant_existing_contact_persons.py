"""Give every existing staff account its contact-person grants and fill the new rollup."""

from django.db import migrations

SUMS = "SUM(e.clicks), SUM(e.paid_orders), SUM(e.paid_amount), SUM(e.estimated_service_fee)"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    PersonGrant = apps.get_model("campaigns", "ContactPersonUserObjectPermission")
    GroupGrant = apps.get_model("campaigns", "ContactPersonGroupObjectPermission")
    content_type, _created = ContentType.objects.get_or_create(app_label="accounts", model="user")
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_contact_products",
        defaults={"name": "View the products and effect data this person is contact person of"},
    )
    staff = list(User.objects.filter(kind="staff").values_list("pk", "overseer_group_id"))
    PersonGrant.objects.bulk_create(
        [PersonGrant(content_object_id=pk, user_id=pk, permission=permission) for pk, _group in staff],
        ignore_conflicts=True,
    )
    GroupGrant.objects.bulk_create(
        [GroupGrant(content_object_id=pk, group_id=group, permission=permission) for pk, group in staff if group],
        ignore_conflicts=True,
    )
    schema_editor.execute(
        "INSERT INTO campaigns_effectbycampaigncontact (tenant_id, date, campaign_id, contact_person_id, "
        "clicks, paid_orders, paid_amount, estimated_service_fee) "
        f"SELECT e.tenant_id, e.date, e.campaign_id, p.contact_person_id, {SUMS} FROM campaigns_effectdaily e "
        "JOIN campaigns_enrolledproduct p ON p.id = e.product_id "
        "GROUP BY e.tenant_id, e.date, e.campaign_id, p.contact_person_id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_contact_person_grants"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
