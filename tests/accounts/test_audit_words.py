"""The audit log in words (issue 26 item 2): field labels in the reader's language, choice labels
for stored values, times in Asia/Shanghai; the page and the export agree; every key a service
records has words."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from accounts.audit_words import EXTRA_LABELS, change_lines, change_text
from accounts.models import AuditEntry
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


def recorded_keys():
    """Every key a service writes literally into ``before``/``after`` of an audit entry."""
    keys = set()
    for path in ROOT.glob("*/**/*.py"):
        if {".venv", "tests", "migrations", "bench"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            if not isinstance(node, ast.Call) or getattr(name, "id", getattr(name, "attr", "")) not in {"audit_record", "audit_entry"}:
                continue
            for keyword in node.keywords:
                if keyword.arg in {"before", "after"}:
                    for sub in ast.walk(keyword.value):
                        if isinstance(sub, ast.Dict):
                            keys.update(k.value for k in sub.keys if isinstance(k, ast.Constant))
    return keys


def test_every_key_a_service_records_has_words():
    field_names = {field.name for model in apps.get_models() for field in model._meta.get_fields() if hasattr(field, "verbose_name")}
    keys = recorded_keys()

    assert len(keys) > 30  # the scan found the services' records
    assert sorted(key for key in keys if key not in EXTRA_LABELS and key not in field_names) == []


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
