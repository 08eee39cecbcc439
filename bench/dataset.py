"""Build the R-41 dataset on PostgreSQL: 10,000 small tenants plus one large tenant.

The large tenant's org (100 departments in 3 levels, 50 staff, positions) is made through the
real services so its trees, scope groups and audit entries are exactly what the app makes.
The bulk (20,000 campaigns, 1,000,000 products, 30,000,000 effect rows, their grants, and the
small tenants) is generated inside PostgreSQL with ``INSERT … SELECT generate_series`` and the
grant rules of ``campaigns.visibility`` written out in SQL, which loads in minutes.

The large tenant also gets what the operation-account and customer-chat pages list (R-33 … R-36):
260 individuals invited by it (200 active operation accounts, the rest pending, unbound, declined
or withdrawn), 50 tasks and 100,000 task orders in every state; ten staff holding *Customer chat
reception* in two groups, and 50,000 buyer conversations of 10 messages each. Individuals and
tasks are made in SQL like the bulk (one insert each); the chat rights, groups and members go
through the real services, like the org.

``scale`` multiplies every bulk count (1.0 is R-41), task orders and conversations included; the
org of the large tenant, its individuals and its tasks stay full size (people and a task
catalogue, like the org: what a dropdown of accounts or a task list holds does not shrink with
the data).
"""

import datetime
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

BIG_SLUG = "bigshop"
PASSWORD = "Bench-pass-2026"
# The operation account whose pages are measured: bound to the large tenant with the most orders.
OPS_INDIVIDUAL = "yunying0001"
# The staff of the large tenant who hold *Customer chat reception*; the first is the chat persona.
CHAT_STAFF = [f"staff{n:02d}" for n in range(4, 41, 4)]

FULL = {
    "small_tenants": 10_000,
    "campaigns": 20_000,
    "products": 1_000_000,
    "effect_days": 30,
    "task_orders": 100_000,
    "conversations": 50_000,
}
# Fixed, whatever the scale (see the module docstring).
INDIVIDUALS = {"active": 200, "pending": 20, "unbound": 20, "declined": 10, "withdrawn": 10}
TASKS = 50
MESSAGES_PER_CONVERSATION = 10


@dataclass
class Personas:
    tenant_id: int
    owner: str
    admin_l1: str
    staff_l3: str
    owner_id: int
    admin_l1_id: int
    staff_l3_id: int
    ops_individual: str
    chat_staff: str


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def counts(scale):
    return {
        "small_tenants": max(10, int(FULL["small_tenants"] * scale)),
        "campaigns": max(40, int(FULL["campaigns"] * scale)),
        "products": max(400, int(FULL["products"] * scale)),
        "effect_days": FULL["effect_days"],
        "task_orders": max(500, int(FULL["task_orders"] * scale)),
        "conversations": max(200, int(FULL["conversations"] * scale)),
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
    chat_staff = _chat_setup(tenant, owner)
    log(f"customer chat: {len(chat_staff.staff)} staff with the right, groups and members")
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
    step = time.monotonic()
    _operation_accounts(tenant, owner, n["task_orders"])
    log(
        f"{sum(INDIVIDUALS.values())} individuals, {TASKS} tasks, {n['task_orders']} task orders "
        f"in {time.monotonic() - step:.1f} s"
    )
    step = time.monotonic()
    _conversations(tenant, owner, chat_staff, n["conversations"])
    log(
        f"{n['conversations']} conversations, {n['conversations'] * MESSAGES_PER_CONVERSATION} messages "
        f"in {time.monotonic() - step:.1f} s"
    )
    from campaigns import rollups, windows

    rollups.refresh_tenant(tenant.pk)
    log("daily rollups per contact person and per campaign")
    step = time.monotonic()
    windows.rebuild(tenant.pk)  # what `manage.py refresh_effect_windows` does after midnight
    log(f"7/30/90-day totals per campaign and per contact person rebuilt in {time.monotonic() - step:.1f} s")
    _generic_grants(tenant)
    log("generic guardian grants for the comparison (a)")
    # VACUUM as well: after bulk loading the visibility map is empty, so PostgreSQL will not use
    # an index-only scan (the "whole organisation" campaign ids, read by every staff visibility
    # query) and plans as no autovacuumed production table would: 38 ms instead of 8 for a
    # level-1 admin's product count at R-41 scale. (16 s at scale 1.)
    _sql("VACUUM ANALYZE")
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
        ops_individual=OPS_INDIVIDUAL,
        chat_staff=chat_staff.staff[0].username,
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


# Operation accounts (R-33 … R-35) ---------------------------------------------------------------


def _individual_ranges():
    """``{status: (first, last)}``: which of the numbered individuals (``yunying0001`` …) has
    which binding with the large tenant (``INDIVIDUALS``: the active ones first)."""
    ranges, first = {}, 1
    for status, count in INDIVIDUALS.items():
        ranges[status] = (first, first + count - 1)
        first += count
    return ranges


def _operation_accounts(tenant, owner, order_count):
    """Individuals, their bindings with the large tenant, its tasks and ``order_count`` task orders.

    Bindings: the active ones invited 13 months ago, pending ones in the last days, unbound ones
    ended now (with every order confirmed or cancelled, R-35), declined and withdrawn ones; ten
    active accounts were bound once before (an older unbound record). ``OPS_INDIVIDUAL`` also
    serves two small shops and has a pending invitation from a third. Tasks: 40 open with a
    deadline ahead, 5 closed, 5 past their deadline (no orders). Orders over the last year, one
    in a hundred ``OPS_INDIVIDUAL``'s: older than 30 days confirmed (or 1 in 10 cancelled), newer
    ones in every state; the amount at most the task's fee; numbers ``YYYYMMDD`` + 8 digits.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    now = timezone.now()
    today = timezone.localdate()
    ranges = _individual_ranges()
    _sql(
        """
        INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
            is_active, date_joined, kind, account_name, display_name, mobile, status, is_department_admin,
            identity_status, tenant_id, bound_at)
        SELECT %(password)s, false, 'yunying' || lpad(g::text, 4, '0'), '', '', 'yunying' || g || '@example.com',
            false, true, %(now)s - make_interval(days => 400 + g %% 30), 'individual', '',
            (ARRAY['运营','种草','带货','探店','测评'])[1 + g %% 5] || '小' || (ARRAY['李','王','张','刘','陈','杨','赵','黄'])[1 + g %% 8] || g,
            '', 'active', false, 'unverified', NULL, %(now)s - make_interval(days => 400 + g %% 30)
        FROM generate_series(1, %(total)s) g
        """,
        {"password": make_password(PASSWORD), "now": now, "total": sum(INDIVIDUALS.values())},
    )
    status_of = " ".join(f"WHEN g BETWEEN {first} AND {last} THEN '{status}'" for status, (first, last) in ranges.items())
    _sql(
        f"""
        INSERT INTO operations_operationbinding (tenant_id, account_id, status, invited_by_id, invited_at, answered_at,
            ended_by_id, ended_at)
        SELECT %(tenant)s, u.id, b.status, %(owner)s, b.invited,
            CASE WHEN b.status IN ('active', 'unbound', 'declined') THEN b.invited + interval '1 day' END,
            CASE WHEN b.status IN ('unbound', 'withdrawn') THEN %(owner)s END,
            CASE WHEN b.status = 'unbound' THEN %(now)s WHEN b.status = 'withdrawn' THEN b.invited + interval '2 days' END
        FROM (
            SELECT g, s.status, %(now)s - CASE s.status
                WHEN 'pending' THEN make_interval(hours => g %% 60)
                WHEN 'declined' THEN make_interval(days => 30 + g %% 30)
                WHEN 'withdrawn' THEN make_interval(days => 20 + g %% 30)
                ELSE make_interval(days => 390 + g %% 10) END AS invited
            FROM generate_series(1, %(total)s) g CROSS JOIN LATERAL (SELECT CASE {status_of} END AS status) s
        ) b
        JOIN accounts_user u ON u.username = 'yunying' || lpad(b.g::text, 4, '0')
        ORDER BY b.g
        """,
        {"tenant": tenant.pk, "owner": owner.pk, "now": now, "total": sum(INDIVIDUALS.values())},
    )
    # Bound once before: an older record, unbound a year ago with nothing open.
    _sql(
        """
        INSERT INTO operations_operationbinding (tenant_id, account_id, status, invited_by_id, invited_at, answered_at,
            ended_by_id, ended_at)
        SELECT %(tenant)s, u.id, 'unbound', %(owner)s, %(now)s - interval '600 days', %(now)s - interval '599 days',
            %(owner)s, %(now)s - interval '420 days'
        FROM accounts_user u WHERE u.username IN (SELECT 'yunying' || lpad(g::text, 4, '0') FROM generate_series(2, 11) g)
        """,
        {"tenant": tenant.pk, "owner": owner.pk, "now": now},
    )
    # One person, several shops: the persona also serves two small shops and is invited by a third.
    _sql(
        """
        INSERT INTO operations_operationbinding (tenant_id, account_id, status, invited_by_id, invited_at, answered_at)
        SELECT t.id, p.id, CASE WHEN t.slug = 'shop3' THEN 'pending' ELSE 'active' END, o.id, %(now)s - interval '10 days',
            CASE WHEN t.slug = 'shop3' THEN NULL ELSE %(now)s - interval '9 days' END
        FROM accounts_tenant t JOIN accounts_user o ON o.tenant_id = t.id AND o.kind = 'owner'
        CROSS JOIN accounts_user p
        WHERE t.slug IN ('shop1', 'shop2', 'shop3') AND p.username = %(persona)s
        """,
        {"now": now, "persona": OPS_INDIVIDUAL},
    )
    _sql(
        """
        INSERT INTO operations_task (tenant_id, title, creator_name, fee, description, deadline, is_open, created_by_id,
            created_at, submission)
        SELECT %(tenant)s,
            (ARRAY['秋冬新品种草短视频','直播间口播 5 分钟','小红书图文测评','探店 vlog','开箱视频','买家秀合集',
                   '双十一预热种草','达人直播连麦'])[1 + g %% 8] || ' 第' || g || '期',
            (ARRAY['小美穿搭','家居达人阿杰','美妆博主可可','数码老王','吃货小胖','宝妈日记'])[1 + (g / 8) %% 6],
            100 + ((g * 37) %% 30) * 50, '按任务说明完成并提交链接。',
            CASE WHEN g > 45 THEN %(today)s - (g - 45) * 7 ELSE %(today)s + 5 + (g * 11) %% 180 END,
            g NOT BETWEEN 41 AND 45, %(owner)s, %(now)s - make_interval(days => 420 - g), ''
        FROM generate_series(1, %(count)s) g
        """,
        {"tenant": tenant.pk, "owner": owner.pk, "now": now, "today": today, "count": TASKS},
    )
    with bulk_loading("operations_taskorder"):
        _task_orders(tenant, order_count, now, settings.TIME_ZONE)


def _task_orders(tenant, count, now, zone):
    # The active accounts and the ones unbound now; not the records ended before this year's orders.
    bindings = _scalar(
        "SELECT array_agg(id ORDER BY id) FROM operations_operationbinding WHERE tenant_id = %s "
        "AND (status = 'active' OR (status = 'unbound' AND ended_at >= %s))",
        [tenant.pk, now],
    )
    persona_binding = _scalar(
        "SELECT b.id FROM operations_operationbinding b JOIN accounts_user u ON u.id = b.account_id "
        "WHERE b.tenant_id = %s AND u.username = %s AND b.status = 'active'",
        [tenant.pk, OPS_INDIVIDUAL],
    )
    # Expired tasks (deadline passed) take no orders here: an order is placed before the deadline.
    tasks = _scalar(
        "SELECT array_agg(id ORDER BY id) FROM operations_task WHERE tenant_id = %s AND deadline >= %s",
        [tenant.pk, timezone.localdate()],
    )
    step = 365 * 86400 / count  # seconds between two orders: a year of orders, the newest a minute ago
    states = "ARRAY['placed','placed','in_progress','in_progress','in_progress','delivered','delivered','delivered','confirmed','cancelled']"
    _sql(
        f"""
        INSERT INTO operations_taskorder (tenant_id, binding_id, account_id, task_id, number, amount, status, placed_at,
            status_changed_at, submission)
        SELECT %(tenant)s, o.binding_id, b.account_id, t.id,
            to_char(o.placed_at AT TIME ZONE %(zone)s, 'YYYYMMDD') || lpad(o.g::text, 8, '0'),
            round(t.fee * (50 + {_bucket("o.g * 17 + 3", 51)}) / 100, 2),
            s.status, o.placed_at,
            CASE WHEN s.status = 'placed' THEN o.placed_at
                 ELSE LEAST(%(now)s, o.placed_at + make_interval(hours => 2 + o.g %% 70)) END,
            ''
        FROM (
            SELECT g, %(now)s - make_interval(secs => 60 + (g - 1) * %(step)s) AS placed_at,
                CASE WHEN {_bucket("g", 100)} = 0 THEN %(persona)s
                     ELSE (%(bindings)s::bigint[])[1 + {_bucket("g * 7 + 1", len(bindings))}] END AS binding_id,
                (%(tasks)s::bigint[])[1 + {_bucket("g * 11 + 3", len(tasks))}] AS task_id
            FROM generate_series(1, %(count)s) g
        ) o
        JOIN operations_operationbinding b ON b.id = o.binding_id
        JOIN operations_task t ON t.id = o.task_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN b.status = 'unbound' OR o.placed_at < %(now)s - interval '30 days'
                        THEN CASE WHEN {_bucket("o.g * 7 + 5", 10)} = 0 THEN 'cancelled' ELSE 'confirmed' END
                        ELSE ({states})[1 + {_bucket("o.g * 7 + 5", 10)}] END AS status
        ) s
        ORDER BY o.g DESC
        """,
        {
            "tenant": tenant.pk,
            "zone": zone,
            "now": now,
            "step": step,
            "persona": persona_binding,
            "bindings": bindings,
            "tasks": tasks,
            "count": count,
        },
    )


# Customer chat (R-36) ---------------------------------------------------------------------------


@dataclass
class ChatSetup:
    staff: list  # the chat staff, the persona (``CHAT_STAFF[0]``) first
    presale: object  # 售前
    aftersale: object  # 售后
    presale_members: list  # the members who receive its conversations (enabled)
    aftersale_members: list


def _chat_setup(tenant, owner):
    """``CHAT_STAFF`` get *Customer chat reception* as a supplementary right (through
    ``staff_update``, as ``chat/demo.py`` gives it) and are verified, so that they may chat
    (R-17); 售前 and 售后 share them (one member in both, one disabled in 售后), a third group is
    not offered. Each has a presence (away; the persona online when the data was built)."""
    from accounts.models import User
    from chat import services
    from chat.demo import grant_chat_right
    from chat.models import ChatMember, Presence

    for name in CHAT_STAFF:
        grant_chat_right(owner, User.objects.select_related("department", "position").get(tenant=tenant, account_name=name))
    User.objects.filter(tenant=tenant, account_name__in=CHAT_STAFF).update(identity_status=User.IdentityStatus.VERIFIED)
    by_name = {u.account_name: u for u in User.objects.filter(tenant=tenant, account_name__in=CHAT_STAFF)}
    staff = [by_name[name] for name in CHAT_STAFF]  # fresh objects: no stale permission cache
    presale = services.group_create(actor=owner, name="售前", description="商品、优惠与下单咨询")
    aftersale = services.group_create(actor=owner, name="售后", description="物流、退换货与售后问题")
    services.group_create(actor=owner, name="大促专线", description="大促期间开放", is_offered=False)
    presale_members, aftersale_members = staff[:6], staff[5:]
    for group, members in ((presale, presale_members), (aftersale, aftersale_members)):
        for person in members:
            services.member_add(actor=owner, group=group, user=person)
    services.member_set_enabled(
        actor=owner, member=ChatMember.objects.get(group=aftersale, user=staff[-1]), enabled=False
    )
    now = timezone.now()
    Presence.objects.bulk_create(
        Presence(
            tenant=tenant,
            user=person,
            status=Presence.Status.ONLINE if index == 0 else Presence.Status.AWAY,
            last_seen_at=now - datetime.timedelta(minutes=index * 37),
            last_assigned_at=now - datetime.timedelta(minutes=index * 11 + 1),
        )
        for index, person in enumerate(staff)
    )
    return ChatSetup(staff, presale, aftersale, presale_members, aftersale_members[:-1])


def _conversations(tenant, owner, chat, count):
    """``count`` buyer conversations over the last 90 days, ``MESSAGES_PER_CONVERSATION`` messages
    each, as ``chat.services`` writes them: the buyer's first line, the system's "serving you"
    (or "overflow" for the 3% the main account received), then staff and buyer in turn, and the
    "closed" line for closed ones. 60% 售前, 40% 售后, each to one of its enabled members; the
    newest (about 10 per member, the persona's three newest and two overflow ones) are still open
    with the last buyer message unread. Each gets its searchable text (``chat.search``)."""
    now = timezone.now()
    open_count = max(20, min(200, count // 250))
    params = {
        "tenant": tenant.pk,
        "now": now,
        "count": count,
        "open": open_count,
        "step": 90 * 86400 / count,
        "owner": owner.pk,
        "persona": chat.staff[0].pk,
        "presale": chat.presale.pk,
        "aftersale": chat.aftersale.pk,
        "pre_members": [p.pk for p in chat.presale_members],
        "post_members": [p.pk for p in chat.aftersale_members],
    }
    _sql(
        f"""
        INSERT INTO chat_conversation (tenant_id, group_id, buyer_nickname, buyer_key, buyer_ip, status, assignee_id,
            is_overflow, read_upto, last_message_id, created_at, last_message_at, closed_at)
        SELECT %(tenant)s, x.group_id,
            (ARRAY['爱吃坚果的猫','小鹿乱撞','快递等等我','退货小能手','晚风','柠檬不萌','一只小胖橘','云朵'])[1 + x.g %% 8] || x.g,
            gen_random_uuid(), ('203.0.113.' || (1 + x.g %% 254))::inet,
            CASE WHEN x.g <= %(open)s THEN 'open' ELSE 'closed' END,
            CASE WHEN x.overflow THEN %(owner)s
                 WHEN x.g <= 3 THEN %(persona)s
                 WHEN x.group_id = %(presale)s THEN (%(pre_members)s::bigint[])[1 + {_bucket("x.g * 13 + 7", len(chat.presale_members))}]
                 ELSE (%(post_members)s::bigint[])[1 + {_bucket("x.g * 13 + 7", len(chat.aftersale_members))}] END,
            x.overflow, 0, 0, x.started, x.started + interval '9 minutes',
            CASE WHEN x.g > %(open)s THEN x.started + interval '9 minutes' END
        FROM (
            SELECT g, %(now)s - make_interval(secs => 600 + (g - 1) * %(step)s) AS started,
                g > 3 AND ({_bucket("g * 5 + 1", 100)} < 3 OR g IN (4, 5)) AS overflow,
                CASE WHEN g <= 3 OR {_bucket("g * 3 + 2", 5)} < 3 THEN %(presale)s ELSE %(aftersale)s END AS group_id
            FROM generate_series(1, %(count)s) g
        ) x
        ORDER BY x.g DESC
        """,
        params,
    )
    with bulk_loading("chat_message"):
        _messages(tenant)
    from chat.search import search_text_rebuild

    search_text_rebuild(tenant.pk)  # what chat.services keeps message by message, in one statement
    _sql(
        """
        UPDATE chat_conversation c SET last_message_id = m.last_id,
            read_upto = CASE WHEN c.status = 'open' THEN m.before_last ELSE m.last_id END
        FROM (SELECT conversation_id, max(id) AS last_id, (array_agg(id ORDER BY id DESC))[2] AS before_last
              FROM chat_message WHERE tenant_id = %s GROUP BY conversation_id) m
        WHERE m.conversation_id = c.id
        """,
        [tenant.pk],
    )


def _messages(tenant):
    label = "left(COALESCE(NULLIF(u.display_name, ''), NULLIF(u.account_name, ''), u.username), 50)"
    _sql(
        f"""
        INSERT INTO chat_message (tenant_id, conversation_id, kind, author_id, author_label, body, created_at)
        SELECT c.tenant_id, c.id, m.kind,
            CASE WHEN m.kind = 'staff' THEN c.assignee_id END,
            CASE WHEN m.kind = 'buyer' THEN c.buyer_nickname ELSE {label} END,
            CASE
                WHEN k = 0 AND c.group_id = sale.id THEN
                    (ARRAY['你好，每日坚果礼盒还有货吗？双11能便宜点吗？','请问这款连衣裙M码适合多高的人穿？',
                           '羽绒服有没有优惠券可以领？','这个口红礼盒送人合适吗，有没有礼品袋？',
                           '保温杯是304不锈钢的吗？','运动鞋偏码吗？平时穿42'])[1 + c.id %% 6]
                WHEN k = 0 THEN
                    (ARRAY['我的包裹三天没更新物流了，能帮忙查一下吗？','收到的杯子有裂痕，怎么申请换货？',
                           '退货地址是哪里？运费谁出？','发票怎么开？需要公司抬头','物流显示签收了但我没收到',
                           '尺码不合适可以换吗？'])[1 + c.id %% 6]
                WHEN m.kind = 'system' AND k = 1 THEN CASE WHEN c.is_overflow THEN 'overflow' ELSE 'started' END
                WHEN m.kind = 'system' THEN 'closed'
                WHEN m.kind = 'staff' THEN
                    (ARRAY['亲，您好，很高兴为您服务～','帮您查询一下，请稍等','已为您登记，48小时内处理',
                           '这边给您申请了优惠券，请查收','物流已催促，预计明天送达','还有其他可以帮您的吗？'])[1 + (c.id + k) %% 6]
                ELSE (ARRAY['好的，谢谢','大概什么时候能到？','可以的','那我等一下','能再便宜点吗？','收到，辛苦了'])[1 + (c.id + k) %% 6]
            END,
            c.created_at + make_interval(mins => k)
        FROM chat_conversation c
        JOIN accounts_user u ON u.id = c.assignee_id
        JOIN chat_chatgroup sale ON sale.tenant_id = c.tenant_id AND sale.name = '售前'
        CROSS JOIN generate_series(0, {MESSAGES_PER_CONVERSATION - 1}) k
        CROSS JOIN LATERAL (
            SELECT CASE WHEN k = 1 OR (k = {MESSAGES_PER_CONVERSATION - 1} AND c.status = 'closed') THEN 'system'
                        WHEN k > 0 AND k %% 2 = 0 THEN 'staff' ELSE 'buyer' END AS kind
        ) m
        WHERE c.tenant_id = %s
        ORDER BY c.id, k
        """,
        [tenant.pk],
    )
