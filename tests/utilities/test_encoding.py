"""One JSON encoding for every JSON and event-stream response (database values of both backends)."""

import datetime
import decimal
import json
import pathlib
import re
import uuid

from utilities.encoding import JsonResponse, dumps

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ["utilities", "accounts", "orgchart", "operations", "staff", "campaigns", "scim", "chat"]


def test_database_values_of_either_backend_encode():
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    moment = datetime.datetime(2026, 12, 6, 8, 30, tzinfo=datetime.UTC)
    payload = {"sum": decimal.Decimal("4"), "ratio": decimal.Decimal("1.50"), "at": moment, "key": key, "名": "张三"}

    text = dumps(payload)

    assert json.loads(text) == {
        "sum": 4,  # what SQLite answers for the same SUM: the payload does not depend on the backend
        "ratio": "1.50",
        "at": "2026-12-06T08:30:00Z",
        "key": str(key),
        "名": "张三",
    }
    response = JsonResponse({"version": [decimal.Decimal("7"), None]})
    assert json.loads(response.content) == {"version": [7, None]}
    assert "张三".encode() in JsonResponse({"name": "张三"}).content


def test_no_response_bypasses_the_one_encoder():
    """Django's own ``JsonResponse`` and a bare ``json.dumps`` raise on a ``Decimal``: none is used."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "encoding.py":
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"from django\.http import[^\n]*\bJsonResponse\b", text) or "JsonResponse(" in text and (
                "utilities.encoding import JsonResponse" not in text
            ):
                offenders.append(f"{path.relative_to(ROOT)}: JsonResponse")
            # accounts/channels.py writes request bodies to SMS gateways, not responses.
            if path.name != "channels.py" and re.search(r"\bjson\.dumps\(", text):
                offenders.append(f"{path.relative_to(ROOT)}: json.dumps")
    assert offenders == []
