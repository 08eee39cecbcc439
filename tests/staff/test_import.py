"""Batch add staff from CSV/XLSX and the old-contacts export (R-13)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from staff import importer
from accounts.models import AuditEntry, Invitation, User
from staff.services.imports import ImportRefused, staff_import
from accounts import permissions as catalogue
from orgchart.services import department_create, position_create
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HEADER = importer.TEMPLATE_HEADER


@pytest.fixture
def org(owner):
    tenant = owner.tenant
    ops = department_create(actor=owner, tenant=tenant, name="运营部")
    east = department_create(actor=owner, tenant=tenant, name="华东组", parent=ops)
    department_create(actor=owner, tenant=tenant, name="一组", parent=east)
    perms = list(catalogue.catalogue_permissions().filter(codename=catalogue.VIEW_CAMPAIGNS))
    position_create(actor=owner, tenant=tenant, name="运营", permissions=perms)
    return tenant


def row(n, **overrides):
    values = {
        "display_name": f"员工{n}",
        "account_name": f"user{n:02d}",
        "mobile": f"1370000{n:04d}",
        "department": "运营部/华东组/一组",
        "position": "运营",
        "admin": "否",
    }
    values.update(overrides)
    return [values["display_name"], values["account_name"], values["mobile"], values["department"], values["position"], values["admin"]]


def as_csv(rows, header=HEADER, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def staff_names(tenant):
    return set(User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).values_list("account_name", flat=True))


def test_fifty_good_rows_import_with_invitations_and_audit(owner, org, django_capture_on_commit_callbacks):
    raw = as_csv([row(n) for n in range(50)])

    with django_capture_on_commit_callbacks(execute=True):
        created, updated = staff_import(actor=owner, tenant=org, raw=raw, filename="staff.csv")

    assert len(created) == 50 and updated == []
    assert User.objects.filter(tenant=org, status=User.Status.PENDING).count() == 50
    assert Invitation.objects.filter(tenant=org).usable().count() == 50
    assert AuditEntry.objects.filter(action="staff.add").count() == 50
    assert AuditEntry.objects.filter(action="staff.import").count() == 1


def test_one_bad_row_among_fifty_imports_nothing(owner, org):
    rows = [row(n) for n in range(49)] + [row(49, department="运营部/不存在")]

    with pytest.raises(ImportRefused) as refused:
        staff_import(actor=owner, tenant=org, raw=as_csv(rows), filename="staff.csv")

    assert [r.line for r in refused.value.preview.error_rows] == [51]
    assert staff_names(org) == set()
    assert not AuditEntry.objects.filter(action__startswith="staff.").exists()


def test_exceeding_the_quota_imports_nothing_and_says_by_how_many(owner, org):
    org.staff_quota = 10
    org.save()
    StaffFactory.create_batch(4, tenant=org)

    preview = importer.validate(tenant=org, raw=as_csv([row(n) for n in range(8)]), filename="s.csv")

    assert not preview.ok
    assert "exceed it by 2" in preview.problems[0]
    with pytest.raises(ImportRefused):
        staff_import(actor=owner, tenant=org, raw=as_csv([row(n) for n in range(8)]), filename="s.csv")
    assert User.objects.filter(tenant=org, kind=User.Kind.STAFF).count() == 4


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"department": "运营部/华南组"}, "department '运营部/华南组' does not exist"),
        ({"position": "老板"}, "position '老板' does not exist"),
        ({"mobile": "12345"}, "is not a mainland China mobile number"),
        ({"account_name": "Bad Name!"}, "must be 2–30 lower-case letters"),
        ({"admin": "maybe"}, "department admin must be 是/否"),
        ({"display_name": ""}, "display name is empty"),
    ],
)
def test_each_bad_row_is_listed_with_line_and_reason(owner, org, bad, reason):
    preview = importer.validate(tenant=org, raw=as_csv([row(1), row(2, **bad)]), filename="s.csv")

    assert [r.line for r in preview.error_rows] == [3]
    assert reason in " ".join(preview.error_rows[0].errors)


def test_duplicates_in_the_file_and_resigned_names_are_refused(owner, org):
    StaffFactory(tenant=org, account_name="gone", status=User.Status.RESIGNED, mobile="")
    rows = [row(1), row(2, account_name="user01"), row(3, mobile="13700000001"), row(4, account_name="gone")]

    preview = importer.validate(tenant=org, raw=as_csv(rows), filename="s.csv")

    errors = {r.line: " ".join(r.errors) for r in preview.error_rows}
    assert "already on line 2" in errors[3]
    assert "mobile 13700000001 is already on line 2" in errors[4]
    assert "resigned account" in errors[5]


def test_file_level_problems(owner, org):
    with pytest.raises(Exception, match="Missing columns: 岗位"):
        importer.validate(tenant=org, raw=as_csv([row(1)[:4] + row(1)[5:]], header=[h for h in HEADER if h != "岗位"]), filename="s.csv")
    with pytest.raises(Exception, match="empty"):
        importer.validate(tenant=org, raw=b"", filename="s.csv")
    with pytest.raises(Exception, match="no staff rows"):
        importer.validate(tenant=org, raw=as_csv([]), filename="s.csv")
    with pytest.raises(Exception, match="larger than 1 MB"):
        importer.validate(tenant=org, raw=b"a" * (1024 * 1024 + 1), filename="s.csv")
    with pytest.raises(Exception, match=r"\.csv or \.xlsx"):
        importer.validate(tenant=org, raw=as_csv([row(1)]), filename="s.pdf")
    with pytest.raises(Exception, match="not a readable .xlsx"):
        importer.validate(tenant=org, raw=b"PK not really", filename="s.xlsx")


def test_gbk_csv_and_xlsx_give_the_same_preview(owner, org):
    rows = [row(1), row(2, department="运营部/没有"), row(3, admin="是")]

    gbk = importer.validate(tenant=org, raw=as_csv(rows, encoding="gbk"), filename="s.csv")
    xlsx = importer.validate(tenant=org, raw=as_xlsx(rows), filename="s.xlsx")
    utf8 = importer.validate(tenant=org, raw=as_csv(rows), filename="s.csv")

    def summary(preview):
        return [(r.line, r.state, r.values["display_name"], r.values["department"], r.is_department_admin, r.errors) for r in preview.rows]

    assert summary(gbk) == summary(xlsx) == summary(utf8)
    assert summary(gbk)[2][4] is True


def test_formulas_are_stored_as_text_and_exported_defused(owner_client, owner, org):
    formula = '=HYPERLINK("http://evil.example","click")'
    staff_import(actor=owner, tenant=org, raw=as_xlsx([row(1, display_name=formula)]), filename="s.xlsx")
    assert User.objects.get(account_name="user01").display_name == formula

    exported = owner_client.get(reverse("staff:contacts_export", args=["csv"])).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in exported
    sheet = load_workbook(io.BytesIO(owner_client.get(reverse("staff:contacts_export", args=["xlsx"])).content)).active
    assert sheet.cell(row=2, column=1).value.startswith("'=")
    assert sheet.cell(row=2, column=1).data_type == "s"


def test_old_contacts_round_trip_updates_instead_of_failing(owner_client, owner, org):
    staff_import(actor=owner, tenant=org, raw=as_csv([row(1), row(2)]), filename="s.csv")
    exported = owner_client.get(reverse("staff:contacts_export", args=["csv"])).content

    unchanged = importer.validate(tenant=org, raw=exported, filename="contacts.csv")
    assert unchanged.ok and [r.state for r in unchanged.rows] == ["update", "update"]
    assert all(r.changes == {} for r in unchanged.rows)

    corrected = exported.decode("utf-8-sig").replace("员工2", "员工贰").encode("utf-8-sig")
    created, updated = staff_import(actor=owner, tenant=org, raw=corrected, filename="contacts.csv")
    assert created == [] and [u.account_name for u in updated] == ["user02"]
    assert User.objects.get(account_name="user02").display_name == "员工贰"


def test_upload_preview_commit_through_the_pages(owner_client, org, django_capture_on_commit_callbacks):
    bad = as_csv([row(1), row(2, position="不存在"), row(3, mobile="1")])
    response = owner_client.post(reverse("staff:import"), {"file": SimpleUploadedFile("s.csv", bad)})
    assert response.status_code == 302
    preview = owner_client.get(reverse("staff:import_preview")).content.decode()
    assert "position &#x27;不存在&#x27; does not exist" in preview and "Import all rows" not in preview
    assert owner_client.post(reverse("staff:import_commit")).status_code == 302
    assert staff_names(org) == set()

    good = as_csv([row(1), row(2), row(3)])
    owner_client.post(reverse("staff:import"), {"file": SimpleUploadedFile("s.csv", good)})
    assert "Import all rows" in owner_client.get(reverse("staff:import_preview")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("staff:import_commit"))
    assert response["Location"] == reverse("staff:list")
    assert staff_names(org) == {"user01", "user02", "user03"}


def test_templates_download_in_both_formats(owner_client, org):
    csv_bytes = owner_client.get(reverse("staff:import_template", args=["csv"])).content
    assert csv_bytes.startswith("\ufeff".encode())
    assert csv_bytes.decode("utf-8-sig").splitlines()[0].split(",") == HEADER
    sheet = load_workbook(io.BytesIO(owner_client.get(reverse("staff:import_template", args=["xlsx"])).content)).active
    assert [c.value for c in sheet[1]] == HEADER


def test_import_pages_are_for_the_main_account_only(client, org):
    client.force_login(StaffFactory(tenant=org, is_department_admin=True))
    for name, args in [("staff:import", []), ("staff:import_template", ["csv"]), ("staff:contacts_export", ["csv"])]:
        assert client.get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse("staff:import_commit")).status_code == 403


def test_a_gb18030_file_with_a_rare_name_character_imports(owner, org):
    """刘䶮's 䶮 is in GB18030 but not GBK: such files were refused as "neither UTF-8 nor GBK" (issue 15)."""
    content = as_csv([row(1, display_name="刘䶮")], encoding="gb18030")
    with pytest.raises(UnicodeEncodeError):
        "刘䶮".encode("gbk")

    preview = importer.validate(tenant=org, raw=content, filename="staff.csv")

    assert not preview.problems and not preview.rows[0].errors
    assert [r.values["display_name"] for r in preview.rows] == ["刘䶮"]


def test_full_width_identifiers_in_a_file_are_normalised_and_checked_against_the_tenant(owner, org):
    StaffFactory(tenant=org, mobile="13900000001")
    content = as_csv([row(1, account_name="ｕｓｅｒ０１", mobile="139０００００００１")])

    preview = importer.validate(tenant=org, raw=content, filename="staff.csv")

    assert preview.rows[0].values["account_name"] == "user01"
    assert any("13900000001 is already bound" in e for e in preview.rows[0].errors)
