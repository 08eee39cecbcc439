"""The dashboard's panel cache (issue 27): every write to a campaigns table that the pending-review
and effect-figure panels, or the visibility behind them, read moves the tenant's data generation
(``accounts.data_generation``)."""

from django.db import migrations

from accounts.data_generation import migration_operation

TABLES = [
    ("campaigns_campaign", None),
    ("campaigns_enrolledproduct", None),
    ("campaigns_effectbycontact", None),
    # django-guardian's rows carry no tenant: theirs is the campaign's, or the contact person's.
    ("campaigns_campaignuserobjectpermission", ("campaigns_campaign", "content_object_id")),
    ("campaigns_campaigngroupobjectpermission", ("campaigns_campaign", "content_object_id")),
    ("campaigns_contactpersonuserobjectpermission", ("accounts_user", "content_object_id")),
    ("campaigns_contactpersongroupobjectpermission", ("accounts_user", "content_object_id")),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0021_data_generation"),
        ("campaigns", "0010_effect_window_campaign_totals"),
    ]

    operations = [migration_operation(TABLES)]
