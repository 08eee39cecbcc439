"""Every write SCIM makes: tokens, and staff and departments through the same services the pages use.

An identity provider acts as the tenant's main account (the token's creator), so quota (R-11),
unique names (R-10), the three-level cap (R-3), delete-only-empty (R-4) and offboarding (R-15)
hold exactly as on the pages; only the audit entries name the token (R-22, R-37).
"""

import datetime
import hashlib
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from scim2_models import InvalidValueException, MutabilityException, UniquenessException

from accounts.models import User
from accounts.services import staff as staff_services
from accounts.services.audit import audit_record
from accounts.services.notifications import notifications_in
from orgchart import services as org_services
from orgchart.models import Department, Position
from utilities.names import clean_name
from utilities.text import normalize_identifier, normalize_login_part, normalize_mobile

from .models import ScimActor, ScimGroupRecord, ScimReadSummary, ScimToken, ScimUserRecord, hash_token, new_token
from .resources import mainland_mobile
from .schemas import StaffdeskGroup, StaffdeskUser, StaffEnterpriseUser

LAST_USED_PRECISION = datetime.timedelta(minutes=1)

# Staffdesk fields → the SCIM attribute an identity provider knows them by, for error messages.
SCIM_NAMES = {
    "account_name": "userName",
    "display_name": "displayName",
    "mobile": "phoneNumbers",
    "email": "emails",
    "department": "departmentId",
    "position": "position",
    "parent": "parentId",
    "name": "displayName",
    "first_name": "name.givenName",
    "last_name": "name.familyName",
    "external_id": "externalId",
}
UNIQUE_FIELDS = {"account_name", "mobile", "name"}


def _require_owner(actor, tenant):
    if not (actor.is_authenticated and actor.is_owner and actor.tenant_id == tenant.pk):
        raise PermissionDenied


# Tokens -----------------------------------------------------------------------------------------


@transaction.atomic
def scim_token_create(*, actor, name, default_department=None, default_position=None):
    """Create a token for the actor's tenant; return ``(token, secret)``, the secret shown once."""
    tenant = actor.tenant
    _require_owner(actor, tenant)
    for ref, field in ((default_department, "default_department"), (default_position, "default_position")):
        if ref is not None and ref.tenant_id != tenant.pk:
            raise ValidationError({field: _("Choose one of your own organisation.")})
    name = clean_name(name, what=TOKEN_NAME, field="name", max_length=ScimToken._meta.get_field("name").max_length)
    secret = new_token()
    token = ScimToken(
        tenant=tenant,
        name=name,
        token_hash=hash_token(secret),
        default_department=default_department,
        default_position=default_position,
        created_by=actor,
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        tenant=tenant,
        action="scim.token_create",
        target=token,
        after={
            "name": token.name,
            "default_department": default_department.path if default_department else None,
            "default_position": str(default_position) if default_position else None,
        },
    )
    return token, secret


@transaction.atomic
def scim_token_revoke(*, actor, token):
    """Revoke a token: its next request gets 401. Revoking twice changes nothing."""
    _require_owner(actor, token.tenant)
    token = ScimToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    scim_reads_summarise(token=token)  # its last hour of reads, now that no more can come
    audit_record(actor=actor, action="scim.token_revoke", target=token, before={"revoked_at": None}, after={"revoked_at": token.revoked_at})
    return token


def scim_token_authenticate(secret):
    """Return the usable token for a presented secret (and note its use), or ``None``."""
    if not secret:
        return None
    # Only a token its tenant's main account created works; that is checked in the query, so the
    # creator's wide row is not read on every request (issue 27).
    token = (
        ScimToken.objects.usable()
        .select_related("tenant", "default_department", "default_position")
        .filter(token_hash=hash_token(secret), created_by__kind=User.Kind.OWNER, created_by__tenant_id=F("tenant_id"))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        # At most one write a minute per token, however busy the identity provider is.
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


MAX_SUMMARY_PATHS = 50
MAX_SUMMARY_FILTERS = 20


@transaction.atomic
def scim_use_record(*, token, method, path, status, filter_text=None, results=None, error=None):
    """Audit one request made with ``token`` (R-37: every use, reads included).

    Successful writes are audited by the services that make them; this records what they do not:
    a refused request of any kind (``scim.refused``: the status and the reason the client was
    given), and reads, counted per token and hour (``ScimReadSummary``) and written as one
    ``scim.read`` entry per hour (reads, resources returned, addresses, filters) once the hour is
    over: at the token's first read of a later hour, or when it is revoked.
    """
    if status < 400 and method not in {"GET", "HEAD"} and not path.endswith("/.search"):
        return None
    if status < 400:
        return _read_count(token, path, filter_text, results)
    error = error or {}
    return audit_record(
        actor=acting_as(token),
        tenant=token.tenant,
        action="scim.refused",
        target=token,
        after={
            "method": method,
            "path": path,
            "status": status,
            "scimType": error.get("scimType"),
            "detail": (error.get("detail") or "")[:500],
        },
    )


def _read_count(token, path, filter_text, results, now=None):
    hour = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    summary, created = ScimReadSummary.objects.select_for_update().get_or_create(
        token=token, hour=hour, defaults={"tenant_id": token.tenant_id}
    )
    summary.reads += 1
    summary.results += results or 0
    if path in summary.paths or len(summary.paths) < MAX_SUMMARY_PATHS:
        summary.paths[path] = summary.paths.get(path, 0) + 1
    if filter_text and filter_text not in summary.filters and len(summary.filters) < MAX_SUMMARY_FILTERS:
        summary.filters.append(filter_text[:500])
    summary.save(update_fields=["reads", "results", "paths", "filters"])
    if created:  # the first read of a new hour: the earlier hours are over
        scim_reads_summarise(token=token, before=hour)
    return summary


@transaction.atomic
def scim_reads_summarise(*, token, before=None):
    """Write one ``scim.read`` audit entry for each of ``token``'s hours of reads that started before
    ``before`` (all of them when ``None``) and is not in the audit log yet."""
    pending = ScimReadSummary.objects.select_for_update().filter(token=token, audited=False).order_by("hour")
    if before is not None:
        pending = pending.filter(hour__lt=before)
    pending = list(pending)
    if not pending:
        return
    actor = acting_as(token)
    for summary in pending:
        audit_record(
            actor=actor,
            tenant=token.tenant,
            action="scim.read",
            target=token,
            after={
                "hour": summary.hour.isoformat(),
                "reads": summary.reads,
                "results": summary.results,
                "paths": summary.paths,
                "filters": summary.filters,
            },
        )
    ScimReadSummary.objects.filter(pk__in=[s.pk for s in pending]).update(audited=True)


def acting_as(token):
    """The main account, labelled with the token's name in the audit log."""
    actor = ScimActor.objects.select_related("tenant").get(pk=token.created_by_id)
    actor.token_name = token.name
    return actor


# Errors -----------------------------------------------------------------------------------------


def scim_error(exc):
    """Turn a service's ``ValidationError`` into the SCIM exception a client understands (RFC 7644 §3.12)."""
    if hasattr(exc, "error_dict"):
        parts, unique = [], False
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = " ".join(error.messages)
                if field in UNIQUE_FIELDS and error.code in (None, "unique"):
                    unique = True
                parts.append(f"{SCIM_NAMES.get(field, field)}: {message}" if field != "__all__" else message)
        detail = " ".join(parts)
        return UniquenessException(detail=detail) if unique else InvalidValueException(detail=detail)
    return InvalidValueException(detail=" ".join(exc.messages))


# Users ------------------------------------------------------------------------------------------

def _mobile(resource, current=""):
    """The mobile a User resource carries, and the phone entries to keep for read-back.

    The mobile is the first entry (primary first, then type ``mobile``, then the rest) that is a
    mainland mobile once ``tel:``, ``+86``, spaces and hyphens are dropped. Other numbers (a desk
    phone, a number abroad) are kept as the provider sent them and read back, but are not the
    account's mobile, which binding by text message needs. With entries but no mainland mobile
    among them, the account keeps ``current``. Returns ``(mobile, entries)``.
    """
    entries = [e for e in resource.phone_numbers or [] if e.value]
    if not entries:
        return "", []
    ordered = sorted(entries, key=lambda e: (not e.primary, (e.type or "").lower() != "mobile"))
    mobile = next((m for m in (mainland_mobile(e.value) for e in ordered) if m), current)
    return mobile, [e.model_dump(exclude_none=True) for e in entries]


def _email(resource):
    entries = resource.emails or []
    chosen = next((e for e in entries if e.primary), None) or (entries[0] if entries else None)
    if chosen is None or not chosen.value:
        return "", []
    return str(chosen.value), [chosen.model_dump(exclude_none=True)]


def _display_name(resource, fallback):
    name = resource.name
    if resource.display_name and resource.display_name.strip():  # only spaces: as if not sent
        return resource.display_name
    if name is not None and (name.family_name or name.given_name):
        return "".join(part for part in (name.family_name, name.given_name) if part)
    return fallback


def _department(tenant, resource, current=None, paths=None):
    """The department a User resource names: Staffdesk's departmentId, else the enterprise path."""
    extension = resource[StaffdeskUser]
    enterprise = resource[StaffEnterpriseUser]
    wanted_id = extension.department_id if extension else None
    wanted_path = enterprise.department if enterprise else None
    if current is not None:
        # A PATCH carries both the old and the changed value: whichever differs is the change.
        if wanted_id == str(current.pk):
            wanted_id = None
        if wanted_path == (paths or {}).get(current.pk):
            wanted_path = None
        if not wanted_id and not wanted_path:
            return current
    if wanted_id:
        department = Department.objects.filter(tenant=tenant, pk=int(wanted_id) if wanted_id.isdigit() else 0).first()
        if department is None:
            raise InvalidValueException(detail=_("departmentId: no department of yours has the id %(id)s.") % {"id": wanted_id})
        return department
    if wanted_path:
        paths = paths if paths is not None else {}
        matches = [pk for pk, path in paths.items() if path == wanted_path.strip("/")]
        if not matches:
            matches = list(Department.objects.filter(tenant=tenant, name=wanted_path).values_list("pk", flat=True))
        if len(matches) != 1:
            raise InvalidValueException(
                detail=(
                    _("department: no department is at “%(path)s”; create it as a Group first or send departmentId.")
                    if not matches
                    else _("department: several departments are named “%(path)s”; send its full path or departmentId.")
                )
                % {"path": wanted_path}
            )
        return Department.objects.get(pk=matches[0])
    return current


def _position(tenant, resource, current=None):
    extension = resource[StaffdeskUser]
    wanted = (extension.position or "").strip() if extension else ""
    if not wanted or (current is not None and wanted == current.name):
        return current
    position = Position.objects.filter(tenant=tenant, name=wanted).first()
    if position is None:
        raise InvalidValueException(
            detail=_("position: there is no position named “%(name)s”; create it under Positions first.") % {"name": wanted}
        )
    return position


def _profile_set(actor, staff, *, email, first_name, last_name):
    """Write the fields only SCIM edits (e-mail and the split name) with an audit entry."""
    before = {"email": staff.email, "first_name": staff.first_name, "last_name": staff.last_name}
    after = {"email": email, "first_name": first_name, "last_name": last_name}
    if before == after:
        return
    staff.email, staff.first_name, staff.last_name = email, first_name, last_name
    staff.full_clean(exclude=["password", "username"])
    staff.save(update_fields=["email", "first_name", "last_name"])
    changed = [k for k in after if before[k] != after[k]]
    audit_record(
        actor=actor,
        action="staff.update",
        target=staff,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )


def _external_id_set(actor, record, target, external_id):
    """Store the identity provider's id for ``target`` (checked like any field), audited when it changes."""
    before = record.external_id
    record.external_id = external_id or ""
    record.full_clean(exclude=["tenant", "user", "department"])
    if record.external_id != before:
        audit_record(
            actor=actor,
            action="scim.external_id_set",
            target=target,
            before={"external_id": before},
            after={"external_id": record.external_id},
        )


def _record_set(staff, *, actor, external_id=None, emails=None, phone_numbers=None, keep_external_id=False):
    record = ScimUserRecord.objects.filter(user=staff).first() or ScimUserRecord(user=staff, tenant=staff.tenant)
    record.last_modified = timezone.now()
    if not keep_external_id:
        _external_id_set(actor, record, staff, external_id)
    if emails is not None:
        record.emails = emails
    if phone_numbers is not None:
        record.phone_numbers = phone_numbers
    record.save()


GIVEN_NAME = gettext_lazy("given name")
FAMILY_NAME = gettext_lazy("family name")
TOKEN_NAME = gettext_lazy("token name")


def _name_parts(resource):
    """``(given, family)`` from ``name``, each as stored (R-21); ``ValidationError`` keyed
    ``first_name``/``last_name`` (``name.givenName``/``name.familyName``) for a bad one."""
    name = resource.name
    given = (name.given_name or "") if name else ""
    family = (name.family_name or "") if name else ""
    errors = {}
    for field, what, value in (("first_name", GIVEN_NAME, given), ("last_name", FAMILY_NAME, family)):
        try:
            cleaned = clean_name(value, what=what, field=field, required=False, max_length=150)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        else:
            given, family = (cleaned, family) if field == "first_name" else (given, cleaned)
    if errors:
        raise ValidationError(errors)
    return given, family


def _locked_out(func):
    """Run a write as one transaction and turn the services' errors into SCIM errors."""

    def wrapper(*args, **kwargs):
        try:
            # The provider's language (often none, so English) is for the error details its log
            # shows; the staff it adds read their invitation in the merchant's language.
            with notifications_in(settings.LANGUAGE_CODE), transaction.atomic():
                return func(*args, **kwargs)
        except ValidationError as exc:
            raise scim_error(exc) from exc
        except IntegrityError as exc:
            raise UniquenessException(detail=_("This conflicts with an existing account or department.")) from exc

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,29}$")


def _clean_user_name(user_name):
    """The provider's userName as stored: NFKC and stripped as logins are (``normalize_identifier``),
    at most 200 characters, not empty. Compared case-insensitively everywhere."""
    user_name = normalize_identifier(user_name)
    if not user_name:
        raise InvalidValueException(detail=_("userName: send the name your directory knows the person by."))
    if len(user_name) > ScimUserRecord._meta.get_field("user_name").max_length:
        raise InvalidValueException(detail=_("userName: at most 200 characters."))
    return user_name


def _user_name_holder(tenant, user_name, exclude_pk=None):
    """The account (offboarded ones included) the provider already calls ``user_name``, compared case-insensitively."""
    rows = User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, temporary_ends_at__isnull=True).filter(
        Q(scim_record__user_name__iexact=user_name)
        | (Q(account_name=normalize_login_part(user_name)) & (Q(scim_record__isnull=True) | Q(scim_record__user_name="")))
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.order_by("pk").first()


def _login_name_holder(tenant, user_name, exclude_pk=None):
    """Another account whose login name (R-10) is ``user_name`` once normalised as logins are.

    ``<tenant>:<userName>`` must open one account only, so a userName may not be someone else's
    login name, whatever userName that account has itself.
    """
    rows = User.objects.filter(tenant=tenant, account_name=normalize_login_part(user_name))
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.order_by("pk").first()


def user_names_taken(tenant, account_names):
    """Which of ``account_names`` some account of ``tenant`` has as its stored userName
    (case-insensitively): a new login name must not be one, or one login would open two accounts."""
    wanted = {normalize_login_part(name) for name in account_names if name}
    if not wanted:
        return set()
    query = Q()
    for name in wanted:
        query |= Q(user_name__iexact=name)
    stored = ScimUserRecord.objects.filter(query, tenant=tenant).values_list("user_name", flat=True)
    return {normalize_login_part(name) for name in stored} & wanted


def account_name_for(tenant, user_name):
    """The account name (R-10) for a new account the provider calls ``user_name``.

    A userName that is already a valid account name is used as it is (lower-cased); otherwise the
    part before ``@`` of an e-mail or UPN, keeping letters, digits, dots, hyphens and underscores,
    cut to 26 characters (``li.wei@contoso.com`` → ``li.wei``; a UUID → its first 26 characters).
    When that is taken, ``-2``, ``-3``… is appended. The person logs in with
    ``<tenant>:<account name>`` or ``<tenant>:<userName>`` (``scim.backends``).
    """
    wanted = normalize_login_part(user_name)
    if (
        ACCOUNT_NAME.match(wanted)
        and not User.objects.filter(tenant=tenant, account_name=wanted).exists()
        and not user_names_taken(tenant, [wanted])
    ):
        return wanted
    base = re.sub(r"[^a-z0-9_.-]", "", wanted.partition("@")[0])[:26].lstrip("_.-")
    if len(base) < 2:
        base = "u" + hashlib.sha256(wanted.encode()).hexdigest()[:7]
    taken = set(User.objects.filter(tenant=tenant, account_name__startswith=base).values_list("account_name", flat=True))
    # Another account's userName is its login too (``scim.backends``): never hand it out as a login name.
    taken |= {
        normalize_login_part(name)
        for name in ScimUserRecord.objects.filter(tenant=tenant, user_name__istartswith=base).values_list("user_name", flat=True)
    }
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _refuse_login_name(tenant, user_name, exclude_pk=None):
    holder = _login_name_holder(tenant, user_name, exclude_pk=exclude_pk)
    if holder is not None:
        raise UniquenessException(
            detail=_("userName: it is the login name of another account of yours (id %(id)s); one login must open one account.")
            % {"id": holder.pk}
        )


def _user_name_set(actor, staff, user_name):
    """Keep the provider's userName beside the account; a change is audited and never touches the login (R-10)."""
    user_name = _clean_user_name(user_name)
    holder = _user_name_holder(staff.tenant, user_name, exclude_pk=staff.pk)
    if holder is not None:
        raise UniquenessException(
            detail=_("userName: another account of yours (id %(id)s) already has this userName.") % {"id": holder.pk}
        )
    _refuse_login_name(staff.tenant, user_name, exclude_pk=staff.pk)
    record = ScimUserRecord.objects.filter(user=staff).first() or ScimUserRecord(
        user=staff, tenant=staff.tenant, last_modified=timezone.now()
    )
    stored = "" if user_name.lower() == staff.account_name else user_name
    if stored != record.user_name:
        audit_record(
            actor=actor,
            action="scim.user_name_set",
            target=staff,
            before={"user_name": record.user_name or staff.account_name},
            after={"user_name": user_name},
        )
        record.user_name = stored
        record.save()


@_locked_out
def scim_user_create(*, token, resource, paths):
    """Add a staff account as the add-staff page does (quota, unique name, invitation).

    A userName the tenant already has on an offboarded account re-binds that account (re-hire,
    R-15) with its history; on a live account it is a 409.
    """
    actor = acting_as(token)
    tenant = token.tenant
    user_name = _clean_user_name(resource.user_name)
    holder = _user_name_holder(tenant, user_name)
    if holder is not None:
        if holder.status != User.Status.RESIGNED:
            raise UniquenessException(
                detail=_("userName: an account of yours (id %(id)s) already has this userName.") % {"id": holder.pk}
            )
        ScimUserRecord.objects.filter(user=holder).update(deleted_by_provider=False)
        if resource.active is None:
            resource.active = True
        if _display_name(resource, "") == "":
            resource.display_name = holder.display_name or None  # a create that sends no name keeps the one on file
        return _user_replace(token, holder, resource, paths)
    _refuse_login_name(tenant, user_name)
    department = _department(tenant, resource, paths=paths) or token.default_department
    position = _position(tenant, resource) or token.default_position
    if department is None or position is None:
        raise InvalidValueException(
            detail=_(
                "Send departmentId and position in the Staffdesk extension, or choose a default department and "
                "position for this token under Settings → SCIM provisioning."
            )
        )
    mobile, phone_entries = _mobile(resource)
    email, email_entries = _email(resource)
    given, family = _name_parts(resource)
    account_name = account_name_for(tenant, user_name)
    staff, _link = staff_services.staff_add(
        actor=actor,
        tenant=tenant,
        display_name=_display_name(resource, account_name),
        account_name=account_name,
        mobile=mobile,
        department=department,
        position=position,
        # An identity provider cannot read a warning: without SMS the owner's dashboard says so.
        confirm_no_sms=True,
    )
    _profile_set(actor, staff, email=email, first_name=given, last_name=family)
    if resource.active is False:
        staff_services.staff_disable(actor=actor, staff=staff)
    _record_set(staff, actor=actor, external_id=resource.external_id, emails=email_entries, phone_numbers=phone_entries)
    _user_name_set(actor, staff, user_name)
    return staff


@_locked_out
def scim_user_replace(*, token, staff, resource, paths):
    """Make a staff account what ``resource`` says, through the edit, disable, enable and re-bind services."""
    return _user_replace(token, staff, resource, paths)


def _user_replace(token, staff, resource, paths):
    actor = acting_as(token)
    tenant = token.tenant
    if resource.active is True and staff.status == User.Status.FROZEN:
        # Frozen lifts only by the owner's unfreeze and the person's verification; saying
        # 200 with active false would hide that the provider's "on" did nothing.
        raise InvalidValueException(
            detail=_(
                "active: this account is frozen because real-person verification was not completed in time; "
                "it stays off until the main account unfreezes it and the person completes verification. "
                "Send active false or leave active out."
            )
        )
    if resource.active is True and staff.status == User.Status.RESIGNED:
        # Re-hire: the same account, its history kept, bound to the person again.
        mobile, _entries = _mobile(resource)
        department = _department(tenant, resource, paths=paths) or staff.department or token.default_department
        position = _position(tenant, resource) or staff.position or token.default_position
        staff, _link = staff_services.staff_rebind(
            actor=actor,
            staff=staff,
            display_name=_display_name(resource, staff.display_name),
            mobile=mobile,
            department=department,
            position=position,
        )
    if resource.user_name is not None:
        _user_name_set(actor, staff, resource.user_name)
    department = _department(tenant, resource, current=staff.department, paths=paths)
    position = _position(tenant, resource, current=staff.position)
    mobile, phone_entries = _mobile(resource, current=staff.mobile)
    email, email_entries = _email(resource)
    given, family = _name_parts(resource)
    display_name = _display_name(resource, "")
    changed = (display_name, mobile, department, position) != (staff.display_name, staff.mobile, staff.department, staff.position)
    if changed and staff.status == User.Status.RESIGNED:
        raise InvalidValueException(
            detail=_("active: this person was offboarded; send active true to re-hire them before changing their details.")
        )
    if changed:
        staff = staff_services.staff_update(
            actor=actor,
            staff=staff,
            display_name=display_name,
            mobile=mobile,
            department=department,
            position=position,
            is_department_admin=staff.is_department_admin and department == staff.department,
            supplementary_permissions=list(staff.user_permissions.all()),
        )
    staff = User.objects.get(pk=staff.pk)
    _profile_set(actor, staff, email=email, first_name=given, last_name=family)
    if resource.active is False and staff.status in (User.Status.ACTIVE, User.Status.PENDING, User.Status.FROZEN):
        # The provider's "off" wins over a freeze: the account is disabled, so the owner's later
        # unfreeze (which only applies to frozen accounts) cannot let a leaver back in.
        staff_services.staff_disable(actor=actor, staff=staff, include_frozen=True)
    elif resource.active is True and staff.status == User.Status.DISABLED:
        staff_services.staff_enable(actor=actor, staff=staff)
    _record_set(staff, actor=actor, external_id=resource.external_id, emails=email_entries, phone_numbers=phone_entries)
    return staff


@_locked_out
def scim_user_delete(*, token, staff):
    """Offboard (离职): the account and its history stay, the seat frees up (R-15); to the provider it is gone
    (404) until it creates the same userName again."""
    if staff.status != User.Status.RESIGNED:
        staff_services.staff_offboard(actor=acting_as(token), staff=staff)
    record = ScimUserRecord.objects.filter(user=staff).first() or ScimUserRecord(
        user=staff, tenant=staff.tenant, last_modified=timezone.now()
    )
    record.deleted_by_provider = True
    record.save()


# Groups -----------------------------------------------------------------------------------------


def _parent(tenant, resource):
    extension = resource[StaffdeskGroup]
    wanted = extension.parent_id if extension else None
    if not wanted:
        return None
    parent = Department.objects.filter(tenant=tenant, pk=int(wanted) if wanted.isdigit() else 0).first()
    if parent is None:
        raise InvalidValueException(detail=_("parentId: no department of yours has the id %(id)s.") % {"id": wanted})
    return parent


def _touch_group(department, *, actor, external_id=None, keep_external_id=False):
    record = ScimGroupRecord.objects.filter(department=department).first() or ScimGroupRecord(
        department=department, tenant=department.tenant
    )
    record.last_modified = timezone.now()
    if not keep_external_id:
        _external_id_set(actor, record, department, external_id)
    record.save()


def _members_set(actor, department, resource, token):
    """Move the listed staff into ``department``; move those it no longer lists to the token's default department.

    Every staff account belongs to exactly one department (R-9), so leaving a Group has one effect,
    whatever form the request takes (PATCH remove by filter, by value list, a PUT without them):
    the person moves to the token's default department. Without one (or leaving the default
    department itself) the request is refused and says so; nothing changes.
    """
    wanted = {m.value for m in (resource.members or []) if m.value}
    staff_in = {
        str(pk): label
        for pk, label in User.objects.filter(department=department, kind=User.Kind.STAFF, temporary_ends_at__isnull=True)
        .exclude(status=User.Status.RESIGNED)
        .values_list("pk", "account_name")
    }
    dropped = [pk for pk in staff_in if pk not in wanted]
    destination = token.default_department
    if dropped and (destination is None or destination.pk == department.pk):
        raise InvalidValueException(
            detail=_(
                "members: every staff account belongs to exactly one department, so %(names)s cannot just leave "
                "%(department)s: people removed from a group move to this token's default department, and "
                "there is none to move them to. Choose a default department for the token, or add them to "
                "another group first."
            )
            % {"names": "、".join(sorted(staff_in[pk] for pk in dropped)), "department": department.name}
        )
    for person in User.objects.filter(pk__in=[int(pk) for pk in dropped]).select_related("department", "position"):
        _move(actor, person, destination)
    ids = [int(pk) for pk in wanted - set(staff_in) if pk.isdigit()]
    joining = list(
        User.objects.filter(tenant=department.tenant, kind=User.Kind.STAFF, pk__in=ids, temporary_ends_at__isnull=True)
        .exclude(status=User.Status.RESIGNED)
        .select_related("department", "position")
    )
    unknown = (wanted - set(staff_in)) - {str(s.pk) for s in joining}
    if unknown:
        raise InvalidValueException(detail=_("members: no staff account of yours has the id %(ids)s.") % {"ids": ", ".join(sorted(unknown))})
    for person in joining:
        _move(actor, person, department)


def _move(actor, person, department):
    staff_services.staff_update(
        actor=actor,
        staff=person,
        display_name=person.display_name,
        mobile=person.mobile,
        department=department,
        position=person.position,
        is_department_admin=False,
        supplementary_permissions=list(person.user_permissions.all()),
    )
    _record_set(person, actor=actor, keep_external_id=True)


@_locked_out
def scim_group_create(*, token, resource):
    """Create a department under the parent it names (three levels at most, R-3)."""
    actor = acting_as(token)
    department = org_services.department_create(
        actor=actor, tenant=token.tenant, name=resource.display_name or "", parent=_parent(token.tenant, resource)
    )
    _members_set(actor, department, resource, token)
    _touch_group(department, actor=actor, external_id=resource.external_id)
    return department


@_locked_out
def scim_group_replace(*, token, department, resource):
    """Rename, move and re-staff a department through the org-chart services."""
    actor = acting_as(token)
    name = (resource.display_name or "").strip()
    if not name:
        raise InvalidValueException(detail=_("displayName: a department needs a name."))
    if name != department.name:
        department = org_services.department_rename(actor=actor, department=department, name=name)
    parent = _parent(token.tenant, resource)
    if (parent.pk if parent else None) != department.parent_id:
        department = org_services.department_move(actor=actor, department=department, new_parent=parent)
    _members_set(actor, department, resource, token)
    _touch_group(department, actor=actor, external_id=resource.external_id)
    return department


@_locked_out
def scim_group_delete(*, token, department):
    """Delete an empty department; the error names what is still in it (R-4)."""
    org_services.department_delete(actor=acting_as(token), department=department)
