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


def department_or_position_delete_checked(sender, instance, **kwargs):
    """A live token's default department or position must stay: its creates would fail without it."""
    from django.utils.translation import gettext as _

    from orgchart.models import Department

    from .models import ScimToken

    field = "default_department" if isinstance(instance, Department) else "default_position"
    names = sorted(ScimToken.objects.usable().filter(**{field: instance}).values_list("name", flat=True))
    if not names:
        return []
    tokens = "、".join(f"“{name}”" for name in names)
    if field == "default_department":
        reason = _("it is the default department of SCIM token %(tokens)s; revoke the token and create one with another default first")
    else:
        reason = _("it is the default position of SCIM token %(tokens)s; revoke the token and create one with another default first")
    return [reason % {"tokens": tokens}]
