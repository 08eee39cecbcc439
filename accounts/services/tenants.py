from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from utilities.names import clean_name
from utilities.request_context import network_of
from utilities.text import normalize_login_part

from ..channels import dingtalk_webhook_allowed
from ..locks import lock_sign_ups_from
from ..models import AuditAction, AuditEntry, Tenant, User
from .audit import SECRET_MASK, audit_record
from .sessions import sessions_end


SHOP_NAME = gettext_lazy("shop or company name")
CONTACT_NAME = gettext_lazy("contact name")
DISPLAY_NAME = gettext_lazy("display name")


# Both kinds of sign-up count together against one network's limit.
SIGN_UP_ACTIONS = ("tenant.sign_up", "individual.sign_up")


def sign_up_retry_at(ip, now=None):
    """When the network of ``ip`` may sign up again, or ``None`` when it may now.

    At most ``SIGNUP_RATE_LIMIT`` sign-ups (shops and individuals together) per network (an IPv4
    /24 or IPv6 /64, ``utilities.request_context.network_of``) per ``SIGNUP_RATE_WINDOW_SECONDS``,
    counted from the audit log's sign-up entries and their addresses. ``ip`` is the client
    address (``client_ip``); ``None``, or a limit of 0, is never limited. Returns an aware datetime.
    """
    network = network_of(ip)
    limit = settings.SIGNUP_RATE_LIMIT
    if network is None or not limit:
        return None
    now = now or timezone.now()
    window = timedelta(seconds=settings.SIGNUP_RATE_WINDOW_SECONDS)
    recent = AuditEntry.objects.filter(action__in=SIGN_UP_ACTIONS, created_at__gt=now - window).exclude(ip_address=None)
    times = sorted(
        (at for address, at in recent.values_list("ip_address", "created_at") if network_of(address) == network),
        reverse=True,
    )
    if len(times) < limit:
        return None
    # Free again once the oldest of the newest ``limit`` sign-ups leaves the window.
    return times[limit - 1] + window


def _throttle_sign_ups(ip):
    """Take the network's sign-up lock and refuse when it has signed up too often lately."""
    lock_sign_ups_from(network_of(ip))
    retry_at = sign_up_retry_at(ip)
    if retry_at is not None:
        raise ValidationError(
            _(
                "Too many accounts have been created from your network in a short time. "
                "Please try again after %(time)s."
            )
            % {"time": formats.time_format(timezone.localtime(retry_at))},
            code="rate_limited",
        )


@transaction.atomic
def tenant_sign_up(*, tenant_name, slug, kind, username, email, password, ip=None):
    """Create a tenant and its main account (R-1) and return the main account.

    Raises ``ValidationError`` keyed by field; ``tenant_name`` follows the names rule (R-21).

    ``ip`` is the client's address, the one the request context gives the audit entry (which the
    limit counts): its network may sign up at most ``SIGNUP_RATE_LIMIT`` times per window
    (``sign_up_retry_at``), else ``ValidationError`` (code ``rate_limited``). ``None``: no limit.
    """
    _throttle_sign_ups(ip)
    tenant_name = clean_name(tenant_name, what=SHOP_NAME, field="tenant_name", max_length=100)
    tenant = Tenant(name=tenant_name, slug=normalize_login_part(slug), kind=kind)
    tenant.full_clean()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is already taken.")})
    tenant.save()
    owner = User(
        tenant=tenant,
        kind=User.Kind.OWNER,
        username=username,
        email=email,
        status=User.Status.ACTIVE,
        bound_at=timezone.now(),
    )
    owner.set_password(password)
    owner.full_clean()
    owner.save()
    audit_record(
        actor=owner,
        tenant=tenant,
        action="tenant.sign_up",
        target=tenant,
        after={"name": tenant.name, "slug": tenant.slug, "kind": tenant.kind, "owner": owner.username},
    )
    return owner


@transaction.atomic
def individual_sign_up(*, username, email, password, display_name="", ip=None):
    """Create an individual user (个人用户) of no tenant, whom shops may invite as their operation
    account (R-33), and return it. An empty ``display_name`` stays empty; one that breaks the
    names rule raises ``ValidationError`` keyed ``display_name`` (R-21).

    ``ip`` is the client's address, limited per network as for ``tenant_sign_up``.
    """
    _throttle_sign_ups(ip)
    display_name = clean_name(display_name, what=DISPLAY_NAME, field="display_name", required=False, max_length=50)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is already taken.")})
    person = User(
        tenant=None,
        kind=User.Kind.INDIVIDUAL,
        username=username,
        email=email,
        display_name=display_name,
        status=User.Status.ACTIVE,
        bound_at=timezone.now(),
    )
    person.set_password(password)
    person.full_clean()
    person.save()
    audit_record(
        actor=person,
        tenant=None,
        action="individual.sign_up",
        target=person,
        after={"username": person.username, "display_name": person.display_name},
    )
    return person


def _dingtalk_snapshot(tenant):
    return {
        "contact_name": tenant.dingtalk_contact_name,
        "mobile": tenant.dingtalk_mobile,
        "webhook": tenant.dingtalk_webhook,
        "secret": SECRET_MASK if tenant.dingtalk_secret else "",
    }


@transaction.atomic
def tenant_dingtalk_update(*, actor, tenant, contact_name, mobile, webhook="", secret=None):
    """Save the main account's DingTalk contact (R-2); an empty ``secret`` keeps the stored one."""
    if not (actor.is_owner and actor.tenant_id == tenant.pk):
        raise PermissionDenied
    if webhook and not dingtalk_webhook_allowed(webhook):
        raise ValidationError(
            {
                "dingtalk_webhook": _(
                    "Paste the custom robot's webhook from DingTalk: it starts with "
                    "https://oapi.dingtalk.com/robot/send?access_token="
                )
            }
        )
    contact_name = clean_name(contact_name, what=CONTACT_NAME, field="dingtalk_contact_name", max_length=50)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = _dingtalk_snapshot(tenant)
    tenant.dingtalk_contact_name = contact_name
    tenant.dingtalk_mobile = mobile
    tenant.dingtalk_webhook = webhook
    if secret:
        tenant.dingtalk_secret = secret
    if not webhook:
        tenant.dingtalk_secret = ""
    if tenant.dingtalk_completed_at is None:
        tenant.dingtalk_completed_at = timezone.now()
    tenant.full_clean()
    tenant.save(
        update_fields=[
            "dingtalk_contact_name",
            "dingtalk_mobile",
            "dingtalk_webhook",
            "dingtalk_secret",
            "dingtalk_completed_at",
        ]
    )
    audit_record(
        actor=actor,
        tenant=tenant,
        action="tenant.dingtalk_update",
        target=tenant,
        before=before,
        after=_dingtalk_snapshot(tenant),
    )
    return tenant


@transaction.atomic
def user_password_change(*, actor, new_password, keep_session_key=None):
    """Set the actor's own new password and record that it changed (never the password itself).

    Every other session of the actor is deleted (R-21); ``keep_session_key`` is the session the
    change was made from, which stays logged in.
    """
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    ended = sessions_end(user=actor, keep_session_key=keep_session_key)
    audit_record(actor=actor, action="user.password_change", target=actor, after={"sessions_ended": ended})
    return actor


def _require_operator(actor):
    if not (actor.is_superuser or actor.kind == User.Kind.OPERATOR):
        raise PermissionDenied


@transaction.atomic
def tenant_rename_by_operator(*, actor, tenant, name, kind):
    """A platform operator corrects a tenant's name or kind (shop / service provider); audited.

    The login prefix is never changed (R-10). Returns the tenant; raises ``PermissionDenied`` for
    anyone but an operator, ``ValidationError`` for a blank name or unknown kind.
    """
    _require_operator(actor)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = {"name": tenant.name, "kind": tenant.kind}
    tenant.name = clean_name(name, what=SHOP_NAME, field="name", max_length=100)
    tenant.kind = kind
    tenant.full_clean(validate_unique=False, validate_constraints=False)
    after = {"name": tenant.name, "kind": tenant.kind}
    if before != after:
        tenant.save(update_fields=["name", "kind"])
        audit_record(
            actor=actor, tenant=tenant, action=AuditAction.ADMIN_TENANT_CHANGE, target=tenant, before=before, after=after
        )
    return tenant


@transaction.atomic
def tenant_set_quotas(*, actor, tenant, staff_quota, temporary_quota):
    """Set how many staff and temporary accounts a tenant may hold (R-11, R-20): extra seats bought.

    Platform operators only. Takes the tenant row lock that every seat-taking write takes, so a
    change never interleaves with an add or an import. A quota below the seats in use is allowed
    (nothing is removed; adding is refused until seats are freed). Returns the tenant.
    Raises ``PermissionDenied`` for anyone else, ``ValidationError`` for a negative or huge number.
    """
    _require_operator(actor)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = {"staff_quota": tenant.staff_quota, "temporary_quota": tenant.temporary_quota}
    tenant.staff_quota = staff_quota
    tenant.temporary_quota = temporary_quota
    tenant.full_clean(validate_unique=False, validate_constraints=False)
    after = {"staff_quota": tenant.staff_quota, "temporary_quota": tenant.temporary_quota}
    if before == after:
        return tenant
    tenant.save(update_fields=["staff_quota", "temporary_quota"])
    audit_record(actor=actor, tenant=tenant, action=AuditAction.TENANT_QUOTAS, target=tenant, before=before, after=after)
    return tenant


@transaction.atomic
def user_password_set_by_operator(*, actor, user, new_password, keep_session_key=None):
    """A platform operator sets someone's password in the admin (``None``: no password login at all).

    Recorded in the audit log, never the password itself. Every session of that user ends (R-15),
    but ``keep_session_key`` (the operator's own, when changing their own password). Returns the
    user as stored.
    """
    _require_operator(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if new_password is None:
        user.set_unusable_password()
    else:
        user.set_password(new_password)
    user.save(update_fields=["password"])
    sessions_end(user=user, keep_session_key=keep_session_key)
    audit_record(
        actor=actor,
        action=AuditAction.ADMIN_USER_PASSWORD,
        target=user,
        after={"password_login": new_password is not None},
    )
    return user
