"""Reads of the accounts app, always scoped to the viewer."""

from .models import AuditEntry, Delivery, Notification


def inbox_for(user):
    return Notification.objects.filter(recipient=user)


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def deliveries_visible_to(user):
    """Delivery records of the viewer's tenant; only its main account sees them."""
    if not user.is_authenticated or not user.is_owner:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(tenant_id=user.tenant_id)
        .exclude(backend=Delivery.Backend.INBOX)
        .select_related("notification__recipient")
    )


def audit_entries_visible_to(user):
    """The audit log of the viewer's tenant; only its main account reads it (R-22)."""
    if not user.is_authenticated or not user.is_owner:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(tenant_id=user.tenant_id)


def staff_visible_to(user):
    """Staff accounts the viewer may list (R-5): all for the main account, the subtree for a
    department admin, nobody for anyone else."""
    from orgchart.scope import admin_departments, subtree_filter

    from .models import User

    if not user.is_authenticated or user.tenant_id is None:
        return User.objects.none()
    staff = User.objects.filter(tenant_id=user.tenant_id, kind=User.Kind.STAFF)
    if user.is_owner:
        return staff
    department = admin_departments(user).first()
    if department is None:
        return User.objects.none()
    return staff.filter(subtree_filter(department))


def can_list_staff(user):
    return user.is_authenticated and (user.is_owner or (user.is_staff_account and user.is_department_admin))
