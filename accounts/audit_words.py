"""The audit log in the reader's words (issue 26, R-22).

An entry stores what a service recorded: field names (``display_name``), stored values
(``pending``, ``manual``, permission codes) and times as ISO text in UTC
(``2026-12-09T18:27:36.390Z``). Nobody reads those. ``change_lines(entry)`` turns an entry into
``[(label, before, after), …]`` in the active language:

- a key is the label of the target model's field (``verbose_name``), else of ``EXTRA_LABELS`` (keys
  a service records that are no field of the target: counts, files, nested records);
- a stored value is its choice's label (the field's ``choices``, or ``VALUE_CHOICES`` where the key
  is no field of the target or means something else there), a permission code its catalogue
  label, ``True``/``False`` Yes/No, nothing a dash;
- a time is shown in the site's time zone (Asia/Shanghai) as ``2026-12-10 02:27``.

The audit page and its export both read it (``change_text`` is the export's one-cell form), so
the two never disagree.

Apps above ``accounts`` give the words of what they record from their ``AppConfig.ready()``
(``accounts`` may not import them): ``register_labels`` (keys), ``register_values`` (an action's
codes, e.g. the chat's hand-on reasons), ``register_record_model`` (an action whose keys are the
fields of a model other than its target, e.g. the chat's settings recorded on the tenant) and
``register_actor_kind`` (an actor recorded as kind + name, e.g. a SCIM token, whose words are
chosen when the entry is read, in the reader's language).
"""

import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy

from .permissions import BY_CODE

DASH = "—"
TIME_FORMAT = "%Y-%m-%d %H:%M"

#: Keys services record that are no field of the entry's target (or name it differently).
EXTRA_LABELS = {
    "account": pgettext_lazy("audit field", "Operation account"),
    "action": pgettext_lazy("audit field", "Done"),
    "admins": pgettext_lazy("audit field", "Department admins"),
    "amount": pgettext_lazy("audit field", "Amount"),
    "attempts": pgettext_lazy("audit field", "Delivery attempts"),
    "campaign": pgettext_lazy("audit field", "Campaign"),
    "cleared_attempts": pgettext_lazy("audit field", "Failed logins cleared"),
    "contact_person": pgettext_lazy("audit field", "Contact person"),
    "conversations": pgettext_lazy("audit field", "Conversations"),
    "created": pgettext_lazy("audit field", "Added"),
    "default_department": pgettext_lazy("audit field", "Default department"),
    "default_position": pgettext_lazy("audit field", "Default position"),
    "department": pgettext_lazy("audit field", "Department"),
    "detail": pgettext_lazy("audit field", "Detail"),
    "enabled": pgettext_lazy("audit field", "Receives conversations"),
    "ended": pgettext_lazy("audit field", "Sessions ended"),
    "ends_at": pgettext_lazy("audit field", "Window ends"),
    "expires_at": pgettext_lazy("audit field", "Invitation expires"),
    "external_id": pgettext_lazy("audit field", "External id"),
    "file": pgettext_lazy("audit field", "File"),
    "filter": pgettext_lazy("audit field", "Filter"),
    "group": pgettext_lazy("audit field", "Chat group"),
    "ip": pgettext_lazy("audit field", "IP address"),
    "kind": pgettext_lazy("audit field", "Kind"),
    "locks": pgettext_lazy("audit field", "Lockouts lifted"),
    "login": pgettext_lazy("audit field", "User name"),
    "method": pgettext_lazy("audit field", "Method"),
    "mobile": pgettext_lazy("audit field", "Mobile number"),
    "name": pgettext_lazy("audit field", "Name"),
    "number": pgettext_lazy("audit field", "Order number"),
    "offered": pgettext_lazy("audit field", "Offered to buyers"),
    "overflow": pgettext_lazy("audit field", "Sent on to another group"),
    "owner": pgettext_lazy("audit field", "Main account"),
    "parent": pgettext_lazy("audit field", "Parent department"),
    "password_login": pgettext_lazy("audit field", "Password login"),
    "path": pgettext_lazy("audit field", "Path"),
    "product_id": pgettext_lazy("audit field", "Product ID"),
    "queued": pgettext_lazy("audit field", "Waiting in the queue"),
    "reason": pgettext_lazy("audit field", "Reason"),
    "resigned_staff": pgettext_lazy("audit field", "Resigned staff in it"),
    "results": pgettext_lazy("audit field", "Results"),
    "revoked_at": pgettext_lazy("audit field", "Revoked at"),
    "rows": pgettext_lazy("audit field", "Rows"),
    "scimType": pgettext_lazy("audit field", "SCIM error type"),
    "served_by": pgettext_lazy("audit field", "Served by"),
    "sessions_ended": pgettext_lazy("audit field", "Sessions ended"),
    "shop": pgettext_lazy("audit field", "Shop"),
    "starts_at": pgettext_lazy("audit field", "Window starts"),
    "status": pgettext_lazy("audit field", "Status"),
    "supplementary_permissions": pgettext_lazy("audit field", "Extra rights"),
    "task": pgettext_lazy("audit field", "Task"),
    "unchanged": pgettext_lazy("audit field", "Unchanged"),
    "until": pgettext_lazy("audit field", "Until"),
    "updated": pgettext_lazy("audit field", "Updated"),
    "user_name": pgettext_lazy("audit field", "User name"),
    "username": pgettext_lazy("audit field", "User name"),
    "verification": pgettext_lazy("audit field", "Verification number"),
    "verify_deadline": pgettext_lazy("audit field", "Verify by"),
}

#: Stored values whose words are not the choices of the target's field of that name:
#: ``{(action, key): "app_label.model.field"}`` (the choices of another model's field) or
#: ``{(action, key): {value: label}}``.
VALUE_CHOICES = {
    ("chat.presence", "status"): "chat.presence.status",
    ("staff.freeze", "reason"): {
        "binding": gettext_lazy("Not verified within the days after binding"),
        "unfreeze": gettext_lazy("Not verified within the days after unfreezing"),
        "other": gettext_lazy("The verify-by time passed"),
    },
    ("two_factor.enable", "method"): {"totp": gettext_lazy("Authenticator app")},
    ("two_factor.disable", "method"): {"totp": gettext_lazy("Authenticator app")},
    ("two_factor.reset", "method"): {"totp": gettext_lazy("Authenticator app")},
}

#: ``{action: "app_label.model"}``: the model whose fields an action's keys are, when not its target.
RECORD_MODELS = {}

#: ``{model label: (kind, attribute holding the name)}`` and ``{kind: words with %(name)s}``.
ACTOR_MODELS = {}
ACTOR_KINDS = {}


def register_labels(labels):
    """Words for keys an app records that are no field of the entry's target: ``{key: lazy label}``."""
    EXTRA_LABELS.update(labels)


def register_values(action, key, words):
    """Words for the codes stored under ``key`` by ``action``: ``{code: lazy label}``, or
    ``"app_label.model.field"`` for that field's choices."""
    VALUE_CHOICES[(action, key)] = words


def register_record_model(action, model_label):
    """``action`` records fields of ``model_label`` (``"chat.distributionsettings"``), not of its target."""
    RECORD_MODELS[action] = model_label


def register_actor_kind(kind, words, *, model, name_attribute):
    """Actors of ``model`` (``"scim.scimactor"``) are stored as ``kind`` + the value of
    ``name_attribute`` and read as ``words % {"name": name}`` in the reader's language."""
    ACTOR_MODELS[model] = (kind, name_attribute)
    ACTOR_KINDS[kind] = words


def actor_words(actor):
    """``{"kind": …, "name": …}`` for an actor of a registered kind, else ``None`` (a person: their label)."""
    meta = getattr(actor, "_meta", None)
    if meta is None or meta.label_lower not in ACTOR_MODELS:
        return None
    kind, attribute = ACTOR_MODELS[meta.label_lower]
    return {"kind": kind, "name": str(getattr(actor, attribute, ""))}


def actor_text(words):
    """The words of a stored ``actor_words`` in the active language, ``None`` for an unknown kind."""
    if not isinstance(words, dict) or words.get("kind") not in ACTOR_KINDS:
        return None
    return str(ACTOR_KINDS[words["kind"]]) % {"name": words.get("name", "")}


#: Keys whose values are permission codes of the catalogue (``accounts.permissions``).
PERMISSION_KEYS = frozenset({"permissions", "supplementary_permissions"})


def _model(target_type):
    try:
        return apps.get_model(target_type) if target_type else None
    except (LookupError, ValueError):
        return None


def _field(model, key):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None


def field_label(target_type, key, action=""):
    """The words for ``key`` of an entry of ``action`` on ``target_type`` (``"accounts.user"``), capitalised."""
    field = _field(_model(RECORD_MODELS.get(action, target_type)), key)
    if field is not None:
        return capfirst(str(field.verbose_name))
    if key in EXTRA_LABELS:
        return capfirst(str(EXTRA_LABELS[key]))
    return capfirst(key.replace("_", " "))


def _choices(action, target_type, key):
    source = VALUE_CHOICES.get((action, key))
    if isinstance(source, dict):
        return source
    if isinstance(source, str):
        app_label, model_name, field_name = source.split(".")
        field = _field(_model(f"{app_label}.{model_name}"), field_name)
    else:
        field = _field(_model(RECORD_MODELS.get(action, target_type)), key)
    if field is None or not field.choices:
        return {}
    return dict(field.flatchoices)


def _time(value):
    """An ISO time as the audit log stores it (UTC) → the site's zone, ``None`` for other text."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.timezone.utc)
    return timezone.localtime(moment).strftime(TIME_FORMAT)


def value_words(value, *, action="", target_type="", key=""):
    """One stored value as a person reads it (see the module docstring)."""
    if value is None or value == "" or value == [] or value == {}:
        return DASH
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(value_words(item, action=action, target_type=target_type, key=key) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label('', k, action)}: {value_words(v, action=action, target_type=target_type, key=k)}" for k, v in value.items()
        )
    if key in PERMISSION_KEYS and value in BY_CODE:
        return str(BY_CODE[value].label)
    choices = _choices(action, target_type, key)
    if value in choices:
        return str(choices[value])
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime(TIME_FORMAT)
    return _time(value) or str(value)


def change_lines(entry, before=None, after=None):
    """``[(label, before_words, after_words), …]`` for ``entry``, one per key, in recorded order.

    A key recorded with the same value on both sides is left out.
    ``before``/``after`` default to what the main account may read (``before_for_owner`` …); a
    side that has no such key is ``None``. A value recorded without a key (not a dict) gets the
    label ``""``.
    """
    before = entry.before_for_owner if before is None else before
    after = entry.after_for_owner if after is None else after
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    lines = []
    for key in dict.fromkeys([*before, *after]):
        if key in before and key in after and before[key] == after[key]:
            continue  # a whole record written on each side: only what changed is news
        words = {"action": entry.action, "target_type": entry.target_type, "key": key}
        lines.append(
            (
                field_label(entry.target_type, key, entry.action) if key else "",
                value_words(before[key], **words) if key in before else None,
                value_words(after[key], **words) if key in after else None,
            )
        )
    return lines


def change_text(entry):
    """The entry's change on one line, for the export: ``Status: Pending → Approved; Title: …``."""
    parts = []
    for label, old, new in change_lines(entry):
        change = f"{old} → {new}" if old is not None and new is not None else (new if new is not None else old)
        parts.append(f"{label}: {change}" if label else change)
    return "; ".join(parts)
