"""Batch add staff from CSV or XLSX (R-13): read, validate every row, preview, then commit.

Reading and validating never writes. ``validate`` returns a ``Preview``: every row with what will
happen to it (new account, update of an existing one, or the reasons it is refused) plus the
problems of the file as a whole (missing columns, quota). ``staff.services.imports.staff_import``
commits a preview only when it has no problem at all, re-validating under the tenant lock.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgchart.forms import departments_with_paths
from orgchart.models import Position

from utilities.text import normalize_login_part, normalize_mobile

from utilities.exports import FORMULA_PREFIXES, decode_text_upload
from accounts.models import User
from accounts.signals import account_names_claimed
from accounts.services.staff import clean_display_name, seats_used
from accounts.models.tenants import mainland_mobile_validator
from accounts.models.users import account_name_validator

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_ROWS = 1000

# (key, Chinese header, English header); the template uses the Chinese ones.
COLUMNS = [
    ("display_name", "显示名称", "display name"),
    ("account_name", "账号名", "account name"),
    ("mobile", "手机号", "mobile"),
    ("department", "部门路径", "department path"),
    ("position", "岗位", "position"),
    ("is_department_admin", "部门管理员", "department admin"),
]
TEMPLATE_HEADER = [chinese for _key, chinese, _english in COLUMNS]
TEMPLATE_EXAMPLE = ["张三", "zhangsan", "13800000000", "运营部/华东组/一组", "运营", "否"]
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}

FIELD_LABELS = {
    "display_name": gettext_lazy("Display name"),
    "mobile": gettext_lazy("Mobile"),
    "department": gettext_lazy("Department"),
    "position": gettext_lazy("Position"),
    "is_department_admin": gettext_lazy("Department admin"),
}

NEW = "new"
UPDATE = "update"
ERROR = "error"
STATE_LABELS = {
    NEW: gettext_lazy("New account"),
    UPDATE: gettext_lazy("Updates the existing account"),
    ERROR: gettext_lazy("Refused"),
}


@dataclass
class Row:
    line: int
    values: dict
    state: str = NEW
    errors: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    department: object = None
    position: object = None
    is_department_admin: bool = False
    existing: object = None

    @property
    def state_label(self):
        return STATE_LABELS[self.state]


@dataclass
class Preview:
    rows: list
    problems: list

    @property
    def ok(self):
        return not self.problems and all(row.state != ERROR for row in self.rows)

    @property
    def new_rows(self):
        return [row for row in self.rows if row.state == NEW]

    @property
    def update_rows(self):
        return [row for row in self.rows if row.state == UPDATE]

    @property
    def error_rows(self):
        return [row for row in self.rows if row.state == ERROR]


def read_table(raw, filename):
    """Return ``(header, [(line, cells), …])`` from CSV (UTF-8 or GBK) or XLSX bytes."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(raw)
    if name.endswith(".csv"):
        return _read_csv(raw)
    raise ValidationError(_("Upload a .csv or .xlsx file (the template's format)."))


def _read_csv(raw):
    text = decode_text_upload(raw, max_bytes=MAX_UPLOAD_BYTES)
    reader = csv.reader(io.StringIO(text))
    rows = [(number, cells) for number, cells in enumerate(reader, start=1)]
    return _split_header(rows)


def _read_xlsx(raw):
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 1 MB. Split it and upload the parts."))
    if not raw:
        raise ValidationError(_("The file is empty."))
    try:
        # data_only=False: a formula such as =HYPERLINK(…) is read as its text, never evaluated.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError(_("The file is not a readable .xlsx workbook.")) from exc
    sheet = workbook.worksheets[0]
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            break
        rows.append((number, ["" if v is None else _cell_text(v) for v in values]))
    workbook.close()
    return _split_header(rows)


def _cell_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800000000 as a number
    return str(value)


def _unescape(cell):
    """Undo the export's CSV-injection guard (``'=…`` back to ``=…``) so a re-upload is unchanged."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell


def _split_header(rows):
    rows = [(n, [_unescape(c.strip()) for c in cells]) for n, cells in rows]
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise ValidationError(_("The file is empty."))
    (_n, header), data = rows[0], rows[1:]
    if not data:
        raise ValidationError(_("The file has a header but no staff rows."))
    if len(data) > MAX_ROWS:
        raise ValidationError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    return header, data


def _column_indexes(header):
    normalized = [h.strip().lower() for h in header]
    indexes, missing = {}, []
    for key, chinese, english in COLUMNS:
        for name in (chinese, english):
            if name.lower() in normalized:
                indexes[key] = normalized.index(name.lower())
                break
        else:
            missing.append(chinese)
    if missing:
        raise ValidationError(_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})
    return indexes


def validate(*, tenant, raw, filename):
    """Read and check every row against the tenant as it is now; write nothing."""
    header, data = read_table(raw, filename)
    indexes = _column_indexes(header)
    departments = {d.path: d for d in departments_with_paths(tenant)}
    positions = {p.name: p for p in Position.objects.filter(tenant=tenant)}
    existing = {
        u.account_name: u
        for u in User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).select_related("department", "position")
    }
    mobiles = {u.mobile: u.account_name for u in existing.values() if u.mobile}
    rows, seen_names, seen_mobiles = [], {}, {}
    for line, cells in data:
        values = {key: (cells[i] if i < len(cells) else "") for key, i in indexes.items()}
        row = Row(line=line, values=values)
        _check_row(row, departments, positions, existing, mobiles, seen_names, seen_mobiles)
        rows.append(row)
    new_names = {row.values["account_name"] for row in rows if row.existing is None}
    claimed = account_names_claimed(tenant, new_names)
    for row in rows:
        if row.existing is None and row.values["account_name"] in claimed:
            row.errors.append(
                _("account name %(name)s is another account's login already (its identity provider's user name)")
                % {"name": row.values["account_name"]}
            )
    problems = []
    adding = sum(1 for row in rows if row.existing is None)  # refused rows would still need a seat
    used = seats_used(tenant)
    if adding and used + adding > tenant.staff_quota:
        problems.append(
            _(
                "The staff quota is %(quota)d and %(used)d seats are taken: these %(adding)d new accounts "
                "would exceed it by %(over)d."
            )
            % {"quota": tenant.staff_quota, "used": used, "adding": adding, "over": used + adding - tenant.staff_quota}
        )
    return Preview(rows=rows, problems=problems)


def _check_row(row, departments, positions, existing, mobiles, seen_names, seen_mobiles):
    values = row.values
    name = normalize_login_part(values["account_name"])
    values["account_name"] = name
    errors = row.errors
    if not values["display_name"].strip():
        errors.append(_("display name is empty"))
    else:
        try:
            values["display_name"] = clean_display_name(values["display_name"], field=None)
        except ValidationError as exc:
            errors.extend(exc.messages)
    try:
        account_name_validator(name)
    except ValidationError:
        errors.append(_("account name %(name)r must be 2–30 lower-case letters, digits, dots, hyphens or underscores") % {"name": name})
    if name in seen_names:
        errors.append(_("account name %(name)s is already on line %(line)d") % {"name": name, "line": seen_names[name]})
    else:
        seen_names[name] = row.line
    mobile = normalize_mobile(values["mobile"])
    values["mobile"] = mobile
    try:
        mainland_mobile_validator(mobile)
    except ValidationError:
        errors.append(_("mobile %(mobile)r is not a mainland China mobile number") % {"mobile": mobile})
    if mobile in seen_mobiles:
        errors.append(_("mobile %(mobile)s is already on line %(line)d") % {"mobile": mobile, "line": seen_mobiles[mobile]})
    elif mobile:
        seen_mobiles[mobile] = row.line
    path = "/".join(part.strip() for part in values["department"].split("/") if part.strip())
    row.department = departments.get(path)
    if row.department is None:
        errors.append(_("department %(path)r does not exist") % {"path": values["department"]})
    row.position = positions.get(values["position"])
    if row.position is None:
        errors.append(_("position %(name)r does not exist") % {"name": values["position"]})
    flag = values["is_department_admin"].strip().lower()
    if flag in YES:
        row.is_department_admin = True
    elif flag not in NO:
        errors.append(_("department admin must be 是/否 (yes/no), not %(value)r") % {"value": values["is_department_admin"]})
    current = existing.get(name)
    if current is not None:
        if current.status == User.Status.RESIGNED:
            errors.append(
                _("account name %(name)s belongs to a resigned account (names are never reused); bind it to a new person instead")
                % {"name": name}
            )
        else:
            row.state = UPDATE
            row.existing = current
    owner_of_mobile = mobiles.get(mobile)
    if owner_of_mobile and owner_of_mobile != name:
        errors.append(_("mobile %(mobile)s is already bound to account %(name)s") % {"mobile": mobile, "name": owner_of_mobile})
    if errors:
        row.state = ERROR
    elif row.state == UPDATE:
        row.changes = _changes(row)


def _changes(row):
    current = row.existing
    wanted = {
        "display_name": row.values["display_name"],
        "mobile": row.values["mobile"],
        "department": row.department.path,
        "position": row.position.name,
        "is_department_admin": row.is_department_admin,
    }
    have = {
        "display_name": current.display_name,
        "mobile": current.mobile,
        "department": current.department.path if current.department_id else "",
        "position": current.position.name if current.position_id else "",
        "is_department_admin": current.is_department_admin,
    }
    return {
        FIELD_LABELS[key]: (_shown(have[key]), _shown(wanted[key])) for key in wanted if have[key] != wanted[key]
    }


def _shown(value):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def contact_rows(tenant):
    """The tenant's current staff in the template's columns (下载旧版组织联系人信息)."""
    paths = {d.pk: d.path for d in departments_with_paths(tenant)}
    staff = (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)
        .exclude(status=User.Status.RESIGNED)
        .select_related("position")
        .order_by("account_name")
    )
    for person in staff:
        yield [
            person.display_name,
            person.account_name,
            person.mobile,
            paths.get(person.department_id, ""),
            person.position.name if person.position_id else "",
            "是" if person.is_department_admin else "否",
        ]
