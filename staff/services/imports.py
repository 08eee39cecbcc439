"""Commit a batch import of staff (R-13): all rows or none, under the tenant's seat lock."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.locks import lock_tenant
from accounts.models import User
from accounts.services.audit import audit_entry, audit_record, audit_record_many
from accounts.services.staff import build_staff, check_sms_confirmed, invitations_send_many, staff_snapshot
from accounts.signals import staff_placement_changed

from .. import importer


class ImportRefused(ValidationError):
    """The file has problems; ``preview`` says which. Nothing was written."""

    def __init__(self, preview):
        self.preview = preview
        messages = list(preview.problems) + [
            f"{row.line}: {'; '.join(str(e) for e in row.errors)}" for row in preview.error_rows
        ]
        super().__init__(messages or [_("The file cannot be imported.")])


@transaction.atomic
def staff_import(*, actor, tenant, raw, filename, confirm_no_sms=False):
    """Validate again under the tenant lock and import every row, or raise ``ImportRefused``.

    New accounts await binding and get their invitation (delivered after commit); rows naming an
    existing account update it. One audit entry per account plus one for the import. When no
    binding code can be sent (production without SMS, R-12) and the file adds anyone, the owner
    must have confirmed (``confirm_no_sms``), else ``ValidationError`` (code ``no_sms``).
    """
    if not (actor.is_owner and actor.tenant_id == tenant.pk):
        raise PermissionDenied
    tenant = lock_tenant(tenant)
    preview = importer.validate(tenant=tenant, raw=raw, filename=filename)
    if not preview.ok:
        raise ImportRefused(preview)
    if preview.new_rows:
        check_sms_confirmed(confirm_no_sms)
    created, updated = [], []
    for row in preview.new_rows:
        staff = build_staff(
            tenant=tenant,
            display_name=row.values["display_name"],
            account_name=row.values["account_name"],
            mobile=row.values["mobile"],
            department=row.department,
            position=row.position,
            is_department_admin=row.is_department_admin,
            checked=True,
        )
        created.append(staff)
    User.objects.bulk_create(created)
    created = list(
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, account_name__in=[s.account_name for s in created])
        .select_related("tenant", "department", "position")
        .order_by("account_name")
    )
    for row in preview.update_rows:
        if not row.changes:
            continue
        staff = row.existing
        before = staff_snapshot(staff)
        staff.display_name = row.values["display_name"]
        staff.mobile = row.values["mobile"]
        staff.department = row.department
        staff.position = row.position
        staff.is_department_admin = row.is_department_admin
        staff.save(update_fields=["display_name", "mobile", "department", "position", "is_department_admin"])
        audit_record(actor=actor, action="staff.update", target=staff, before=before, after=staff_snapshot(staff))
        updated.append(staff)
    staff_placement_changed.send(sender=User, tenant=tenant)
    audit_record_many(
        [
            audit_entry(actor=actor, tenant=tenant, action="staff.add", target=staff, after=staff_snapshot(staff, with_permissions=False))
            for staff in created
        ]
    )
    if created:
        invitations_send_many(actor=actor, staff=created)
    audit_record(
        actor=actor,
        tenant=tenant,
        action="staff.import",
        target=tenant,
        after={
            "file": filename,
            "created": sorted(s.account_name for s in created),
            "updated": sorted(s.account_name for s in updated),
            "unchanged": len(preview.update_rows) - len(updated),
        },
    )
    return created, updated
