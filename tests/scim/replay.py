"""Replay an identity provider's published request sequence against the live server (R-37).

A step is ``(method, path, body, status)``, written in the shape the provider's document shows;
``{user_id}``, ``{group_id}`` and the like in the path or body are filled in from earlier answers.
"""

import json

import httpx2

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def patch(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


class Replay:
    """One provider's connection: its bearer token, the ids it learnt, and what came back."""

    def __init__(self, live_server, secret):
        self.http = httpx2.Client(
            base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}, timeout=30
        )
        self.ids = {}

    def _fill(self, value):
        text = json.dumps(value) if not isinstance(value, str) else value
        for name, known in self.ids.items():
            text = text.replace("{" + name + "}", known)
        return json.loads(text) if not isinstance(value, str) else text

    def send(self, method, path, body=None, status=200):
        """Send one step and check the status the provider needs; return the parsed answer (or ``None``)."""
        kwargs = {"headers": {"Content-Type": "application/scim+json"}}
        if body is not None:
            kwargs["content"] = json.dumps(self._fill(body))
        response = self.http.request(method, self._fill(path), **kwargs)
        data = response.json() if response.content else None
        assert response.status_code == status, (method, path, body, response.status_code, data)
        if response.status_code >= 400:
            assert data["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], data
        return data

    def run(self, steps):
        """Replay ``steps`` in order; a step's ``remember`` names the id its answer creates."""
        answers = []
        for step in steps:
            method, path, body, status, *rest = step
            data = self.send(method, path, body, status)
            if rest and rest[0]:
                self.ids[rest[0]] = data["id"]
            answers.append(data)
        return answers
