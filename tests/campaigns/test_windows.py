"""The report by campaign reads the period totals when they are complete for today, and sums
the daily rollups (asking the worker for a rebuild, once) when they are not."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from campaigns import windows
from campaigns.models import EffectWindow, EffectWindowState
from campaigns.reports import build_report


def campaign_amounts(user, days=30):
    return {row["label"]: row["paid_amount"] for row in build_report(user, group_by="campaign", days=days)["rows"]}


def test_complete_period_totals_answer_the_report(world):
    live = campaign_amounts(world.owner)
    windows.rebuild(world.tenant.pk)

    assert campaign_amounts(world.owner) == live
    # The report now reads the period rows: a change to them shows, which proves the source.
    EffectWindow.objects.filter(tenant=world.tenant, days=30, campaign=world.c_dept).update(paid_amount=Decimal("7.00"))
    assert campaign_amounts(world.owner)[world.c_dept.title] == Decimal("7.00")


def test_each_period_sums_its_own_days(world):
    windows.rebuild(world.tenant.pk)
    for days in windows.RANGES:
        assert EffectWindow.objects.filter(tenant=world.tenant, days=days).exists()
        start = timezone.localdate() - datetime.timedelta(days=days - 1)
        report = build_report(world.owner, group_by="campaign", days=days)
        assert report["start"] == start
        assert sum(row["paid_amount"] for row in report["rows"]) == report["totals"]["paid_amount"]


def test_totals_of_an_earlier_day_are_not_read_and_a_rebuild_is_asked_for_once(world, django_capture_on_commit_callbacks):
    windows.rebuild(world.tenant.pk, today=timezone.localdate() - datetime.timedelta(days=1))
    EffectWindow.objects.filter(tenant=world.tenant).update(paid_amount=Decimal("7.00"))  # would show if read

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        amounts = campaign_amounts(world.owner)
        campaign_amounts(world.owner)

    assert Decimal("7.00") not in amounts.values()
    assert len(callbacks) == 1  # the second report did not ask again
    # The worker (immediate in tests) rebuilt them for today.
    assert EffectWindowState.objects.get(tenant=world.tenant).as_of == timezone.localdate()
    assert campaign_amounts(world.owner) == amounts


def test_a_report_of_a_past_day_never_asks_for_a_rebuild(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        build_report(world.owner, group_by="campaign", days=30, today=timezone.localdate() - datetime.timedelta(days=3))
    assert callbacks == []
    assert not EffectWindowState.objects.filter(tenant=world.tenant).exists()


def test_the_report_page_reads_them_within_the_viewers_scope(client, world):
    windows.rebuild(world.tenant.pk)
    client.force_login(world.viewer_in)  # a contact person of nothing: no campaign row at all

    response = client.get(reverse("campaigns:report"), {"by": "campaign", "days": 30})

    assert response.status_code == 200
    assert response.context["report"]["rows"] == []


def test_the_command_rebuilds_every_tenant_with_effect_data(world):
    call_command("refresh_effect_windows")

    assert EffectWindowState.objects.get(tenant=world.tenant).as_of == timezone.localdate()
    assert EffectWindow.objects.filter(tenant=world.tenant, as_of=timezone.localdate()).exists()


def test_the_command_refuses_an_unknown_tenant(world):
    with pytest.raises(CommandError, match="No tenant with the slug 'nope'"):
        call_command("refresh_effect_windows", tenant="nope")


def _normalised(rows):
    from utilities.formatting import exact_figures

    return [exact_figures(row) for row in rows]


def test_the_campaigns_summed_over_contact_persons_rank_as_the_orm_ranks_them(world):
    """``ranked_campaigns`` (a sorted subquery on PostgreSQL, the ORM's aggregate elsewhere) gives
    the same campaigns, sums and order as the ORM's GROUP BY: by summed paid amount, ties by id."""
    from django.db.models import Sum

    from campaigns.reports import ranked_campaigns

    windows.rebuild(world.tenant.pk)
    source = EffectWindow.objects.filter(tenant=world.tenant, days=30, all_contacts=False)
    # Two contact persons' rows for one campaign, so that a sum really adds rows up.
    first = source.order_by("pk").first()
    EffectWindow.objects.create(
        tenant=world.tenant, as_of=first.as_of, days=30, all_contacts=False, campaign=first.campaign,
        contact_person=world.admin_l2, clicks=3, paid_orders=2, paid_amount=Decimal("1000.05"),
        estimated_service_fee=Decimal("0.15"),
    )
    sums = {key: Sum(key) for key in ("clicks", "paid_orders", "paid_amount", "estimated_service_fee")}

    def orm(rows, limit=500):
        return _normalised(rows.values("campaign_id").annotate(**sums).order_by("-paid_amount", "campaign_id")[:limit])

    expected = orm(source)
    assert len(expected) >= 2 and len(expected) < source.count()
    assert _normalised(ranked_campaigns(source)) == expected
    assert next(row for row in expected if row["campaign_id"] == first.campaign_id)["paid_amount"] >= Decimal("1000.05")
    assert _normalised(ranked_campaigns(source, limit=1)) == expected[:1]

    source.update(paid_amount=Decimal("5.00"))  # every campaign's rows alike: ties go by campaign id
    tied = orm(source)
    assert _normalised(ranked_campaigns(source)) == tied
    assert [row["campaign_id"] for row in tied if row["paid_amount"] == Decimal("5.00")] == sorted(
        row["campaign_id"] for row in tied if row["paid_amount"] == Decimal("5.00")
    )
