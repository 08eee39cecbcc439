"""Keep ``meta.lastModified`` true when a staff account or department changes anywhere (R-37).

The pages and the import change staff and departments without knowing about SCIM; these
receivers note the time so an identity provider's ``meta.lastModified gt …`` sync sees them.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScimGroupRecord, ScimUserRecord

# A login or a password change is not a change of what SCIM shows.
USER_FIELDS = {
    "account_name",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "status",
    "department",
    "position",
}


def _touch(model, tenant_id, **lookup):
    now = timezone.now()
    if model.objects.filter(**lookup).update(last_modified=now):
        return
    try:
        with transaction.atomic():
            model.objects.create(tenant_id=tenant_id, last_modified=now, **lookup)
    except IntegrityError:  # another request created it meanwhile
        model.objects.filter(**lookup).update(last_modified=now)


def staff_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or instance.kind != instance.Kind.STAFF or instance.tenant_id is None:
        return
    if update_fields is not None and not (set(update_fields) & USER_FIELDS):
        return
    _touch(ScimUserRecord, instance.tenant_id, user_id=instance.pk)


def department_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    _touch(ScimGroupRecord, instance.tenant_id, department_id=instance.pk)


def account_names_checked(sender, tenant, account_names, **kwargs):
    """The login names asked for that some account already has as its identity provider's userName."""
    from .services import user_names_taken

    return user_names_taken(tenant, account_names)
