"""The main account's distribution settings: chat groups, their members and the tenant-wide
settings (R-36). Every change hands out what waits and rings the tenant's doorbell."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services.audit import audit_record
from accounts import permissions as catalogue
from accounts.locks import lock_tenant
from utilities.names import clean_name

from .. import doorbell, routing
from ..models import ChatGroup, ChatMember, DistributionSettings
from .rights import _owner_only


def _ring_tenant(tenant_id):
    doorbell.ring(doorbell.tenant_key(tenant_id))


def _name_free(group):
    taken = ChatGroup.objects.filter(tenant_id=group.tenant_id, name=group.name).exclude(pk=group.pk)
    if group.name and taken.exists():
        raise ValidationError({"name": _("A chat group with this name already exists.")})


@transaction.atomic
def group_create(*, actor, name, description="", is_offered=True):
    _owner_only(actor)
    name = clean_name(name, what=_("group name"), field="name")
    group = ChatGroup(tenant_id=actor.tenant_id, name=name, description=description, is_offered=is_offered)
    _name_free(group)
    group.full_clean()
    group.save()
    audit_record(actor=actor, action="chat.group_create", target=group, after={"name": group.name, "offered": is_offered})
    _ring_tenant(actor.tenant_id)
    return group


def _group_fields(group):
    return {
        "name": group.name,
        "description": group.description,
        "offered": group.is_offered,
        "reception_cap": group.reception_cap,
        "opens_at": group.opens_at,
        "closes_at": group.closes_at,
    }


@transaction.atomic
def group_update(*, actor, group, name, description="", is_offered=True, reception_cap=None, opens_at=None, closes_at=None):
    """Rename a group, offer it or not, set its members' default reception cap and its working
    hours (Beijing time; both or neither). A higher cap or an opening hands out what waits."""
    _owner_only(actor)
    if group.tenant_id != actor.tenant_id:
        raise PermissionDenied
    lock_tenant(actor.tenant)
    before = _group_fields(group)
    group.name = clean_name(name, what=_("group name"), field="name")
    group.description = description
    group.is_offered = is_offered
    if reception_cap is not None:
        group.reception_cap = reception_cap
    if (opens_at is None) != (closes_at is None):
        raise ValidationError({"closes_at": _("Give both the opening and the closing time, or neither.")})
    if opens_at is not None and opens_at == closes_at:
        raise ValidationError({"closes_at": _("The closing time must differ from the opening time.")})
    group.opens_at, group.closes_at = opens_at, closes_at
    _name_free(group)
    group.full_clean()
    group.save(update_fields=["name", "description", "is_offered", "reception_cap", "opens_at", "closes_at"])
    audit_record(actor=actor, action="chat.group_update", target=group, before=before, after=_group_fields(group))
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return group


@transaction.atomic
def member_add(*, actor, group, user):
    """Add a staff account holding ``customer_chat`` to a group, enabled."""
    _owner_only(actor)
    if group.tenant_id != actor.tenant_id or user.tenant_id != actor.tenant_id:
        raise PermissionDenied
    if not user.is_staff_account or user.status not in {User.Status.ACTIVE, User.Status.PENDING}:
        raise ValidationError({"user": _("Choose an active staff account of your organisation.")})
    if not user.has_perm(catalogue.perm(catalogue.CUSTOMER_CHAT)):
        raise ValidationError(
            {"user": _("%(name)s does not hold the right “Customer chat reception”.") % {"name": user.label}}
        )
    if ChatMember.objects.filter(group=group, user=user).exists():
        raise ValidationError({"user": _("%(name)s is already in this group.") % {"name": user.label}})
    lock_tenant(actor.tenant)
    member = ChatMember.objects.create(tenant_id=actor.tenant_id, group=group, user=user)
    audit_record(actor=actor, action="chat.member_add", target=user, after={"group": group.name})
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return member


@transaction.atomic
def member_set_enabled(*, actor, member, enabled):
    """Enable or disable a member's distribution in one group. Disabling routes its open
    conversations of that group to others at once; enabling hands it what waits."""
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    if member.is_enabled == enabled:
        return member
    lock_tenant(actor.tenant)
    member.is_enabled = enabled
    member.save(update_fields=["is_enabled"])
    if enabled:
        routing.dispatch(actor.tenant_id)
    else:
        routing.release(member.user, reason="group_disabled", actor=actor, group=member.group)
    audit_record(
        actor=actor,
        action="chat.member_enable" if enabled else "chat.member_disable",
        target=member.user,
        before={"group": member.group.name, "enabled": not enabled},
        after={"group": member.group.name, "enabled": enabled},
    )
    _ring_tenant(actor.tenant_id)
    return member


@transaction.atomic
def member_remove(*, actor, member):
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    audit_record(actor=actor, action="chat.member_remove", target=member.user, before={"group": member.group.name})
    member.delete()
    routing.release(member.user, reason="removed", actor=actor, group=member.group)
    _ring_tenant(actor.tenant_id)


@transaction.atomic
def member_update(*, actor, member, reception_cap, weight):
    """Set a member's own reception cap in its group (``None``: the group's) and its weight.
    Above its new cap a member keeps what it has and receives nothing new; room hands out what waits."""
    _owner_only(actor)
    if member.tenant_id != actor.tenant_id:
        raise PermissionDenied
    lock_tenant(actor.tenant)
    before = {"group": member.group.name, "reception_cap": member.reception_cap, "weight": member.weight}
    member.reception_cap = reception_cap
    member.weight = weight
    member.full_clean()
    member.save(update_fields=["reception_cap", "weight"])
    after = {"group": member.group.name, "reception_cap": member.reception_cap, "weight": member.weight}
    audit_record(actor=actor, action="chat.member_update", target=member.user, before=before, after=after)
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return member


SETTINGS_FIELDS = ("main_account_mode", "main_account_cap", "grace_seconds", "unassigned_cap")


def _check_grace(seconds):
    """A new grace period shorter than the presence timeout would do nothing: a lost connection is
    noticed only once the workbench has been silent for ``CHAT_PRESENCE_TTL_SECONDS``. Checked
    when the owner changes it only, so that a longer timeout set later in the environment does
    not make every other setting impossible to save."""
    least = settings.CHAT_PRESENCE_TTL_SECONDS
    if seconds is not None and seconds < least:
        raise ValidationError(
            {
                "grace_seconds": _(
                    "The grace period must be at least %(least)d seconds: a lost connection is only noticed "
                    "after the workbench has been silent that long."
                )
                % {"least": least}
            }
        )


@transaction.atomic
def settings_update(*, actor, **values):
    """The main account's distribution settings (主账号分流设置): whether it receives conversations
    (never / when every member is busy or offline / as a member), its cap, the grace period for a
    lost connection and the most conversations waiting at once. Unknown keys raise ``TypeError``."""
    _owner_only(actor)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    lock_tenant(actor.tenant)
    setup, _created = DistributionSettings.objects.select_for_update().get_or_create(tenant_id=actor.tenant_id)
    before = {name: getattr(setup, name) for name in SETTINGS_FIELDS}
    if values.get("grace_seconds", before["grace_seconds"]) != before["grace_seconds"]:
        _check_grace(values["grace_seconds"])
    for name, value in values.items():
        setattr(setup, name, value)
    setup.full_clean()
    setup.save()
    after = {name: getattr(setup, name) for name in SETTINGS_FIELDS}
    audit_record(actor=actor, action="chat.settings", target=actor.tenant, before=before, after=after)
    member = DistributionSettings.MainAccountMode.MEMBER
    if before["main_account_mode"] == member and setup.main_account_mode != member:
        # No longer a member: what it received as one is routed again, as when a member leaves.
        routing.release(actor, reason="main_account_mode", actor=actor)
    routing.dispatch(actor.tenant_id)
    _ring_tenant(actor.tenant_id)
    return setup
