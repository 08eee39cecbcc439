"""Batch add of staff (R-13) in the browser: template download, upload, preview with the refused
rows, fix and re-upload, commit; and the "Download old org contacts" round trip.

Org chart of tenant ``acme`` (``tests/personas.py``): Sales (sales_admin) > East (east_admin,
plain_staff) > East One (east_one_staff); Sales > West (west_staff, Publisher); Ops (ops_staff).
Positions ``Clerk`` and ``Publisher``.
"""

import csv
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import AuditEntry, Invitation, Notification, User
from accounts.services.staff import staff_disable, staff_offboard, staff_update
from tests.personas import hire

from .helpers import bind_account, sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE_HEADER = ["显示名称", "账号名", "手机号", "部门路径", "岗位", "部门管理员"]


@pytest.fixture
def owner_page(page, live_server, owner):
    sign_in(page, live_server.url, owner.username)
    expect(page.get_by_test_id("current-user")).to_have_text(owner.username)
    return page


def staff_row(page, account_name):
    return page.locator(f'tr[data-account="{account_name}"]')


def admin_badge(page, account_name):
    """The "Admin" badge next to a name in the staff list."""
    return staff_row(page, account_name).locator("td").first.locator(".status")


def import_row(page, line):
    return page.get_by_test_id("import-rows").locator(f'tbody tr[data-line="{line}"]')


def import_summary(page):
    return page.locator("p.muted").filter(has_text=re.compile(r"\d+ new, \d+ updates, \d+ refused"))


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path, rows):
    """Save rows as Excel saves a UTF-8 CSV (with a BOM)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_xlsx(path):
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = [["" if v is None else str(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return rows


def open_batch_add(page):
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    page.get_by_role("link", name="Batch add").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Batch add staff")


def upload(page, path):
    page.get_by_label("Staff file (CSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_url(re.compile(r"/staff/import/preview/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")


def download(page, link_name, tmp_path):
    """Click a download link and keep the file under its suggested name."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name).click()
    file = download_info.value
    target = tmp_path / file.suggested_filename
    file.save_as(target)
    return file.suggested_filename, target


def staff_snapshot(tenant):
    return list(
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)
        .order_by("account_name")
        .values_list(
            "account_name",
            "display_name",
            "mobile",
            "department_id",
            "position_id",
            "is_department_admin",
            "status",
            "password",
        )
    )


# Batch add --------------------------------------------------------------------------------------


def test_batch_add_refuses_two_bad_rows_then_imports_the_fixed_file(owner_page, live_server, browser_as, owner, org, tmp_path):
    page = owner_page
    open_batch_add(page)

    # The CSV template: the Chinese header row and one example row.
    filename, template = download(page, "Template (CSV)", tmp_path)
    assert filename == "staff-import-template.csv"
    header, *example = read_csv(template)
    assert header == TEMPLATE_HEADER
    assert example == [["张三", "zhangsan", "13800000000", "运营部/华东组/一组", "运营", "否"]]

    # Filled in with three people: an unknown department on line 3, a bad mobile on line 4.
    good = ["Li Lei", "lilei", "13500000001", "Sales/East", "Clerk", "否"]
    unknown_department = ["Han Meimei", "hanmeimei", "13500000002", "Sales/North", "Clerk", "否"]
    bad_mobile = ["Wang Wu", "wangwu", "1350000", "Ops", "Publisher", "是"]
    upload(page, write_csv(tmp_path / "new-staff.csv", [header, good, unknown_department, bad_mobile]))

    expect(import_summary(page)).to_have_text("new-staff.csv · 1 new, 0 updates, 2 refused")
    expect(page.get_by_test_id("import-rows").locator("tbody tr")).to_have_count(3)
    expect(import_row(page, 2)).to_contain_text("New account")
    expect(import_row(page, 2).locator(".error")).to_have_count(0)
    expect(import_row(page, 3)).to_contain_text("Refused")
    expect(import_row(page, 3).locator(".error")).to_have_text(["department 'Sales/North' does not exist"])
    expect(import_row(page, 4)).to_contain_text("Refused")
    expect(import_row(page, 4).locator(".error")).to_have_text(["mobile '1350000' is not a mainland China mobile number"])
    expect(page.get_by_role("button", name="Import all rows")).to_have_count(0)
    expect(page.locator(".notice")).to_have_text(
        "Nothing will be imported until every row is right. Fix the file and upload it again."
    )
    assert not User.objects.filter(account_name__in=["lilei", "hanmeimei", "wangwu"]).exists()

    # Fixed and uploaded again: all three are new accounts, and the import goes through.
    page.get_by_role("link", name="Upload another file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Batch add staff")
    unknown_department[3] = "Sales/West"
    bad_mobile[2] = "13500000003"
    upload(page, write_csv(tmp_path / "new-staff-fixed.csv", [header, good, unknown_department, bad_mobile]))
    expect(import_summary(page)).to_have_text("new-staff-fixed.csv · 3 new, 0 updates, 0 refused")
    expect(page.get_by_test_id("import-rows").locator("tbody tr .error")).to_have_count(0)
    page.get_by_role("button", name="Import all rows").click()

    # The staff list shows the three new accounts awaiting binding, where the file put them.
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator(".message.success")).to_have_text(
        "3 staff accounts added (binding invitations sent) and 0 updated."
    )
    expect(page.get_by_test_id("seats")).to_have_text("3 of 50 seats used.")
    for account, path, position in (
        ("lilei", "Sales/East", "Clerk"),
        ("hanmeimei", "Sales/West", "Clerk"),
        ("wangwu", "Ops", "Publisher"),
    ):
        row = staff_row(page, account)
        expect(row).to_contain_text(f"acme:{account}")
        expect(row.locator("td").nth(3)).to_have_text(path)
        expect(row.locator("td").nth(4)).to_have_text(position)
        expect(row.get_by_test_id("account-status")).to_have_text("Awaiting binding")
    expect(admin_badge(page, "wangwu")).to_have_text("Admin")
    expect(admin_badge(page, "lilei")).to_have_count(0)

    # Each has one pending invitation, and its link really binds the account.
    staff_row(page, "wangwu").get_by_role("link", name="Wang Wu").click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Awaiting binding")
    expect(page.get_by_test_id("invitation-state")).to_have_text(["Pending"])
    assert Invitation.objects.filter(user__tenant=owner.tenant).count() == 3
    link = Notification.objects.get(recipient__account_name="wangwu", kind=Notification.Kind.BINDING_INVITATION).link

    newcomer = browser_as()
    bind_account(newcomer, live_server.url + link)
    expect(newcomer.locator(".message.success")).to_have_text("Your account is bound. Log in as acme:wangwu.")
    sign_in(newcomer, live_server.url, "acme:wangwu")
    expect(newcomer.get_by_test_id("current-user")).to_have_text("Wang Wu")
    page.reload()
    expect(page.get_by_test_id("staff-status")).to_have_text("Active")


@pytest.mark.sqlite_smoke
def test_batch_add_from_the_xlsx_template(owner_page, live_server, owner, org, tmp_path):
    page = owner_page
    open_batch_add(page)
    filename, template = download(page, "Template (XLSX)", tmp_path)
    assert filename == "staff-import-template.xlsx"
    assert read_xlsx(template)[0] == TEMPLATE_HEADER

    # Filled in in Excel: the mobile is stored as a number, the example row replaced.
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2)
    sheet.append(["赵六", "zhaoliu", 13500000011, "Sales/East/East One", "Clerk", "是"])
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)

    upload(page, filled)
    expect(import_summary(page)).to_have_text("filled.xlsx · 1 new, 0 updates, 0 refused")
    expect(import_row(page, 2)).to_contain_text("13500000011")
    page.get_by_role("button", name="Import all rows").click()
    expect(page.locator(".message.success")).to_have_text(
        "1 staff accounts added (binding invitations sent) and 0 updated."
    )
    row = staff_row(page, "zhaoliu")
    expect(row).to_contain_text("赵六")
    expect(row).to_contain_text("13500000011")
    expect(row.locator("td").nth(3)).to_have_text("Sales/East/East One")
    expect(row.get_by_test_id("account-status")).to_have_text("Awaiting binding")


def test_batch_add_says_why_a_file_cannot_be_read(owner_page, live_server, org, tmp_path):
    page = owner_page
    open_batch_add(page)
    file_error = page.locator(".error[data-field=file]")
    for name, content, reason in (
        ("staff.txt", "显示名称,账号名\n", "Upload a .csv or .xlsx file (the template's format)."),
        ("staff.csv", "显示名称,账号名,手机号\n张三,zhangsan,13500000021\n", "Missing columns: 部门路径、岗位、部门管理员."),
        ("staff.csv", ",".join(TEMPLATE_HEADER) + "\n", "The file has a header but no staff rows."),
    ):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        page.get_by_label("Staff file (CSV or XLSX)").set_input_files(path)
        page.get_by_role("button", name="Check the file").click()
        expect(file_error).to_have_text(reason)
        expect(page).to_have_url(re.compile(r"/staff/import/$"))

    # The preview cannot be reached without a checked file.
    page.goto(f"{live_server.url}/staff/import/preview/")
    expect(page).to_have_url(re.compile(r"/staff/import/$"))
    expect(page.locator(".message.error")).to_have_text("Upload a file first.")


def test_batch_add_beyond_the_staff_quota_is_refused(owner_page, live_server, owner, org, plain_staff, tmp_path):
    owner.tenant.staff_quota = 2
    owner.tenant.save(update_fields=["staff_quota"])
    page = owner_page
    open_batch_add(page)
    rows = [
        TEMPLATE_HEADER,
        ["Li Lei", "lilei", "13500000031", "Ops", "Clerk", "否"],
        ["Han Meimei", "hanmeimei", "13500000032", "Ops", "Clerk", "否"],
    ]
    upload(page, write_csv(tmp_path / "two-more.csv", rows))
    expect(page.get_by_test_id("import-problem")).to_have_text(
        "The staff quota is 2 and 1 seats are taken: these 2 new accounts would exceed it by 1."
    )
    expect(import_summary(page)).to_have_text("two-more.csv · 2 new, 0 updates, 0 refused")
    expect(page.get_by_role("button", name="Import all rows")).to_have_count(0)
    assert not User.objects.filter(account_name__in=["lilei", "hanmeimei"]).exists()


# Old org contacts -------------------------------------------------------------------------------


@pytest.fixture
def current_staff(owner, org, east_admin, plain_staff, east_one_staff, west_staff, ops_staff):
    """Staff in every state: active, one disabled, one awaiting binding, one resigned."""
    staff_disable(actor=owner, staff=ops_staff)
    pending = hire(owner, "pending_pat", org.west, org.publisher, bind=False)
    staff_offboard(actor=owner, staff=east_one_staff)
    return [east_admin, User.objects.get(pk=ops_staff.pk), pending, plain_staff, west_staff]


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
def test_old_contacts_round_trip_changes_nothing(owner_page, live_server, owner, current_staff, tmp_path, fmt):
    page = owner_page
    before = staff_snapshot(owner.tenant)
    invitations = Invitation.objects.count()
    last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    open_batch_add(page)

    filename, contacts = download(page, f"Download old org contacts ({fmt})", tmp_path)
    assert filename == f"staff-contacts.{fmt.lower()}"
    header, *rows = read_csv(contacts) if fmt == "CSV" else read_xlsx(contacts)
    assert header == TEMPLATE_HEADER
    # Everyone but the resigned account, by account name, in the template's columns.
    assert rows == [
        [
            person.display_name,
            person.account_name,
            person.mobile,
            person.department.path,
            person.position.name,
            "是" if person.is_department_admin else "否",
        ]
        for person in current_staff
    ]
    assert [row[1] for row in rows] == ["east_admin", "ops_staff", "pending_pat", "plain_staff", "west_staff"]

    # Uploaded unchanged: every row updates its existing account, and none has a change.
    upload(page, contacts)
    expect(import_summary(page)).to_have_text(f"{filename} · 0 new, 5 updates, 0 refused")
    table_rows = page.get_by_test_id("import-rows").locator("tbody tr")
    expect(table_rows).to_have_count(5)
    expect(table_rows.locator("td:nth-child(3)")).to_have_text(
        ["east_admin", "ops_staff", "pending_pat", "plain_staff", "west_staff"]
    )
    for line in range(2, 7):
        expect(import_row(page, line).locator("td").last).to_have_text("Updates the existing account No change")
    page.get_by_role("button", name="Import all rows").click()

    expect(page.locator(".message.success")).to_have_text(
        "0 staff accounts added (binding invitations sent) and 0 updated."
    )
    expect(page.get_by_test_id("seats")).to_have_text("5 of 50 seats used.")
    for account, status in (
        ("east_admin", "Active"),
        ("pending_pat", "Awaiting binding"),
        ("plain_staff", "Active"),
        ("west_staff", "Active"),
        ("ops_staff", "Disabled"),
    ):
        expect(staff_row(page, account).get_by_test_id("account-status")).to_have_text(status)
    expect(staff_row(page, "east_one_staff")).to_have_count(0)

    assert staff_snapshot(owner.tenant) == before
    assert Invitation.objects.count() == invitations
    new_entries = AuditEntry.objects.filter(pk__gt=last_audit)
    assert [entry.action for entry in new_entries] == ["staff.import"]
    assert new_entries.get().after == {"file": filename, "created": [], "updated": [], "unchanged": 5}


def test_old_contacts_corrected_and_reuploaded_update_the_account(owner_page, live_server, owner, current_staff, tmp_path):
    page = owner_page
    open_batch_add(page)
    _filename, contacts = download(page, "Download old org contacts (CSV)", tmp_path)
    header, *rows = read_csv(contacts)
    plain = next(row for row in rows if row[1] == "plain_staff")
    plain[3], plain[4], plain[5] = "Ops", "Publisher", "是"

    upload(page, write_csv(tmp_path / "contacts-corrected.csv", [header, *rows]))
    expect(import_summary(page)).to_have_text("contacts-corrected.csv · 0 new, 5 updates, 0 refused")
    line = 2 + rows.index(plain)
    expect(import_row(page, line).locator(".help")).to_have_text(
        ["Department: Sales/East → Ops", "Position: Clerk → Publisher", "Department admin: no → yes"]
    )
    expect(page.get_by_test_id("import-rows").locator("tbody tr").filter(has_text="No change")).to_have_count(4)
    page.get_by_role("button", name="Import all rows").click()

    expect(page.locator(".message.success")).to_have_text(
        "0 staff accounts added (binding invitations sent) and 1 updated."
    )
    row = staff_row(page, "plain_staff")
    expect(row.locator("td").nth(3)).to_have_text("Ops")
    expect(row.locator("td").nth(4)).to_have_text("Publisher")
    expect(admin_badge(page, "plain_staff")).to_have_text("Admin")
    expect(row.get_by_test_id("account-status")).to_have_text("Active")
    assert User.objects.get(account_name="plain_staff").has_perm("orgchart.publish_campaigns")
    assert AuditEntry.objects.filter(action="staff.update", target_label__contains="Plain Staff").count() == 1


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
def test_old_contacts_round_trip_keeps_a_name_starting_with_a_formula_sign(owner_page, live_server, owner, org, tmp_path, fmt):
    lily = hire(owner, "lily", org.ops, org.clerk)
    staff_update(
        actor=owner,
        staff=lily,
        display_name="@Lily Chen",
        mobile=lily.mobile,
        department=org.ops,
        position=org.clerk,
        is_department_admin=False,
    )
    page = owner_page
    open_batch_add(page)
    _filename, contacts = download(page, f"Download old org contacts ({fmt})", tmp_path)
    upload(page, contacts)
    expect(import_row(page, 2).locator("td").nth(1)).to_have_text("@Lily Chen")
    expect(import_row(page, 2).locator("td").last).to_have_text("Updates the existing account No change")
