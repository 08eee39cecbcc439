"""Batch add staff (R-13): template, old contacts, upload → preview → commit."""

import base64
import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import owner_required
from accounts.services.staff import NO_SMS_CONFIRM_LABEL, no_sms_warning
from utilities.exports import csv_response, xlsx_response

from .. import importer
from ..forms import StaffImportForm
from ..services.imports import ImportRefused, staff_import

__all__ = ["staff_import_upload", "staff_import_preview", "staff_import_commit", "staff_import_template", "staff_contacts_export"]

SESSION_KEY = "staff_import"


def _table_response(basename, fmt, header, rows):
    if fmt == "xlsx":
        return xlsx_response(f"{basename}.xlsx", header, rows, sheet_title="staff")
    return csv_response(f"{basename}.csv", header, rows)


@owner_required
def staff_import_template(request, fmt):
    return _table_response("staff-import-template", fmt, importer.TEMPLATE_HEADER, [importer.TEMPLATE_EXAMPLE])


@owner_required
def staff_contacts_export(request, fmt):
    """下载旧版组织联系人信息: the current staff in the template, ready to correct and re-upload."""
    return _table_response("staff-contacts", fmt, importer.TEMPLATE_HEADER, list(importer.contact_rows(request.user.tenant)))


@owner_required
def staff_import_upload(request):
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            importer.validate(tenant=request.user.tenant, raw=raw, filename=upload.name)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            request.session[SESSION_KEY] = {
                "name": upload.name,
                "data": base64.b64encode(raw).decode(),
                "digest": hashlib.sha256(raw).hexdigest(),
            }
            return redirect("staff:import_preview")
    return render(request, "staff/staff_import.html", {"form": form, "sms_warning": no_sms_warning()})


def _stored(request):
    stored = request.session.get(SESSION_KEY)
    if not stored:
        return None, None
    return stored["name"], base64.b64decode(stored["data"])


@owner_required
def staff_import_preview(request):
    name, raw = _stored(request)
    if raw is None:
        messages.error(request, _("Upload a file first."))
        return redirect("staff:import")
    try:
        preview = importer.validate(tenant=request.user.tenant, raw=raw, filename=name)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("staff:import")
    return render(
        request,
        "staff/staff_import_preview.html",
        {
            "preview": preview,
            "filename": name,
            "sms_warning": no_sms_warning() if preview.new_rows else "",
            "sms_confirm_label": NO_SMS_CONFIRM_LABEL,
        },
    )


@owner_required
@require_POST
def staff_import_commit(request):
    name, raw = _stored(request)
    if raw is None:
        messages.error(request, _("Upload a file first."))
        return redirect("staff:import")
    try:
        created, updated = staff_import(
            actor=request.user,
            tenant=request.user.tenant,
            raw=raw,
            filename=name,
            confirm_no_sms=bool(request.POST.get("confirm_no_sms")),
        )
    except ImportRefused:
        messages.error(request, _("Nothing was imported: the file has problems (see below). Fix them and upload again."))
        return redirect("staff:import_preview")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if "confirm_no_sms" in getattr(exc, "error_dict", {}):
            return redirect("staff:import_preview")  # the file is fine: confirm and import it from there
        return redirect("staff:import")
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _("%(created)d staff accounts added (binding invitations sent) and %(updated)d updated.")
        % {"created": len(created), "updated": len(updated)},
    )
    return redirect("staff:list")
