"""Input no view can use is turned away centrally (utilities/hostile.py) for every entry point:
NUL characters, deep nesting and over-long URLs are a 400/414, never a 500; on the SCIM endpoint
the answer is a SCIM Error in the client's language (R-37)."""

import json

import pytest

from accounts.models import User

from .conftest import ENTERPRISE, ERROR, USER, new_user

pytestmark = pytest.mark.django_db


def _scim_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    return body


def test_nul_in_a_username_or_display_name_is_a_scim_400_and_stores_nothing(scim, owner):
    before = User.objects.count()

    for body in (new_user("li\x00wei"), new_user("liwei", displayName="Li\x00Wei"), {"schemas": [USER], "us\x00erName": "x"}):
        _scim_error(scim.post("Users", body), 400)

    assert User.objects.count() == before


def test_nul_in_a_scim_path_or_filter_is_a_scim_400(scim):
    _scim_error(scim.client.get("/scim/v2/Users/%00", headers=scim.headers), 400)
    _scim_error(scim.get("Users", filter='userName eq "a\x00b"'), 400)


def test_nul_in_a_page_address_is_a_400_page_for_anyone(client):
    assert client.get("/campaigns/enroll/%00/").status_code == 400
    assert client.get("/accounts/login/?next=%00").status_code == 400


def test_deeply_nested_json_is_a_400_not_a_recursion_error(scim, plain_staff):
    deep = "[" * 50_000 + "]" * 50_000  # about 100 kB
    body = '{"schemas": ["%s"], "userName": "x", "emails": %s}' % (USER, deep)
    response = scim.client.post("/scim/v2/Users", data=body, content_type="application/scim+json", headers=scim.headers)
    assert _scim_error(response, 400)["scimType"] == "invalidSyntax"
    moderately = {"schemas": [USER], "userName": "x", ENTERPRISE: {"manager": {"value": json.loads("[" * 40 + "]" * 40)}}}
    _scim_error(scim.put(f"Users/{plain_staff.pk}", moderately), 400)


def test_an_over_long_url_is_a_scim_414(scim):
    _scim_error(scim.get("Users", filter='userName eq "' + "a" * 10_000 + '"'), 414)
    _scim_error(scim.client.get("/scim/v2/Users/" + "9" * 10_000, headers=scim.headers), 414)


def test_me_and_bulk_are_501_as_rfc_7644_says(scim):
    _scim_error(scim.get("Me"), 501)
    _scim_error(scim.post("Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []}), 501)
    _scim_error(scim.client.get("/scim/v2/Me"), 401)  # still no answer without a token


def test_error_detail_follows_accept_language_english_by_default(scim):
    english = _scim_error(scim.get("Users/999999"), 404)["detail"]
    chinese = scim.client.get("/scim/v2/Users/999999", headers={**scim.headers, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert english.isascii()
    assert not _scim_error(chinese, 404)["detail"].isascii()
    nul = scim.client.get("/scim/v2/Users?filter=%00", headers={**scim.headers, "Accept-Language": "zh-CN"})
    assert not _scim_error(nul, 400)["detail"].isascii()


def test_wrong_types_anywhere_in_a_user_are_400(scim, plain_staff):
    for body in (
        {"schemas": [USER], "userName": ["a"]},
        {"schemas": [USER], "userName": "ok_name", "emails": "x"},
        {"schemas": [USER], "userName": "ok_name", "name": 5},
        {"schemas": USER, "userName": "ok_name"},
    ):
        response = scim.post("Users", body)
        assert response.status_code == 400, (body, response.content)
    for operations in ([{"op": "replace", "path": 5, "value": 1}], "x", [5]):
        response = scim._send("patch", f"Users/{plain_staff.pk}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
        assert response.status_code == 400, (operations, response.content)


def test_hostile_input_crawl_finds_no_500_on_any_scim_endpoint(scim, plain_staff, org):
    """NUL characters, deep nesting, 1 MB bodies and wrong types at every endpoint and method:
    every answer is a SCIM response, never a 500."""
    deep = "[" * 5_000 + "]" * 5_000
    bodies = [
        '{"schemas": ["%s"], "userName": "a\\u0000b", "displayName": "x"}' % USER,
        '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": %s}' % deep,
        '{"schemas": 5, "userName": {"a": [1, null]}, "members": "x", "Operations": {"op": 7}}',
        "[]",
        "null",
        '"text"',
    ]
    paths = [
        "Users",
        f"Users/{plain_staff.pk}",
        "Users/.search",
        "Groups",
        f"Groups/{org.ops.pk}",
        "Groups/.search",
        ".search",
        "Schemas",
        "ResourceTypes",
        "ServiceProviderConfig",
        "Me",
        "Bulk",
        "Users/%00",
    ]
    huge = '{"displayName": "' + "x" * 1_000_000 + '"}'  # 1 MB
    answers = set()
    for path in paths:
        response = scim.client.post(f"/scim/v2/{path}", data=huge, content_type="application/scim+json", headers=scim.headers)
        assert response.status_code < 500 or response.status_code == 501, (path, response.content[:200])
        for method in ("post", "put", "patch"):
            for body in bodies:
                response = getattr(scim.client, method)(
                    f"/scim/v2/{path}", data=body, content_type="application/scim+json", headers=scim.headers
                )
                answers.add(response.status_code)
                assert response.status_code < 500 or response.status_code == 501, (method, path, body[:60], response.content[:200])
                assert response["Content-Type"].startswith("application/scim+json"), (method, path)
        response = scim.client.get(f"/scim/v2/{path}?filter=userName%20eq%20%22%00%22&count=x&startIndex=%00", headers=scim.headers)
        assert response.status_code < 500 or response.status_code == 501, (path, response.content[:200])
    nested_filter = "(" * 1_200 + 'userName eq "a"' + ")" * 1_200  # under 8 kB once URL-encoded
    for path in ("Users", "Groups"):
        response = scim.get(path, filter=nested_filter)
        assert response.status_code in (200, 400), response.content[:200]  # valid, if odd: either is fine
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "not (" * 5_000 + "x" + ")" * 5_000}
    assert scim.post(".search", search).status_code == 400  # deeper than Python's stack: a 400, not a RecursionError
    assert 400 in answers
