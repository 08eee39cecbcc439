"""Helpers for files users download: CSV-injection-safe cells, CSV and XLSX responses."""

import csv
import io

from django.http import HttpResponse

from .encoding import dumps

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def decode_text_upload(raw, *, max_bytes):
    """Return the text of an uploaded CSV: UTF-8 (with or without BOM), else GB18030, the superset
    of GBK that Excel on Chinese Windows writes (it also holds rare name characters such as 䶮).
    Raise ``ValidationError`` for empty, oversize or binary files."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if len(raw) > max_bytes:
        raise ValidationError(
            _("The file is larger than %(size)s. Split it and upload the parts.") % {"size": _size(max_bytes)}
        )
    if not raw.strip():
        raise ValidationError(_("The file is empty."))
    if b"\x00" in raw[:4096]:
        raise ValidationError(_("The file is not a CSV text file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor GB18030/GBK text. Save it as CSV and try again."))


def _size(num_bytes):
    if num_bytes >= 1024 * 1024:
        return f"{num_bytes // (1024 * 1024)} MB"
    return f"{num_bytes // 1024} KB"


def csv_safe_cell(value):
    """Return a cell that a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = dumps(value, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe(row):
    return [csv_safe_cell(value) for value in row]


def csv_response(filename, header, rows):
    """A UTF-8 CSV with a BOM, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(csv_safe(row))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


MONEY_NUMBER_FORMAT = "#,##0.00"


def xlsx_response(filename, header, rows, sheet_title="Sheet1"):
    """An XLSX of ``header`` and ``rows``. Numbers stay numbers Excel can sum: a ``Decimal``
    (money) becomes a numeric cell shown with two decimals and thousands separators
    (``#,##0.00``), an ``int`` a plain numeric cell; text is CSV-injection safe."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([str(h) for h in header])

    def cell(value):
        if isinstance(value, Decimal):
            money = WriteOnlyCell(sheet, value=value)
            money.number_format = MONEY_NUMBER_FORMAT
            return money
        return csv_safe_cell(value)

    for row in rows:
        sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

