"""Numbers people read (issue 17 item 3, issue 15): money is exact ``Decimal`` on every backend,
pages show ``9,860.47`` in both languages, exports keep raw numbers, and the trend chart shows
the chosen figure against the previous period with a value on every point."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns import rollups
from campaigns.models import EffectByContact, EffectDaily
from campaigns.reports import build_report

REPORT = reverse("campaigns:report")
# Three amounts whose sum SQLite adds up in floating point as 9860.46999999999.
AMOUNTS = ("3286.82", "3286.83", "3286.82")


@pytest.fixture
def owner_client(client, world):
    client.force_login(world.owner)
    return client


@pytest.fixture
def money_world(world):
    """The seeded world with its effect rows replaced by three days of one product summing to 9,860.47."""
    EffectDaily.objects.filter(tenant=world.tenant).delete()
    for offset, amount in enumerate(AMOUNTS):
        EffectDaily.objects.create(
            tenant=world.tenant,
            product=world.p_approved,
            campaign=world.p_approved.campaign,
            date=timezone.localdate() - datetime.timedelta(days=2 + offset),
            clicks=1200 + offset,
            paid_orders=3,
            paid_amount=Decimal(amount),
            estimated_service_fee=Decimal("121.23"),
        )
    rollups.refresh_tenant(world.tenant.pk)
    return world


def test_the_database_sum_alone_is_not_exact_on_sqlite(money_world):
    """The bug the report guards against: on SQLite the raw ``Sum`` comes back through a float."""
    from django.db import connection

    raw = EffectByContact.objects.filter(tenant=money_world.tenant).aggregate(total=Sum("paid_amount"))["total"]
    if connection.vendor == "sqlite":
        assert str(raw) != "9860.47"
    assert raw == pytest.approx(Decimal("9860.47"))


def test_the_summed_amount_is_exact_decimal(money_world, owner_client):
    report = build_report(money_world.owner, group_by="day", days=30)

    assert report["totals"]["paid_amount"] == Decimal("9860.47")
    assert str(report["totals"]["paid_amount"]) == "9860.47"
    assert str(report["totals"]["estimated_service_fee"]) == "363.69"
    assert all(str(row["paid_amount"]).count(".") == 1 and len(str(row["paid_amount"]).split(".")[1]) == 2 for row in report["rows"])
    assert report["totals"]["clicks"] == 3603 and isinstance(report["totals"]["clicks"], int)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_report_page_shows_grouped_money_in_both_languages(money_world, owner_client, settings, language):
    settings.LANGUAGE_CODE = language
    page = owner_client.get(REPORT, {"days": 30}, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert re.search(r'data-total="paid_amount">\s*9,860\.47<', page)
    assert re.search(r'data-total="estimated_service_fee">\s*363\.69<', page)
    assert re.search(r'data-total="clicks">\s*3,603<', page)
    assert "9860.4699" not in page and "363.690000" not in page
    table = re.search(r'data-testid="report-table">(.*?)</table>', page, re.S).group(1)
    assert "9,860.47" in table  # the total line


def test_exports_keep_raw_numbers(money_world, owner_client):
    query = {"by": "day", "days": 30}
    rows = list(csv.reader(io.StringIO(owner_client.get(reverse("campaigns:report_export", args=["csv"]), query).content.decode("utf-8-sig"))))
    assert rows[-1][3] == "9860.47" and rows[-1][4] == "363.69" and rows[-1][1] == "3603"

    workbook = load_workbook(io.BytesIO(owner_client.get(reverse("campaigns:report_export", args=["xlsx"]), query).content))
    total = list(workbook.active.iter_rows())[-1]
    assert total[3].data_type == "n" and Decimal(str(total[3].value)) == Decimal("9860.47")
    assert total[3].number_format == "#,##0.00"
    assert total[1].data_type == "n" and total[1].value == 3603


def test_the_shown_figures_change_against_the_previous_period(world, owner_client):
    # world: 1,100 today and 50 yesterday in the last 7 days; nothing the 7 days before. Add 500.
    EffectDaily.objects.create(
        tenant=world.tenant,
        product=world.p_approved,
        campaign=world.p_approved.campaign,
        date=timezone.localdate() - datetime.timedelta(days=9),
        clicks=40,
        paid_orders=4,
        paid_amount=Decimal("500"),
    )
    rollups.refresh_tenant(world.tenant.pk)
    report = build_report(world.owner, days=7)

    assert report["previous_totals"]["paid_amount"] == Decimal("500.00")
    assert report["changes"]["paid_amount"] == Decimal("130.0")  # 1,150 against 500
    assert report["changes"]["clicks"] == Decimal("-25.0")  # 30 against 40
    page = owner_client.get(REPORT, {"days": 7}).content.decode()
    assert re.search(r'data-change="paid_amount"[^>]*>\+130\.0%<', page)
    assert re.search(r'data-change="clicks"[^>]*>\u221225\.0%<', page)


def test_the_chart_shows_the_chosen_figure_against_the_previous_period(world, owner_client):
    page = owner_client.get(REPORT, {"days": 7, "figure": "clicks"}).content.decode()
    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)

    assert 'data-figure="clicks"' in chart
    assert ">Clicks</text>" in chart  # the y axis names the figure
    assert ">Last 7 days</text>" in chart and ">The 7 days before</text>" in chart  # the legend
    today = timezone.localdate().isoformat()
    assert f"<title>{today} · Clicks: 20 (Last 7 days)</title>" in chart
    assert chart.count('<circle class="point" data-series="current"') == 7
    assert chart.count('<circle class="point" data-series="previous"') == 7
    # The figure links keep the other choices and work without JavaScript.
    assert 'href="?days=7&amp;figure=paid_amount"' in page


def test_the_chart_in_chinese(world, owner_client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = owner_client.get(REPORT, {"days": 7}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    today = timezone.localdate().isoformat()
    assert f"{today} · 付款金额（¥）: 1,100.00 (" in chart  # paid amount by default, grouped, in Chinese
    assert ">付款金额（¥）</text>" in chart  # the y axis names the figure in the user's language


def test_an_unknown_figure_falls_back_to_the_paid_amount(world, owner_client):
    response = owner_client.get(REPORT, {"figure": "<script>"})
    assert response.status_code == 200
    assert 'data-figure="paid_amount"' in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[-1].replace('<script src=', "")


def test_the_chart_respects_the_data_scope(world, client):
    # admin_l1 sees the approved product (150), never the owner's legacy 1,000.
    client.force_login(world.admin_l1)
    page = client.get(REPORT, {"days": 7}).content.decode()
    assert re.search(r'data-total="paid_amount">\s*150\.00<', page)
    assert "1,100.00" not in page and "1,000.00" not in page
