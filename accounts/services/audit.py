from django.db import models
from django.utils import translation

from ..audit_words import actor_words
from ..models import AuditAction, AuditEntry
from ..models.audit import SYSTEM_ACTOR
from utilities.request_context import current_ip

SECRET_MASK = "******"


def _label(obj):
    return str(obj)[:200] if obj is not None else ""


def audit_record(*, actor, action, target=None, tenant=None, before=None, after=None, target_label=None):
    """Record one change in the append-only audit log (R-22) and return the entry.

    Call it inside the transaction of the change it records, so that both land or neither does.
    """
    entry = audit_entry(
        actor=actor, action=action, target=target, tenant=tenant, before=before, after=after, target_label=target_label
    )
    entry.save()
    return entry


def audit_record_many(entries):
    """Insert many entries built by ``audit_entry`` in one statement (batch operations)."""
    return AuditEntry.objects.bulk_create(entries)


def audit_entry(*, actor, action, target=None, tenant=None, before=None, after=None, target_label=None):
    """Build (without saving) the audit entry ``audit_record`` would write.

    ``action`` is an ``AuditAction`` member or its value; any other name raises ``ValueError``, so
    every kind of change in the log has a label in both languages (R-22).
    """
    action = AuditAction(action)
    if tenant is None:
        tenant = getattr(target, "tenant", None) if target is not None else None
        if tenant is None and actor is not None:
            tenant = getattr(actor, "tenant", None)
    target_type = ""
    target_id = ""
    if isinstance(target, models.Model):
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    words = actor_words(actor)
    if words is not None:  # words chosen when read (actor_display); the label stays in English
        with translation.override("en"):
            actor_label = _label(actor)
    else:
        actor_label = _label(actor) if actor is not None else SYSTEM_ACTOR
    return AuditEntry(
        tenant=tenant,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label,
        actor_words=words,
        action=action,
        target_type=target_type,
        target_id=target_id,
        # Cut to the column, as _label does: a label given as text may be a login axes kept (255).
        target_label=_label(target_label) if target_label is not None else _label(target),
        before=before,
        after=after,
        ip_address=current_ip(),
    )


def snapshot(obj, fields):
    """Return the values of ``fields`` of ``obj`` as audit-friendly plain data."""
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(str(v) for v in getattr(obj, name).all()) if obj.pk else []
        elif field.is_relation:
            data[name] = _label(getattr(obj, name))
        else:
            data[name] = getattr(obj, name)
    return data


def changed(before, after):
    """Keep only the keys whose value differs, for compact before/after records."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
