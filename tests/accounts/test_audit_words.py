"""The audit log in words (issue 26 item 2): field labels in the reader's language, choice labels
for stored values, times in Asia/Shanghai; the page and the export agree; every key a service
records has words."""

import ast
import functools
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from accounts.audit_words import EXTRA_LABELS, RECORD_MODELS, VALUE_CHOICES, change_lines, change_text, value_words
from accounts.models import AuditAction, AuditEntry
from accounts.services.audit import audit_record

ROOT = Path(__file__).resolve().parents[2]


def campaign_entry():
    return AuditEntry(
        action="campaign.update",
        target_type="campaigns.campaign",
        before={"review_mode": "manual", "title": "Snacks", "is_published": False},
        after={"review_mode": "automatic", "title": "Snacks", "is_published": True},
    )


def test_an_entry_reads_in_labels_and_choice_words_in_both_languages():
    invitation = AuditEntry(action="staff.invite", target_type="accounts.user", after={"expires_at": "2026-12-09T18:27:36.390Z"})
    binding = AuditEntry(action="operation.invite", target_type="operations.operationbinding", after={"status": "pending"})
    freeze = AuditEntry(action="staff.freeze", target_type="accounts.user", after={"reason": "binding"})
    position = AuditEntry(action="position.create", target_type="orgchart.position", after={"permissions": ["customer_chat"]})

    with translation.override("en"):
        assert change_lines(campaign_entry()) == [("Review mode", "Manual review", "Automatic approval"), ("Open for enrollment", "No", "Yes")]
        english = change_text(invitation)
    with translation.override("zh-hans"):
        assert change_text(campaign_entry()) == "审核方式: 人工审核 → 自动通过; 开放报名: 否 → 是"
        assert change_text(invitation) == "邀请有效期至: 2026-12-10 02:27"  # UTC+8
        assert change_text(binding) == "状态: 待确认"  # the seed's word, not the delivery page's 待发送
        assert change_text(freeze) == "原因: 绑定后未在期限内完成实人认证"
        assert change_text(position) == "权限: 旺旺接待"
    assert english == "Invitation expires: 2026-12-10 02:27"


def _actions(node):
    """The action codes an ``action=`` argument can name: literals and ``AuditAction.X``; an
    f-string (``f"product.{status}"``) names its literal prefix."""
    codes = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            codes.add(sub.value)
        elif isinstance(sub, ast.Attribute) and getattr(sub.value, "id", "") == "AuditAction":
            codes.add(getattr(AuditAction, sub.attr).value)
    return codes


@functools.cache
def recorded():
    """``(action, key, value node)`` for every key a service writes literally into ``before``/``after``."""
    records = []
    for path in ROOT.glob("*/**/*.py"):
        if {".venv", "tests", "migrations", "bench"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                # before = {...}; before["key"] = …: a record built first, then passed (action unknown)
                target = node.targets[0]
                if getattr(target, "id", "") in {"before", "after"}:
                    records += [("", key.value, value) for sub in ast.walk(node.value) if isinstance(sub, ast.Dict) for key, value in zip(sub.keys, sub.values) if isinstance(key, ast.Constant) and key.value]
                elif isinstance(target, ast.Subscript) and getattr(target.value, "id", "") in {"before", "after"} and isinstance(target.slice, ast.Constant):
                    records.append(("", target.slice.value, node.value))
            name = getattr(node, "func", None)
            if not isinstance(node, ast.Call) or getattr(name, "id", getattr(name, "attr", "")) not in {"audit_record", "audit_entry"}:
                continue
            arguments = {keyword.arg: keyword.value for keyword in node.keywords}
            actions = _actions(arguments["action"]) if "action" in arguments else {""}
            for side in ("before", "after"):
                for sub in ast.walk(arguments.get(side, ast.Constant(None))):
                    if isinstance(sub, ast.Dict):
                        records += [
                            (action, key.value, value)
                            for action in actions
                            for key, value in zip(sub.keys, sub.values)
                            if isinstance(key, ast.Constant)
                        ]
    return records


def recorded_keys():
    return {key for _action, key, _value in recorded()}


def _chinese(text):
    return any("\u4e00" <= char <= "\u9fff" for char in str(text))


#: Keys whose values are codes whatever the value's expression (a variable holding ``"away"``).
CODE_KEYS = {"reason", "action"}
#: Values a person typed (a reviewer's reason for rejecting a product): shown as typed.
FREE_TEXT = {("product.", "reason")}


def test_every_key_a_service_records_has_words():
    field_names = {field.name for model in apps.get_models() for field in model._meta.get_fields() if hasattr(field, "verbose_name")}
    keys = recorded_keys()

    assert len(keys) > 30  # the scan found the services' records
    assert sorted(key for key in keys if key not in EXTRA_LABELS and key not in field_names) == []


def test_every_label_and_code_a_service_records_has_chinese_words():
    """A key's label, in Chinese, is never English only (a msgid with no translation), and a code
    a service stores (a hand-on reason, a bulk action) is never shown as the code."""
    keys = recorded_keys()
    ours = [  # no entry targets a library's model (axes, OTP devices) or guardian's permission rows
        model
        for model in apps.get_models()
        if (ROOT / model._meta.app_label).is_dir() and not model._meta.model_name.endswith("objectpermission")
    ]
    fields = [
        field
        for model in ours
        for field in model._meta.get_fields()
        if hasattr(field, "verbose_name") and not getattr(field, "primary_key", False) and (field.name in keys or model._meta.label_lower in RECORD_MODELS.values())
    ]
    labels = [*EXTRA_LABELS.values(), *(field.verbose_name for field in fields)]
    labels += [word for words in VALUE_CHOICES.values() if isinstance(words, dict) for word in words.values()]
    codes = sorted(
        {
            (action, key, value.value if isinstance(value, ast.Constant) else None)
            for action, key, value in recorded()
            if (key in CODE_KEYS or (isinstance(value, ast.Constant) and isinstance(value.value, str)))
            and (action, key) not in FREE_TEXT
        },
        key=str,
    )

    with translation.override("zh-hans"):
        english = sorted(str(label) for label in labels if not _chinese(label))
        unworded = [
            (action, key, value)
            for action, key, value in codes
            if (value is not None and not _chinese(value_words(value, action=action, key=key)))
            or (value is None and not isinstance(VALUE_CHOICES.get((action, key)), (dict, str)))
        ]
    assert len(codes) > 5  # the scan found the reasons and actions
    assert english == [], english
    assert unworded == []


def test_the_chat_records_reasons_actions_and_settings_in_words():
    from chat.routing import REASONS
    from chat.services import BULK_ACTIONS

    reassign = AuditEntry(action="chat.conversation_reassign", target_type="chat.conversation", before={"served_by": "小王"}, after={"served_by": None, "queued": True, "reason": "away"})
    bulk = AuditEntry(action="chat.conversation_bulk", after={"action": "close", "conversations": [15, 16]})
    setup = AuditEntry(action="chat.settings", target_type="accounts.tenant", before={"unassigned_cap": 3}, after={"unassigned_cap": 4})
    scim = AuditEntry(action="scim.user_name_set", target_type="accounts.user", before={"user_name": "a"}, after={"user_name": "b"})

    assert set(VALUE_CHOICES[("chat.conversation_reassign", "reason")]) == set(REASONS)
    assert set(VALUE_CHOICES[("chat.conversation_bulk", "action")]) == set(BULK_ACTIONS)
    with translation.override("zh-hans"):
        assert change_text(reassign) == "接待人: 小王 → —; 在队列中等待: 是; 原因: 客服已离开"
        assert change_text(bulk) == "操作: 关闭; 会话: 15, 16"
        assert change_text(setup) == "同时等待的会话上限: 3 → 4"
        assert change_text(scim) == "用户名: a → b"
    with translation.override("en"):
        assert change_text(reassign) == "Served by: 小王 → —; Waiting in the queue: Yes; Reason: The member stepped away"


@pytest.mark.django_db
def test_the_export_shows_the_same_words_as_the_page(owner_client, owner):
    after = {"expires_at": "2026-12-09T18:27:36.390Z", "status": "pending"}
    entry = AuditEntry.objects.get(pk=audit_record(actor=owner, action="staff.invite", target=owner, after=after).pk)

    with translation.override("zh-hans"):
        words = change_text(entry)  # in stored order: PostgreSQL's jsonb keeps its own
    owner_client.cookies["django_language"] = "zh-hans"
    page = owner_client.get(reverse("accounts:audit_log")).content.decode()
    export = owner_client.get(reverse("accounts:audit_log_export")).content.decode("utf-8-sig")

    assert sorted(words.split("; ")) == ["状态: 待绑定", "邀请有效期至: 2026-12-10 02:27"]
    assert export.splitlines()[0] == "时间,操作人,操作,操作对象,变更内容,IP 地址"
    assert words in export
    assert "邀请有效期至</span>: 2026-12-10 02:27" in page and "待绑定" in page
    for raw in ("expires_at", "pending", "T18:27"):
        assert raw not in export and raw not in page


@pytest.mark.django_db
def test_a_scim_token_as_actor_reads_in_the_readers_language(owner):
    from scim.models import ScimActor

    token = ScimActor.objects.get(pk=owner.pk)
    token.token_name = "Okta"
    with translation.override("zh-hans"):  # recorded in a Chinese request
        entry = AuditEntry.objects.get(pk=audit_record(actor=token, action="staff.update", target=owner, after={"mobile": "13800000000"}).pk)

    assert entry.actor_label == "SCIM token “Okta”"  # the stored label stays language-neutral (English)
    with translation.override("en"):
        assert entry.actor_display == "SCIM token “Okta”"
    with translation.override("zh-hans"):
        assert entry.actor_display == "SCIM 令牌“Okta”"
    old = AuditEntry(actor_label="SCIM 令牌“Okta”")  # a row from before: what it stored
    with translation.override("en"):
        assert old.actor_display == "SCIM 令牌“Okta”"
