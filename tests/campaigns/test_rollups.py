"""The daily rollups always equal the sums of the daily rows they summarise."""

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from accounts.services.staff import staff_hand_over
from campaigns import rollups, services, windows
from campaigns.models import Campaign, EffectByCampaign, EffectByCampaignContact, EffectByContact, EffectDaily, EffectWindow

from tests.personas import enroll

SUMS = {k: Sum(k) for k in ("clicks", "paid_orders", "paid_amount", "estimated_service_fee")}


def by_contact(tenant):
    rows = EffectDaily.objects.filter(tenant=tenant).values("date", "product__contact_person").annotate(**SUMS)
    return {(r["date"], r["product__contact_person"]): tuple(r[k] for k in SUMS) for r in rows}


def rolled_by_contact(tenant):
    rows = EffectByContact.objects.filter(tenant=tenant)
    return {(r.date, r.contact_person_id): (r.clicks, r.paid_orders, r.paid_amount, r.estimated_service_fee) for r in rows}


def by_campaign(tenant):
    rows = EffectDaily.objects.filter(tenant=tenant).values("date", "campaign").annotate(**SUMS)
    return {(r["date"], r["campaign"]): tuple(r[k] for k in SUMS) for r in rows}


def rolled_by_campaign(tenant):
    rows = EffectByCampaign.objects.filter(tenant=tenant)
    return {(r.date, r.campaign_id): (r.clicks, r.paid_orders, r.paid_amount, r.estimated_service_fee) for r in rows}


def by_campaign_contact(tenant):
    rows = EffectDaily.objects.filter(tenant=tenant).values("date", "campaign", "product__contact_person").annotate(**SUMS)
    return {(r["date"], r["campaign"], r["product__contact_person"]): tuple(r[k] for k in SUMS) for r in rows}


def rolled_by_campaign_contact(tenant):
    rows = EffectByCampaignContact.objects.filter(tenant=tenant)
    return {
        (r.date, r.campaign_id, r.contact_person_id): (r.clicks, r.paid_orders, r.paid_amount, r.estimated_service_fee)
        for r in rows
    }


def by_window(tenant):
    today = timezone.localdate()
    expected = {}
    for days in windows.RANGES:
        rows = (
            EffectDaily.objects.filter(tenant=tenant, date__gt=today - datetime.timedelta(days=days), date__lte=today)
            .values("campaign", "product__contact_person")
            .annotate(**SUMS)
        )
        for r in rows:
            expected[(days, r["campaign"], r["product__contact_person"], False)] = tuple(r[k] for k in SUMS)
        campaigns = (
            EffectDaily.objects.filter(tenant=tenant, date__gt=today - datetime.timedelta(days=days), date__lte=today)
            .values("campaign")
            .annotate(**SUMS)
        )
        for r in campaigns:
            expected[(days, r["campaign"], None, True)] = tuple(r[k] for k in SUMS)
    return expected


def rolled_by_window(tenant):
    rows = EffectWindow.objects.filter(tenant=tenant)
    assert {r.as_of for r in rows} <= {timezone.localdate()}
    return {
        (r.days, r.campaign_id, r.contact_person_id, r.all_contacts): (
            r.clicks,
            r.paid_orders,
            r.paid_amount,
            r.estimated_service_fee,
        )
        for r in rows
    }


def assert_in_step(tenant):
    assert rolled_by_contact(tenant) == by_contact(tenant)
    assert rolled_by_campaign(tenant) == by_campaign(tenant)
    assert rolled_by_campaign_contact(tenant) == by_campaign_contact(tenant)
    assert rolled_by_window(tenant) == by_window(tenant)


def upload(world, rows):
    header = "日期,活动ID,商品ID,点击数,付款笔数,付款金额,预估服务费\n"
    body = "".join(f"{d.isoformat()},{p.campaign_id},{p.product_id},{c},{o},{a},{f}\n" for d, p, c, o, a, f in rows)
    return services.effect_upload(actor=world.owner, tenant=world.tenant, raw=(header + body).encode())


def test_upload_reupload_hand_over_and_approval_keep_the_rollups_in_step(world):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    windows.rebuild(world.tenant.pk)  # complete for today: every write below must keep them so
    assert_in_step(world.tenant)

    upload(world, [(today, world.p_approved, 5, 1, "20.00", "1.00"), (yesterday, world.p_approved, 7, 2, "30.00", "2.00")])
    assert_in_step(world.tenant)
    upload(world, [(today, world.p_approved, 50, 9, "99.00", "9.00")])  # a corrected report replaces the day
    assert_in_step(world.tenant)

    staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=world.viewer_in)
    assert_in_step(world.tenant)
    assert EffectByContact.objects.filter(contact_person=world.viewer_in).exists()
    assert not EffectByContact.objects.filter(contact_person=world.reviewer_in).exists()

    EffectDaily.objects.create(
        tenant=world.tenant, product=world.p_pending, campaign=world.c_dept, date=today, paid_amount=Decimal("3")
    )
    rollups.refresh_dates(world.tenant.pk, [today])  # as an upload would
    assert EffectByContact.objects.get(date=today, contact_person=None).paid_amount == Decimal("3")
    services.enrollment_approve(actor=world.reviewer_in, product=world.p_pending)
    assert_in_step(world.tenant)
    assert not EffectByContact.objects.filter(date=today, contact_person=None).exists()
    assert EffectByCampaignContact.objects.get(date=today, contact_person=world.reviewer_in).paid_amount == Decimal("3")


def test_the_demo_generator_fills_the_rollups(world):
    windows.rebuild(world.tenant.pk)
    product = services.enrollment_approve(actor=world.reviewer_in, product=enroll(world.c_dept, "1900001", "gen"))
    services.effect_generate_demo(tenant=world.tenant, days=5)

    assert EffectDaily.objects.filter(product=product).count() == 5
    assert_in_step(world.tenant)


def test_days_outside_the_longest_period_leave_the_period_totals_alone(world):
    windows.rebuild(world.tenant.pk)
    long_ago = timezone.localdate() - datetime.timedelta(days=max(windows.RANGES))
    # Effect rows before a campaign's start are refused: this campaign ran that long ago.
    Campaign.objects.filter(pk=world.p_approved.campaign_id).update(starts_on=long_ago)

    upload(world, [(long_ago, world.p_approved, 5, 1, "20.00", "1.00")])

    assert_in_step(world.tenant)
    assert not EffectWindow.objects.filter(paid_amount=Decimal("20.00")).exists()
