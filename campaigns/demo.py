"""Demo campaigns for ``seed_demo``: every scope kind, products in every state, legacy items and
90 days of effect data. Idempotent: campaigns are keyed by title."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.audit import audit_record
from orgchart.models import Department

from . import services
from .models import Campaign, EnrolledProduct

# (title, scope kind, scope value, creator, contact person, review mode)
CAMPAIGNS = [
    ("双十一服饰招商", "departments", ["招商部/服饰招商"], "lisi", "lisi", "manual"),
    ("美妆直播专场", "departments", ["招商部/美妆招商"], "zhaoliu", "sunqi", "manual"),
    ("年货节全店招商", "whole", None, "zhangsan", "zhangsan", "automatic"),
    ("华东区域联合活动", "staff", ["chenyi", "chener", "wangwu"], "zhangsan", "zhangsan", "manual"),
]

LEGACY_TITLE = "2023 老活动（迁移）"

PRODUCTS = [
    # (campaign title, product id, title, shop, reviewer or None for pending, approve?)
    ("双十一服饰招商", "6510000001", "羊毛大衣 女款", "暖冬服饰旗舰店", "lisi", True),
    ("双十一服饰招商", "6510000002", "加厚羽绒服", "北境户外", "wangwu", True),
    ("双十一服饰招商", "6510000003", "真丝围巾", "丝语坊", None, None),
    ("双十一服饰招商", "6510000004", "仿皮手套", "小城杂货", "lisi", False),
    ("美妆直播专场", "6520000001", "保湿精华液 30ml", "水润美妆", "zhouba", True),
    ("美妆直播专场", "6520000002", "口红礼盒", "唇色研究所", "sunqi", True),
    ("美妆直播专场", "6520000003", "卸妆油", "净颜小铺", None, None),
    ("华东区域联合活动", "6530000001", "智能保温杯", "家居优选", "chener", True),
    ("华东区域联合活动", "6530000002", "蓝牙耳机", "声动数码", None, None),
]


def _people(tenant):
    return {u.account_name: u for u in User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)}


def _ensure_campaigns(tenant, owner, people, today):
    existing = {c.title: c for c in Campaign.objects.filter(tenant=tenant)}
    departments = {d.path: d for d in Department.objects.filter(tenant=tenant)}
    for index, (title, kind, scope, creator, contact, mode) in enumerate(CAMPAIGNS):
        if title in existing:
            continue
        existing[title] = services.campaign_create(
            actor=people[creator],
            tenant=tenant,
            title=title,
            description=f"{title}：欢迎优质商家报名。",
            starts_on=today - datetime.timedelta(days=80 - index * 5),
            ends_on=today + datetime.timedelta(days=20 + index * 10),
            commission_rate=Decimal("20.00") + index,
            service_fee_rate=Decimal("5.00"),
            review_mode=mode,
            contact_person=people[contact],
            scope_whole_tenant=kind == "whole",
            scope_departments=[departments[p] for p in scope] if kind == "departments" else [],
            scope_staff=[people[n] for n in scope] if kind == "staff" else [],
            is_published=True,
        )
    if LEGACY_TITLE not in existing:
        existing[LEGACY_TITLE] = _legacy_campaign(tenant, owner, today)
    return existing


@transaction.atomic
def _legacy_campaign(tenant, owner, today):
    """A campaign migrated from before staff accounts existed: main account only (R-24, R-28)."""
    campaign = Campaign.objects.create(
        tenant=tenant,
        title=LEGACY_TITLE,
        description="员工账号上线前创建的活动。",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=300),
        commission_rate=Decimal("15.00"),
        service_fee_rate=Decimal("4.00"),
        creator=owner,
        is_legacy=True,
        is_published=False,
    )
    for product_id, title, contact in (
        ("6500000001", "经典款帆布鞋（主账号审核）", owner),
        ("6500000002", "复古台灯（前员工审核）", None),
    ):
        EnrolledProduct.objects.create(
            tenant=tenant,
            campaign=campaign,
            shop_name="老店",
            product_id=product_id,
            title=title,
            price=Decimal("99.00"),
            proposed_commission_rate=Decimal("15.00"),
            merchant_contact="老王 13700000000",
            status=EnrolledProduct.Status.APPROVED,
            contact_person=contact,
            reviewed_at=timezone.now(),
            is_legacy=True,
        )
    audit_record(actor=None, tenant=tenant, action="demo.legacy_import", target=campaign)
    return campaign


def _ensure_products(campaigns, people):
    for campaign_title, product_id, title, shop, reviewer, approve in PRODUCTS:
        campaign = campaigns[campaign_title]
        if EnrolledProduct.objects.filter(campaign=campaign, product_id=product_id).exists():
            continue
        product = services.enrollment_submit(
            campaign=campaign,
            shop_name=shop,
            product_id=product_id,
            product_url=f"https://item.taobao.com/item.htm?id={product_id}",
            title=title,
            price=Decimal("199.00"),
            proposed_commission_rate=campaign.commission_rate,
            merchant_contact=f"{shop}客服 旺旺:{shop}",
        )
        if reviewer is None or product.status != EnrolledProduct.Status.PENDING:
            continue
        if approve:
            services.enrollment_approve(actor=people[reviewer], product=product)
        else:
            services.enrollment_reject(actor=people[reviewer], product=product, reason="价格不符合活动要求")


def seed_campaigns(*, tenant, owner, password):
    today = timezone.localdate()
    people = _people(tenant)
    campaigns = _ensure_campaigns(tenant, owner, people, today)
    whole = campaigns["年货节全店招商"]
    if not EnrolledProduct.objects.filter(campaign=whole).exists():
        for n in range(3):
            services.enrollment_submit(
                campaign=whole,
                shop_name=f"年货小铺{n + 1}",
                product_id=f"654000000{n + 1}",
                title=f"坚果礼盒 {n + 1} 号",
                price=Decimal("128.00"),
                proposed_commission_rate=Decimal("22.00"),
                merchant_contact="年货客服",
            )
    _ensure_products(campaigns, people)
    services.effect_generate_demo(tenant=tenant, days=90, today=today)
    showcase = campaigns["双十一服饰招商"]
    return [(f"public enrollment page ({showcase.title})", f"/campaigns/enroll/{showcase.public_token}/", "")]
