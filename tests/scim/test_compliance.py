"""scim2-tester, a third-party SCIM compliance checker, against the live endpoint of a seeded tenant (R-37).

The tester discovers our schemas and fills every writable attribute with random values. Where
Staffdesk's own rules constrain a value (account names, mainland mobiles, departments and
positions that must exist), ``_staffdesk_values`` hands it values that keep those rules, through
the tester's hook for example values, so each check exercises the protocol and not our
validation. Checks that cannot apply are listed in ``NOT_APPLICABLE`` with the reason.
"""

import random
import uuid

import httpx2
import pytest
import scim2_tester.filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from scim.services import scim_token_create
from tests.personas import org  # noqa: F401  (fixture)

# Check title (or title fragment) → why it cannot pass against Staffdesk, by design.
NOT_APPLICABLE = {
    ("check_remove_attribute", "Failed to remove attribute 'members'"): (
        "a staff account always belongs to exactly one department (R-9): it leaves one by joining "
        "another, so removing members without a destination is refused with a message saying so"
    ),
    ("check_remove_attribute", "Failed to remove attribute 'active'"): (
        "an account is always enabled or disabled; removing active is refused (replace it instead)"
    ),
    ("check_remove_attribute", "extension:enterprise:2.0:User"): (
        "every staff account has a department (R-9): removing it is refused; replacing it moves the account"
    ),
    ("check_remove_attribute", "urn:staffdesk:params:scim:schemas:extension:2.0:User"): (
        "every staff account has a department and a position (R-9): removing them is refused"
    ),
}


def _staffdesk_values(org, original):  # noqa: F811
    def example(path):
        text = str(path)
        binding = path.resolve()
        # The tester rebuilds its models from our /Schemas: a phone entry's class is named after it.
        model_name = binding.target_model.__name__.lower() if binding is not None and binding.target_model else ""
        if "phone" in model_name and binding.target_field_name == "value":
            text = "phoneNumbers.value"
        if text.endswith("userName"):
            return f"u{uuid.uuid4().hex[:16]}"
        if text.endswith("phoneNumbers.value"):
            return "13" + "".join(random.choice("0123456789") for _ in range(9))
        if text.endswith("departmentId"):
            return str(org.ops.pk)
        if text.endswith("enterprise:2.0:User:department"):
            return "Ops"
        if text.endswith("extension:2.0:User:position"):
            return "Clerk"
        if text.endswith("parentId"):
            return str(org.sales.pk)
        return original(path)

    return example


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_scim2_tester_finds_nothing_wrong(live_server, owner, org, monkeypatch):  # noqa: F811
    monkeypatch.setattr(
        scim2_tester.filling, "get_random_example_value", _staffdesk_values(org, scim2_tester.filling.get_random_example_value)
    )
    _token, secret = scim_token_create(
        actor=owner, name="scim2-tester", default_department=org.ops, default_position=org.clerk
    )
    http = httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}, timeout=30)

    results = check_server(SyncSCIMClient(http))

    failures = []
    for result in results:
        skipped_on_purpose = next(
            (why for (title, reason), why in NOT_APPLICABLE.items() if title == result.title and reason in (result.reason or "")),
            None,
        )
        if result.status in (Status.SUCCESS, Status.SKIPPED) or skipped_on_purpose:
            continue
        failures.append(f"{result.status.name} {result.resource_type or ''} {result.title}: {result.reason}")
    assert len(results) > 30, [r.title for r in results]
    assert failures == [], "\n".join(failures)
