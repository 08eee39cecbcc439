"""Personas for the SCIM tests: tenant acme's org chart (tests/personas.py) and a token per tenant."""

import pytest

from scim.services import scim_token_create
from tests.personas import (  # noqa: F401  (fixtures)
    east_admin,
    ops_staff,
    org,
    other_org,
    other_tenant_staff,
    plain_staff,
    sales_admin,
    west_staff,
)

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
STAFFDESK_USER = "urn:staffdesk:params:scim:schemas:extension:2.0:User"
STAFFDESK_GROUP = "urn:staffdesk:params:scim:schemas:extension:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient:
    """Django's test client speaking SCIM with one bearer token."""

    def __init__(self, client, secret):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def _send(self, method, path, data=None):
        import json

        kwargs = {"headers": self.headers}
        if data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/scim+json"
        response = getattr(self.client, method)(f"/scim/v2/{path}", **kwargs)
        response.data = response.json() if response.content else None
        return response

    def get(self, path, **params):
        from urllib.parse import urlencode

        return self._send("get", path + (f"?{urlencode(params)}" if params else ""))

    def post(self, path, data):
        return self._send("post", path, data)

    def put(self, path, data):
        return self._send("put", path, data)

    def patch(self, path, *operations):
        return self._send("patch", path, {"schemas": [PATCH], "Operations": list(operations)})

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture
def scim_token(owner, org):
    token, secret = scim_token_create(actor=owner, name="Okta", default_department=org.ops, default_position=org.clerk)
    token.secret = secret
    return token


@pytest.fixture
def scim(client, scim_token):
    return ScimClient(client, scim_token.secret)


@pytest.fixture
def other_scim(client, other_owner, other_org):
    _token, secret = scim_token_create(actor=other_owner, name="Globex IdP")
    return ScimClient(client, secret)


def new_user(user_name="liwei", **extra):
    return {"schemas": [USER], "userName": user_name, "displayName": "Li Wei", **extra}
