"""Trigram indexes for the list searches on PostgreSQL (R-41: 20,000 campaigns, 1,000,000 products).

The searches are ``icontains`` filters, which Django writes as ``UPPER(col) LIKE UPPER(%s)``;
a GIN index over ``UPPER(col) gin_trgm_ops`` answers them without reading every row. SQLite has
neither the extension nor GIN, and scans its small tables, so nothing is done there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "campaigns_campaign_title_trgm": "campaigns_campaign USING gin (UPPER(title) gin_trgm_ops)",
    "campaigns_product_title_trgm": "campaigns_enrolledproduct USING gin (UPPER(title) gin_trgm_ops)",
    "campaigns_product_shop_trgm": "campaigns_enrolledproduct USING gin (UPPER(shop_name) gin_trgm_ops)",
    "campaigns_product_tenant_pid": "campaigns_enrolledproduct (tenant_id, product_id)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0006_grant_existing_contact_persons")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
