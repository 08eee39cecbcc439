"""Effect data (R-30, R-31): the platform's daily CSV upload, and the reports and exports built on it."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEntry, Notification
from campaigns import rollups, services
from campaigns.models import EffectDaily
from campaigns.reports import build_report

from tests.personas import campaign, enroll

HEADER = "日期,活动ID,商品ID,点击数,付款笔数,付款金额,预估服务费"
UPLOAD = reverse("campaigns:effect_upload")


def day(offset):
    return (timezone.localdate() - datetime.timedelta(days=offset)).isoformat()


def line(product, date, clicks=100, orders=3, amount="300.00", fee="15.00"):
    return f'{date},{product.campaign_id},{product.product_id},{clicks},{orders},"{amount}",{fee}'


def csv_bytes(*lines, header=HEADER, encoding="utf-8"):
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def upload(client, content, name="report.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def file_errors(response):
    page = response.content.decode()
    return [html.unescape(m) for m in re.findall(r'<p class="error" data-field="file">(.*?)</p>', page)]


def row_errors(response):
    table = re.search(r'<table class="table" data-testid="row-errors">(.*?)</table>', response.content.decode(), re.S)
    assert table, "no row-error table on the page"
    return [(int(n), html.unescape(m)) for n, m in re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", table.group(1))]


@pytest.fixture
def owner_client(client, world):
    client.force_login(world.owner)
    return client


# Upload -----------------------------------------------------------------------------------------


def test_only_the_owner_uploads(client, world):
    client.force_login(world.admin_l1)  # holds view_effect_data

    assert client.get(UPLOAD).status_code == 403
    assert upload(client, csv_bytes(line(world.p_approved, day(5)))).status_code == 403
    assert client.get(reverse("campaigns:effect_template")).status_code == 403
    assert not EffectDaily.objects.filter(date=day(5)).exists()


def test_a_utf8_report_with_chinese_headers_is_stored(owner_client, world):
    response = upload(
        owner_client,
        csv_bytes(
            line(world.p_approved, day(5), clicks=120, orders=4, amount="1,234.50", fee="61.73"),
            line(world.p_legacy_owner, day(5)),
            "",  # blank lines are skipped
        ),
    )

    assert response.status_code == 302 and response.url == reverse("campaigns:report")
    row = EffectDaily.objects.get(product=world.p_approved, date=day(5))
    assert (row.clicks, row.paid_orders, row.paid_amount, row.estimated_service_fee) == (
        120,
        4,
        Decimal("1234.50"),
        Decimal("61.73"),
    )
    assert row.campaign_id == world.c_dept.pk and row.tenant_id == world.tenant.pk
    assert EffectDaily.objects.filter(product=world.p_legacy_owner, date=day(5)).exists()
    entry = AuditEntry.objects.get(action="effect.upload")
    assert entry.actor == world.owner and entry.after == {"rows": 2, "created": 2, "updated": 0}


def test_a_utf8_bom_and_english_headers_work_too(owner_client, world):
    content = "\ufeff" + "date,campaign_id,product_id,clicks,paid_orders,paid_amount,estimated_service_fee\n"
    content += line(world.p_approved, day(6)) + "\n"

    assert upload(owner_client, content.encode("utf-8")).status_code == 302
    assert EffectDaily.objects.filter(product=world.p_approved, date=day(6)).exists()


def test_uploading_again_updates_instead_of_duplicating(owner_client, world):
    upload(owner_client, csv_bytes(line(world.p_approved, day(5), clicks=10)))

    response = upload(owner_client, csv_bytes(line(world.p_approved, day(5), clicks=99, amount="9.90")))

    assert response.status_code == 302
    rows = EffectDaily.objects.filter(product=world.p_approved, date=day(5))
    assert rows.count() == 1
    assert (rows.get().clicks, rows.get().paid_amount) == (99, Decimal("9.90"))
    assert AuditEntry.objects.filter(action="effect.upload").order_by("-id").first().after == {
        "rows": 1,
        "created": 0,
        "updated": 1,
    }


def test_a_gbk_report_works(owner_client, world):
    content = csv_bytes(line(world.p_approved, day(7), clicks=77), encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really GBK, not UTF-8 by accident

    assert upload(owner_client, content).status_code == 302
    assert EffectDaily.objects.get(product=world.p_approved, date=day(7)).clicks == 77


def test_a_file_with_bad_rows_stores_nothing_and_lists_each_line(owner_client, world):
    before = EffectDaily.objects.count()
    audits = AuditEntry.objects.count()

    response = upload(
        owner_client,
        csv_bytes(
            line(world.p_approved, day(5)),  # line 2: fine
            line(world.p_pending, day(5)),  # line 3: not approved
            f"{day(5)},{world.c_dept.pk},9999999,1,1,1,1",  # line 4: unknown product
            line(world.p_approved, "2026-13-01"),  # line 5: bad date
            line(world.p_legacy_owner, day(5), clicks=-3),  # line 6: negative number
            line(world.p_approved, day(5), clicks=5),  # line 7: same product and day as line 2
            line(world.p_other, day(5)),  # line 8: another tenant's product
        ),
    )

    assert response.status_code == 200
    assert EffectDaily.objects.count() == before
    assert AuditEntry.objects.count() == audits
    assert file_errors(response) == ["Nothing was stored: 6 rows have errors."]
    errors = dict(row_errors(response))
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "product 1000002 is not an approved product of campaign" in errors[3]
    assert "product 9999999 is not an approved product" in errors[4]
    assert "date '2026-13-01' is not YYYY-MM-DD" in errors[5]
    assert "点击数 '-3' is not a whole number of 0 or more" in errors[6]
    assert "the same product and day is already on line 2" in errors[7]
    assert "product 1000007 is not an approved product" in errors[8]


def test_a_row_dated_before_its_campaign_starts_is_refused_and_nothing_is_stored(owner_client, world):
    starts = world.p_approved.campaign.starts_on
    before = EffectDaily.objects.count()

    response = upload(
        owner_client,
        csv_bytes(
            line(world.p_approved, starts.isoformat()),  # line 2: the first day, fine
            line(world.p_approved, (starts - datetime.timedelta(days=1)).isoformat()),  # line 3
        ),
    )

    assert EffectDaily.objects.count() == before
    assert row_errors(response) == [
        (3, f"date {starts - datetime.timedelta(days=1)} is before campaign {world.p_approved.campaign_id} starts on {starts}")
    ]


def test_the_upload_page_says_where_the_campaign_id_is(owner_client, world):
    page = owner_client.get(UPLOAD).content.decode()
    assert "活动ID is the campaign ID shown at the top of each" in page
    detail = owner_client.get(reverse("campaigns:detail", args=[world.c_dept.pk])).content.decode()
    assert f'<code data-testid="campaign-id">{world.c_dept.pk}</code>' in detail


def test_missing_columns_are_named(owner_client, world):
    header = "日期,活动ID,商品ID,点击数,付款笔数,付款金额"

    response = upload(owner_client, csv_bytes("2026-01-01,1,1000001,1,1,1", header=header))

    assert file_errors(response) == ["Missing columns: 预估服务费."]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The submitted file is empty."),
        (b"\n \n", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no data rows."),
        (b"\x00\x01binary", "The file is not a CSV text file."),
    ],
    ids=["zero-bytes", "blank", "header-only", "binary"],
)
def test_empty_and_unreadable_files(owner_client, world, content, message):
    before = EffectDaily.objects.count()

    response = upload(owner_client, content)

    assert response.status_code == 200
    assert file_errors(response) == [message]
    assert EffectDaily.objects.count() == before


def test_a_file_over_5_mb_is_refused(owner_client, world):
    row = line(world.p_approved, day(5)) + "\n"
    content = csv_bytes() + row.encode() * (5 * 1024 * 1024 // len(row) + 1)
    assert len(content) > 5 * 1024 * 1024

    response = upload(owner_client, content)

    assert file_errors(response) == ["The file is larger than 5 MB. Split it and upload the parts."]
    assert not EffectDaily.objects.filter(date=day(5)).exists()


def test_only_csv_files_are_accepted(owner_client, world):
    response = upload(owner_client, csv_bytes(line(world.p_approved, day(5))), name="report.xlsx")

    assert file_errors(response) == ["Upload a .csv file."]
    assert not EffectDaily.objects.filter(date=day(5)).exists()


def test_paid_orders_without_a_service_fee_alert_the_contact_person(owner_client, world):
    upload(
        owner_client,
        csv_bytes(
            line(world.p_approved, day(5), orders=2, fee="0"),
            line(world.p_approved, day(6), orders=0, fee="0"),  # no orders: no risk
        ),
    )

    risk = Notification.objects.filter(kind=Notification.Kind.COMMISSION_ALERT, recipient=world.reviewer_in)
    assert list(risk.values_list("subject", flat=True)) == ["Service-fee risk: P-approved"]


def test_no_risk_alert_when_a_fee_is_estimated(owner_client, world):
    upload(owner_client, csv_bytes(line(world.p_approved, day(5), orders=2, fee="0.01")))

    assert not Notification.objects.filter(kind=Notification.Kind.COMMISSION_ALERT).exists()


def test_the_service_checks_the_owner_itself(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.effect_upload(actor=world.admin_l1, tenant=world.tenant, raw=csv_bytes(line(world.p_approved, day(5))))
    with pytest.raises(PermissionDenied):
        services.effect_upload(actor=world.other_owner, tenant=world.tenant, raw=csv_bytes(line(world.p_approved, day(5))))


# Reports ----------------------------------------------------------------------------------------
# The world holds: P-approved (C-dept, contact reviewer_in in 招商部/服饰组/一组) 100 today and 50
# yesterday; P-legacy-owner (C-legacy, contact the main account) 1000 today; 10 clicks, 1 order
# and a fee of 1 on every row.


def labelled(report):
    keys = ("label", "clicks", "paid_orders", "paid_amount", "estimated_service_fee")
    return [tuple(row[key] for key in keys) for row in report["rows"]]


def test_grouping_by_day(world):
    report = build_report(world.owner, group_by="day", days=7)

    assert labelled(report) == [
        (day(1), 10, 1, Decimal("50"), Decimal("1")),
        (day(0), 20, 2, Decimal("1100"), Decimal("2")),
    ]
    assert report["totals"] == {
        "clicks": 30,
        "paid_orders": 3,
        "paid_amount": Decimal("1150"),
        "estimated_service_fee": Decimal("3"),
    }
    assert len(report["series"]) == 7 and report["series"][-1] == (timezone.localdate(), Decimal("1100"))


def test_grouping_by_campaign(world):
    assert labelled(build_report(world.owner, group_by="campaign")) == [
        ("C-legacy", 10, 1, Decimal("1000"), Decimal("1")),
        ("C-dept 服饰组", 20, 2, Decimal("150"), Decimal("2")),
    ]


def test_grouping_by_contact_person(world):
    assert labelled(build_report(world.owner, group_by="contact")) == [
        ("acme_owner", 10, 1, Decimal("1000"), Decimal("1")),
        ("reviewer_in", 20, 2, Decimal("150"), Decimal("2")),
    ]


def test_grouping_by_department(world):
    rows = labelled(build_report(world.owner, group_by="department"))

    assert [(str(label), *rest) for label, *rest in rows] == [
        ("(none)", 10, 1, Decimal("1000"), Decimal("1")),  # the main account has no department
        ("招商部/服饰组/一组", 20, 2, Decimal("150"), Decimal("2")),
    ]


def test_reports_stay_in_the_viewers_scope(world):
    # admin_l1 oversees reviewer_in: P-approved only, never the owner's legacy product
    assert labelled(build_report(world.admin_l1, group_by="campaign")) == [("C-dept 服饰组", 20, 2, Decimal("150"), Decimal("2"))]
    assert labelled(build_report(world.viewer_in, group_by="campaign")) == []


def test_the_period_limits_the_rows(world):
    EffectDaily.objects.filter(product=world.p_approved, date=day(1)).update(date=day(40))
    rollups.refresh_tenant(world.tenant.pk)

    assert build_report(world.owner, group_by="campaign", days=30)["totals"]["paid_amount"] == Decimal("1100")
    assert build_report(world.owner, group_by="campaign", days=90)["totals"]["paid_amount"] == Decimal("1150")


def _page_table(response):
    table = re.search(r'<table class="table" data-testid="report-table">(.*?)</table>', response.content.decode(), re.S)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]:  # skip the header row
        rows.append([html.unescape(cell.strip()) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)])
    return rows


def _normal(rows):
    """Cells as comparable text: numbers as normalised decimals (the page groups thousands with
    commas, the exports hold raw numbers)."""
    out = []
    for row in rows:
        label, *numbers = row
        out.append([str(label), *(str(Decimal(str(n).replace(",", "")).normalize()) for n in numbers)])
    return out


@pytest.mark.parametrize("group_by", ["day", "campaign", "contact", "department"])
def test_the_exports_hold_exactly_the_page_table(owner_client, world, group_by):
    # a product without contact person: its rows are labelled "(none)" by contact and department
    EffectDaily.objects.create(
        tenant=world.tenant,
        product=world.p_legacy_none,
        campaign=world.c_legacy,
        date=timezone.localdate(),
        clicks=3,
        paid_amount=Decimal("0.5"),
    )
    rollups.refresh_tenant(world.tenant.pk)
    query = {"by": group_by, "days": 30}

    page = owner_client.get(reverse("campaigns:report"), query)
    csv_response = owner_client.get(reverse("campaigns:report_export", args=["csv"]), query)
    xlsx_response = owner_client.get(reverse("campaigns:report_export", args=["xlsx"]), query)

    assert csv_response.status_code == 200 and xlsx_response.status_code == 200
    csv_rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(xlsx_response.content), read_only=True).active
    xlsx_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    table = _page_table(page)

    assert csv_rows[0] == [str(c) for c in xlsx_rows[0]]
    assert _normal(csv_rows[1:]) == _normal(xlsx_rows[1:]) == _normal(table)
    assert len(table) == len(page.context["report"]["rows"]) + 1  # the rows and the total line
    assert csv_rows[-1][0] == "Total"


def test_a_formula_looking_title_is_exported_as_text(owner_client, world):
    risky = campaign(world.owner, '=HYPERLINK("http://evil.example","x")', scope_whole_tenant=True)
    product = services.enrollment_approve(actor=world.owner, product=enroll(risky, "8000001", "P-formula"))
    EffectDaily.objects.create(
        tenant=world.tenant, product=product, campaign=risky, date=timezone.localdate(), paid_amount=Decimal("5000")
    )
    rollups.refresh_tenant(world.tenant.pk)
    query = {"by": "campaign", "days": 7}

    text = owner_client.get(reverse("campaigns:report_export", args=["csv"]), query).content.decode("utf-8-sig")
    workbook = load_workbook(
        io.BytesIO(owner_client.get(reverse("campaigns:report_export", args=["xlsx"]), query).content)
    )

    first = list(csv.reader(io.StringIO(text)))[1]
    assert first[0] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    cell = workbook.active["A2"]
    assert cell.value == "'=HYPERLINK(\"http://evil.example\",\"x\")" and cell.data_type == "s"


def test_staff_without_the_effect_right_get_no_report(client, world):
    client.force_login(world.publisher_in)

    assert client.get(reverse("campaigns:report")).status_code == 403
    assert client.get(reverse("campaigns:report_export", args=["xlsx"])).status_code == 403


@pytest.mark.parametrize(
    "clicks, amount, message",
    [
        (3_000_000_000, "300.00", "点击数 3000000000 is larger than the most that can be stored (2147483647)"),
        (100, "1e13", "付款金额 1e13 is larger than the most that can be stored (999999999999.99)"),
    ],
)
def test_numbers_the_columns_cannot_hold_are_that_rows_error_on_every_backend(owner_client, world, clicks, amount, message):
    """Once a 500 on PostgreSQL (integer overflow) and silently stored on SQLite (issue 15)."""
    before = EffectDaily.objects.count()

    response = upload(owner_client, csv_bytes(line(world.p_approved, day(5)), line(world.p_legacy_owner, day(5), clicks=clicks, amount=amount)))

    assert response.status_code == 200
    assert EffectDaily.objects.count() == before
    errors = dict(row_errors(response))
    assert list(errors) == [3]
    assert message in errors[3]


def test_full_width_digits_in_a_report_are_read_as_digits(owner_client, world):
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    text = line(world.p_approved, day(5), clicks=120).translate(full_width)

    assert upload(owner_client, csv_bytes(text)).status_code == 302
    assert EffectDaily.objects.get(product=world.p_approved, date=day(5)).clicks == 120
