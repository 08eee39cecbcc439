"""The sweep (R-36): finds members who can no longer serve without any event saying so (a lost
connection past the shop's grace period, a temporary window that closed, a change made behind the
services' back) and hands their buyers on; then hands out what waits. The worker runs ``sweep``
every ``CHAT_SWEEP_SECONDS`` (``chat.tasks``); ``manage.py chat_sweep`` runs it once.
"""

import datetime
import logging

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.locks import lock_tenant
from accounts.models import Tenant, User
from accounts.services.audit import audit_record

from .models import ChatGroup, ChatMember, Conversation, DistributionSettings, Presence
from .routing import dispatch, distribution_settings, holds_chat_permission, release

logger = logging.getLogger(__name__)


def grace_expired_before(setup, now):
    """Reports older than this mean the connection is lost for good (the grace period, at least the TTL)."""
    return now - datetime.timedelta(seconds=max(setup.grace_seconds, django_settings.CHAT_PRESENCE_TTL_SECONDS))


def why_cannot_serve(person, *, member, presence, holds_right, lost_before, now):
    """The reason (one of ``REASONS``) ``person`` can no longer serve a conversation of the group
    of ``member`` (``None``: not a member), or ``None`` when it still can."""
    if person.status == User.Status.RESIGNED:
        return "offboarded"
    if person.status == User.Status.FROZEN:
        return "frozen"
    if person.status != User.Status.ACTIVE or not person.is_active:
        return "disabled"
    if person.is_muted:
        return "muted"
    if not person.in_window(now):
        return "window"
    if not holds_right:
        return "no_right"
    if member is None:
        return "removed"
    if not member.is_enabled:
        return "group_disabled"
    if presence is None or presence.status == Presence.Status.AWAY:
        return "away"
    if presence.last_seen_at is None or presence.last_seen_at < lost_before:
        return "offline"
    return None


def why_main_account_cannot_serve(presence, *, setup, lost_before):
    """The reason the main account can no longer serve what it received as a member, or ``None``."""
    if setup.main_account_mode != DistributionSettings.MainAccountMode.MEMBER:
        return "main_account_mode"
    if presence is None or presence.status == Presence.Status.AWAY:
        return "away"
    if presence.last_seen_at is None or presence.last_seen_at < lost_before:
        return "offline"
    return None


def stranded(tenant_id, now):
    """``[(person, group, reason)]``: members holding open conversations of a group they can no
    longer serve in, and the main account holding what it received as a member while it no longer
    is one or is away or offline (its overflow is waiting already and is not listed)."""
    pairs = set(
        Conversation.objects.filter(tenant_id=tenant_id, status=Conversation.Status.OPEN)
        .filter(Q(assignee__kind=User.Kind.STAFF) | Q(assignee__kind=User.Kind.OWNER, is_overflow=False))
        .values_list("assignee_id", "group_id")
        .distinct()
    )
    if not pairs:
        return []
    people = {
        p.pk: p
        for p in User.objects.filter(pk__in={a for a, _g in pairs})
        .select_related("chat_presence")
        .annotate(holds_right=holds_chat_permission())
    }
    members = {
        (m.user_id, m.group_id): m
        for m in ChatMember.objects.filter(tenant_id=tenant_id, user_id__in=people).select_related("group")
    }
    groups = {g.pk: g for g in ChatGroup.objects.filter(pk__in={g for _a, g in pairs})}
    setup = distribution_settings(tenant_id)
    lost_before = grace_expired_before(setup, now)
    found = []
    for person_id, group_id in sorted(pairs):
        person = people[person_id]
        if person.is_owner:
            reason = why_main_account_cannot_serve(
                getattr(person, "chat_presence", None), setup=setup, lost_before=lost_before
            )
            if reason is not None:
                found.append((person, groups[group_id], reason))
            continue
        reason = why_cannot_serve(
            person,
            member=members.get((person_id, group_id)),
            presence=getattr(person, "chat_presence", None),
            holds_right=person.holds_right,
            lost_before=lost_before,
            now=now,
        )
        if reason is not None:
            found.append((person, groups[group_id], reason))
    return found


def sweep_tenant(tenant, now=None):
    """Route again what a member can no longer serve, then hand out what waits (one transaction,
    under the tenant lock). A member whose connection is lost past the grace period is set away
    (audited), so that coming back means choosing online again. Returns ``(released, handed)``."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_tenant(tenant)
        released = 0
        for person, group, reason in stranded(tenant.pk, now):
            if reason == "offline":
                presence = Presence.objects.select_for_update().get(user=person)
                if presence.status != Presence.Status.AWAY:
                    before = presence.status
                    Presence.objects.filter(pk=presence.pk).update(status=Presence.Status.AWAY)
                    audit_record(
                        actor=None,
                        tenant=tenant,
                        action="chat.presence",
                        target=person,
                        before={"status": before},
                        after={"status": Presence.Status.AWAY, "reason": "connection lost"},
                    )
            released += len(release(person, reason=reason, group=group, now=now))
        handed = dispatch(tenant.pk, now)
    return released, handed


def sweep(now=None):
    """``sweep_tenant`` for every shop with open or waiting conversations; ``{"released", "handed"}``."""
    now = now or timezone.now()
    tenant_ids = (
        Conversation.objects.exclude(status=Conversation.Status.CLOSED).order_by().values("tenant_id").distinct()
    )
    totals = {"released": 0, "handed": 0}
    for tenant in Tenant.objects.filter(pk__in=tenant_ids).order_by("pk"):
        try:
            released, handed = sweep_tenant(tenant, now)
        except Exception:  # one shop's failure must not stop the others' buyers being served
            logger.exception("chat sweep failed for tenant %s", tenant.pk)
            continue
        totals["released"] += released
        totals["handed"] += handed
    return totals
