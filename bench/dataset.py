"""Build the R-41 dataset on PostgreSQL: 10,000 small tenants plus one large tenant.

The large tenant's org (100 departments in 3 levels, 50 staff, positions) is made through the
real services so its trees, scope groups and audit entries are exactly what the app makes.
The bulk (20,000 campaigns, 1,000,000 products, 30,000,000 effect rows, their grants, and the
small tenants) is generated inside PostgreSQL with ``INSERT … SELECT generate_series`` and the
grant rules of ``campaigns.visibility`` written out in SQL, which loads in minutes.

``scale`` multiplies every bulk count (1.0 is R-41); the org of the large tenant stays full size.
"""

import datetime
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

BIG_SLUG = "bigshop"
PASSWORD = "Bench-pass-2026"

FULL = {
    "small_tenants": 10_000,
    "campaigns": 20_000,
    "products": 1_000_000,
    "effect_days": 30,
}


@dataclass
class Personas:
    tenant_id: int
    owner: str
    admin_l1: str
    staff_l3: str
    owner_id: int
    admin_l1_id: int
    staff_l3_id: int


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def counts(scale):
    return {
        "small_tenants": max(10, int(FULL["small_tenants"] * scale)),
        "campaigns": max(40, int(FULL["campaigns"] * scale)),
        "products": max(400, int(FULL["products"] * scale)),
        "effect_days": FULL["effect_days"],
    }


def _sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def _scalar(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchone()[0]


@contextmanager
def bulk_loading(*tables):
    """Drop the foreign keys, unique constraints and secondary indexes of ``tables`` while rows
    are loaded, then put every one back (validated in one pass each instead of per row)."""
    constraints, indexes = [], []
    for table in tables:
        constraints += _rows(
            "SELECT %s, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
            [table, table],
        )
        indexes += _rows(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
    for table, name, _definition in constraints:
        _sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        _sql(f'DROP INDEX "{name}"')
    yield
    for _name, definition in indexes:
        _sql(definition)
    for table, name, definition in reversed(constraints):
        _sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _perm_id(app_label, codename):
    return _scalar(
        "SELECT p.id FROM auth_permission p JOIN django_content_type c ON c.id = p.content_type_id "
        "WHERE c.app_label = %s AND p.codename = %s",
        [app_label, codename],
    )


def build_big_org():
    """The large tenant: owner, 100 departments (4 × 4 × 5), 5 positions, 50 bound staff."""
    from accounts.models import Tenant, User
    from accounts.services.staff import invitation_accept_on_behalf, staff_add
    from accounts import permissions as catalogue
    from orgchart.services import department_create, position_create

    tenant = Tenant.objects.create(
        slug=BIG_SLUG,
        name="大型招商服务商",
        kind=Tenant.Kind.SERVICE_PROVIDER,
        dingtalk_contact_name="老板",
        dingtalk_mobile="13800000000",
        dingtalk_completed_at=timezone.now(),
        staff_quota=60,
    )
    owner = User(username="big_owner", tenant=tenant, kind=User.Kind.OWNER, bound_at=timezone.now())
    owner.set_password(PASSWORD)
    owner.save()
    perms = {p.codename: p for p in catalogue.catalogue_permissions()}

    def position(name, codes):
        return position_create(actor=owner, tenant=tenant, name=name, permissions=[perms[c] for c in codes])

    all_campaign = [catalogue.VIEW_CAMPAIGNS, catalogue.PUBLISH_CAMPAIGNS, catalogue.REVIEW_ENROLLMENTS]
    lead = position("主管", [*all_campaign, catalogue.VIEW_EFFECT_DATA, catalogue.COMMISSION_ALERTS])
    merchandiser = position("招商专员", [*all_campaign, catalogue.VIEW_EFFECT_DATA])
    position("运营", [catalogue.VIEW_CAMPAIGNS, catalogue.VIEW_EFFECT_DATA])
    position("审核员", [catalogue.VIEW_CAMPAIGNS, catalogue.REVIEW_ENROLLMENTS])
    position("客服", [catalogue.CUSTOMER_CHAT])

    level1, level2, level3 = [], [], []
    with transaction.atomic():
        for a in range(4):
            top = department_create(actor=owner, tenant=tenant, name=f"事业部{a + 1}")
            level1.append(top)
            for b in range(4):
                middle = department_create(actor=owner, tenant=tenant, name=f"大组{b + 1}", parent=top)
                level2.append(middle)
                for c in range(5):
                    level3.append(department_create(actor=owner, tenant=tenant, name=f"小组{c + 1}", parent=middle))

    people = []

    def hire(name, department, pos, admin=False):
        staff, link = staff_add(
            actor=owner,
            tenant=tenant,
            display_name=name,
            account_name=name,
            mobile=f"139{len(people):08d}",
            department=department,
            position=pos,
            is_department_admin=admin,
        )
        invitation_accept_on_behalf(token=link.rstrip("/").rsplit("/", 1)[-1], password=PASSWORD)
        people.append(staff)
        return staff

    for index, department in enumerate(level1):
        hire(f"l1admin{index + 1}", department, lead, admin=True)
    for index in range(6):
        hire(f"l2admin{index + 1}", level2[index * 2], lead, admin=True)
    for index in range(40):
        hire(f"staff{index + 1:02d}", level3[(index * 2) % len(level3)], merchandiser)
    return tenant, owner, people


def build(scale=1.0):
    """Build everything; return the personas whose pages the benchmark measures."""
    from accounts.models import User

    n = counts(scale)
    started = time.monotonic()
    log(f"building at scale {scale}: {n}")
    tenant, owner, people = build_big_org()
    log("large tenant org built (100 departments, 50 staff)")
    _sql("SET synchronous_commit = off")
    _sql("SET maintenance_work_mem = '1GB'")
    _sql("SET work_mem = '256MB'")  # the rollups group 30 M rows: hash them in memory, not on disk
    _small_tenants(n["small_tenants"])
    log(f"{n['small_tenants']} small tenants")
    _campaigns(tenant, owner, people, n["campaigns"])
    log(f"{n['campaigns']} campaigns and their grants")
    _products(tenant, owner, n["products"])
    log(f"{n['products']} products")
    _effects(tenant, n["effect_days"])
    log(f"{n['products'] * n['effect_days']} effect rows")
    from campaigns import rollups, windows

    rollups.refresh_tenant(tenant.pk)
    log("daily rollups per contact person and per campaign")
    step = time.monotonic()
    windows.rebuild(tenant.pk)  # what `manage.py refresh_effect_windows` does after midnight
    log(f"7/30/90-day totals per campaign and per contact person rebuilt in {time.monotonic() - step:.1f} s")
    _generic_grants(tenant)
    log("generic guardian grants for the comparison (a)")
    _sql("ANALYZE")
    log(f"dataset built in {time.monotonic() - started:.0f} s")
    admin = User.objects.get(tenant=tenant, account_name="l1admin1")
    staff = User.objects.get(tenant=tenant, account_name="staff01")
    return Personas(
        tenant_id=tenant.pk,
        owner=owner.username,
        admin_l1=admin.username,
        staff_l3=staff.username,
        owner_id=owner.pk,
        admin_l1_id=admin.pk,
        staff_l3_id=staff.pk,
    )


def _small_tenants(count):
    """Each: a tenant, its owner, one department (its own mptt tree), 2 campaigns, 10 products."""
    now = timezone.now()
    base_tree = _scalar("SELECT COALESCE(MAX(tree_id), 0) FROM orgchart_department")
    _sql(
        """
        INSERT INTO accounts_tenant (slug, name, kind, staff_quota, temporary_quota, dingtalk_contact_name,
            dingtalk_mobile, dingtalk_webhook, dingtalk_secret, dingtalk_completed_at, created_at)
        SELECT 'shop' || g, '小店' || g, 'shop', 50, 20, '店主', '13900000000', '', '', %s, %s
        FROM generate_series(1, %s) g
        """,
        [now, now, count],
    )
    _sql(
        """
        INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
            is_active, date_joined, kind, account_name, display_name, mobile, status, is_department_admin,
            identity_status, tenant_id, bound_at)
        SELECT '!', false, t.slug || '_owner', '', '', '', false, true, %s, 'owner', '', '店主', '', 'active', false,
            'unverified', t.id, %s
        FROM accounts_tenant t WHERE t.slug LIKE 'shop%%'
        """,
        [now, now],
    )
    _sql(
        """
        INSERT INTO orgchart_department (name, created_at, lft, rght, tree_id, level, tenant_id)
        SELECT '运营部', %s, 1, 2, %s + row_number() OVER (ORDER BY t.id), 0, t.id
        FROM accounts_tenant t WHERE t.slug LIKE 'shop%%'
        """,
        [now, base_tree],
    )
    today = timezone.localdate()
    _sql(
        """
        INSERT INTO campaigns_campaign (is_official, title, description, starts_on, ends_on, commission_rate,
            service_fee_rate, review_mode, scope_whole_tenant, is_legacy, is_published, public_token, created_at,
            updated_at, creator_id, tenant_id)
        SELECT false, '小店活动' || k, '', %s, %s, 10, 3, 'manual', true, false, true,
            md5(t.id::text || '-' || k), %s, %s, u.id, t.id
        FROM accounts_tenant t JOIN accounts_user u ON u.tenant_id = t.id AND u.kind = 'owner'
        CROSS JOIN generate_series(1, 2) k
        WHERE t.slug LIKE 'shop%%'
        """,
        [today - datetime.timedelta(days=30), today + datetime.timedelta(days=30), now, now],
    )
    _sql(
        """
        INSERT INTO campaigns_enrolledproduct (shop_name, product_id, product_url, title, price,
            proposed_commission_rate, merchant_contact, status, reject_reason, attention, is_legacy, created_at,
            campaign_id, contact_person_id, tenant_id)
        SELECT '商家', (c.id * 100 + k)::text, '', '商品' || k, 99, 10, '联系人', 'approved', '', 'normal', false, %s,
            c.id, c.creator_id, c.tenant_id
        FROM campaigns_campaign c CROSS JOIN generate_series(1, 5) k
        WHERE c.tenant_id IN (SELECT id FROM accounts_tenant WHERE slug LIKE 'shop%%')
        """,
        [now],
    )


def _campaigns(tenant, owner, people, count):
    """Mixed scopes: 25% whole organisation, 40% 1–3 departments, 25% 1–5 named staff, 10% legacy."""
    now = timezone.now()
    today = timezone.localdate()
    publishers = [p.pk for p in people]
    _sql(
        """
        INSERT INTO campaigns_campaign (is_official, title, description, starts_on, ends_on, commission_rate,
            service_fee_rate, review_mode, scope_whole_tenant, is_legacy, is_published, public_token, created_at,
            updated_at, creator_id, contact_person_id, tenant_id)
        SELECT false,
            (ARRAY['双十一','年货节','618','女王节','开学季','国庆','周年庆','春上新'])[1 + g %% 8]
                || (ARRAY['服饰','美妆','数码','家居','食品','母婴','运动','箱包'])[1 + (g / 8) %% 8] || '招商 ' || g,
            '', %s::date - (g %% 120), %s::date - (g %% 120) + 30 + g %% 60, 10 + g %% 30, 2 + g %% 8,
            CASE WHEN g %% 7 = 0 THEN 'automatic' ELSE 'manual' END,
            false, false, true, md5('big-' || g), %s, %s, %s, %s, %s
        FROM generate_series(1, %s) g
        """,
        [today, today, now, now, owner.pk, owner.pk, tenant.pk, count],
    )
    # Scope kind, creator and contact person from independent hashes of the id, so that none of
    # them follows another (or a product's status) by accident of arithmetic.
    _sql(
        f"""
        UPDATE campaigns_campaign SET
            scope_whole_tenant = {_bucket("id", 20)} < 5,
            is_legacy = {_bucket("id", 20)} >= 18,
            creator_id = CASE WHEN {_bucket("id", 20)} >= 18 THEN %s
                              ELSE (%s::bigint[])[1 + {_bucket("id * 3 + 1", len(publishers))}] END,
            contact_person_id = (%s::bigint[])[1 + {_bucket("id * 5 + 2", len(publishers))}]
        WHERE tenant_id = %s
        """,
        [owner.pk, publishers, publishers, tenant.pk],
    )
    departments = [d for (d,) in _rows("SELECT id FROM orgchart_department WHERE tenant_id = %s ORDER BY id", [tenant.pk])]
    _sql(
        f"""
        INSERT INTO campaigns_campaign_scope_departments (campaign_id, department_id)
        SELECT DISTINCT c.id, (%s::bigint[])[1 + (c.id * (k + 3) + k) %% %s]
        FROM campaigns_campaign c CROSS JOIN generate_series(0, 2) k
        WHERE c.tenant_id = %s AND NOT c.is_legacy AND NOT c.scope_whole_tenant
          AND {_bucket("c.id", 20)} BETWEEN 5 AND 12 AND k <= c.id %% 3
        """,
        [departments, len(departments), tenant.pk],
    )
    staff_ids = [p.pk for p in people]
    _sql(
        f"""
        INSERT INTO campaigns_campaign_scope_staff (campaign_id, user_id)
        SELECT DISTINCT c.id, (%s::bigint[])[1 + (c.id * (k + 5) + k * 11) %% %s]
        FROM campaigns_campaign c CROSS JOIN generate_series(0, 4) k
        WHERE c.tenant_id = %s AND NOT c.is_legacy AND NOT c.scope_whole_tenant
          AND ({_bucket("c.id", 20)} BETWEEN 13 AND 17 OR ({_bucket("c.id", 20)} BETWEEN 5 AND 12 AND c.id %% 4 = 0))
          AND k <= c.id %% 5
        """,
        [staff_ids, len(staff_ids), tenant.pk],
    )
    _campaign_grants(tenant)


def _bucket(expression, buckets):
    """SQL for a well-spread bucket ``0 … buckets-1`` of an integer expression (PostgreSQL's hash)."""
    return f"(abs(hashint8(({expression})::bigint)) %% {buckets})"


def _rows(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall()


def _campaign_grants(tenant):
    """``campaigns.visibility.campaign_sync_grants`` for every campaign at once, in SQL."""
    view_id = _perm_id("campaigns", "view_campaign")
    scope_id = _perm_id("campaigns", "campaign_in_scope")
    _sql(
        """
        INSERT INTO campaigns_campaignuserobjectpermission (content_object_id, user_id, permission_id)
        SELECT c.id, c.creator_id, %s FROM campaigns_campaign c JOIN accounts_user u ON u.id = c.creator_id
        WHERE c.tenant_id = %s AND NOT c.is_legacy AND u.kind = 'staff'
        UNION
        SELECT s.campaign_id, s.user_id, %s FROM campaigns_campaign_scope_staff s
        JOIN campaigns_campaign c ON c.id = s.campaign_id WHERE c.tenant_id = %s AND NOT c.is_legacy
        ON CONFLICT DO NOTHING
        """,
        [view_id, tenant.pk, scope_id, tenant.pk],
    )
    _sql(
        """
        INSERT INTO campaigns_campaigngroupobjectpermission (content_object_id, group_id, permission_id)
        SELECT sd.campaign_id, d.member_group_id, %s FROM campaigns_campaign_scope_departments sd
        JOIN orgchart_department d ON d.id = sd.department_id WHERE d.tenant_id = %s
        UNION
        SELECT sd.campaign_id, d.admin_group_id, %s FROM campaigns_campaign_scope_departments sd
        JOIN orgchart_department d ON d.id = sd.department_id WHERE d.tenant_id = %s
        UNION
        SELECT s.campaign_id, u.overseer_group_id, %s FROM campaigns_campaign_scope_staff s
        JOIN accounts_user u ON u.id = s.user_id WHERE u.tenant_id = %s AND u.overseer_group_id IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        [scope_id, tenant.pk, view_id, tenant.pk, view_id, tenant.pk],
    )


def _products(tenant, owner, count):
    """85% approved, 10% pending, 5% rejected. An approved product's contact person is who
    reviewed it, so someone who sees its campaign (R-27): the campaign's creator for two in
    three, its campaign contact person for the rest. Legacy ones follow R-28 (the main account
    or nobody). No grant is written per product: visibility follows the contact-person grants
    the real services gave each staff account."""
    with bulk_loading("campaigns_enrolledproduct"):
        _load_products(tenant, owner, count)


def _load_products(tenant, owner, count):
    now = timezone.now()
    campaigns = _scalar("SELECT array_agg(id ORDER BY id) FROM campaigns_campaign WHERE tenant_id = %s", [tenant.pk])
    _sql(
        f"""
        INSERT INTO campaigns_enrolledproduct (shop_name, product_id, product_url, title, price,
            proposed_commission_rate, merchant_contact, status, reject_reason, attention, is_legacy, created_at,
            campaign_id, contact_person_id, tenant_id, reviewed_at)
        SELECT '商家' || (g %% 5000), (6000000000 + g)::text, '',
            (ARRAY['羊毛大衣','羽绒服','保湿精华','口红礼盒','蓝牙耳机','保温杯','坚果礼盒','运动鞋'])[1 + g %% 8] || ' ' || g,
            19 + g %% 500, 5 + g %% 40, '联系人',
            CASE WHEN {_bucket("g * 7 + 3", 20)} < 17 THEN 'approved'
                 WHEN {_bucket("g * 7 + 3", 20)} < 19 THEN 'pending' ELSE 'rejected' END,
            '', (ARRAY['high','normal','off'])[1 + g %% 3], c.is_legacy, %s,
            c.id,
            CASE WHEN {_bucket("g * 7 + 3", 20)} >= 17 THEN NULL
                 WHEN c.is_legacy THEN CASE WHEN g %% 2 = 0 THEN %s ELSE NULL END
                 WHEN {_bucket("g * 11 + 5", 3)} = 0 THEN c.contact_person_id
                 ELSE c.creator_id END,
            %s, CASE WHEN {_bucket("g * 7 + 3", 20)} < 17 THEN %s END
        FROM generate_series(1, %s) g
        JOIN campaigns_campaign c ON c.id = (%s::bigint[])[1 + {_bucket("g", len(campaigns))}]
        """,
        [now, owner.pk, tenant.pk, now, count, campaigns],
    )


def _effects(tenant, days):
    """``days`` consecutive days per product, starting somewhere in the last 90 days."""
    today = timezone.localdate()
    with bulk_loading("campaigns_effectdaily"):
        _sql(
            """
            INSERT INTO campaigns_effectdaily (date, clicks, paid_orders, paid_amount, estimated_service_fee,
                campaign_id, tenant_id, product_id)
            SELECT %s::date - 89 + (p.id %% 60)::int + d,
                (p.id * 7 + d * 13) %% 400,
                (p.id + d) %% 9,
                ((p.id + d) %% 9) * p.price,
                round(((p.id + d) %% 9) * p.price * p.proposed_commission_rate / 1000, 2),
                p.campaign_id, p.tenant_id, p.id
            FROM campaigns_enrolledproduct p CROSS JOIN generate_series(0, %s - 1) d
            WHERE p.tenant_id = %s
            """,
            [today, days, tenant.pk],
        )


def _generic_grants(tenant):
    """For comparison (a): the same visible sets as one generic guardian row per person per object,
    the way django-guardian is used by default (``assign_perm`` per user and object)."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import User
    from campaigns.models import Campaign, EnrolledProduct
    from campaigns.visibility import campaigns_visible_to, products_visible_to

    product_ct = ContentType.objects.get_for_model(EnrolledProduct).pk
    campaign_ct = ContentType.objects.get_for_model(Campaign).pk
    view_product = _perm_id("campaigns", "view_enrolledproduct")
    view_campaign = _perm_id("campaigns", "view_campaign")
    for user in User.objects.filter(tenant_id=tenant.pk, kind=User.Kind.STAFF):
        for queryset, ct, perm in (
            (products_visible_to(user), product_ct, view_product),
            (campaigns_visible_to(user), campaign_ct, view_campaign),
        ):
            sql, params = queryset.values("pk").query.sql_with_params()
            _sql(
                "INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id, user_id) "
                f"SELECT v.x::text, %s, %s, %s FROM ({sql}) AS v(x)",
                [ct, perm, user.pk, *params],
            )
