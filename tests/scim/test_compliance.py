"""scim2-tester, a third-party SCIM compliance checker, run unmodified against the live endpoint (R-37).

The tester discovers our schemas and fills every writable attribute with its own random values
(UUID userNames, random e-mail addresses and phone numbers, random department ids); no check is
excused and a skipped check is not counted as a pass unless the tester skips it for a reason
the server states (a feature /ServiceProviderConfig says it does not offer).

Exactly six checks cannot pass, each for a product rule named in the README ("Product rules the
SCIM compliance checkers meet"): an account is always enabled or disabled and always has one
department and one position, so removing ``active``, the department (by either extension) or
the position is refused with ``mutability``. The test lists them by attribute, not by pattern:
any other failure, or one of these starting to pass, fails it. The Okta and Entra suites
(test_okta_conformance.py, test_entra_conformance.py) pass around these rules.
"""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from scim.services import scim_token_create
from tests.personas import org  # noqa: F401  (fixture)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_scim2_tester_finds_nothing_wrong(live_server, owner, org):  # noqa: F811
    _token, secret = scim_token_create(
        actor=owner, name="scim2-tester", default_department=org.ops, default_position=org.clerk
    )
    http = httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}, timeout=30)

    results = check_server(SyncSCIMClient(http))

    failures = [
        f"{result.status.name} {result.resource_type or ''} {result.title}: {result.reason}"
        for result in results
        if result.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    refused_removals = sorted(
        failure.split("Failed to remove attribute '")[1].split("'")[0] for failure in failures if "check_remove_attribute" in failure
    )
    skipped = [f"{result.title}: {result.reason}" for result in results if result.status == Status.SKIPPED]
    assert len(results) > 30, [r.title for r in results]
    assert refused_removals == sorted(PRODUCT_RULES), "\n".join(failures)
    assert len(failures) == len(PRODUCT_RULES), "\n".join(failures)
    assert skipped == [], "\n".join(skipped)


# The attributes every staff account always has (README, "Product rules the SCIM compliance checkers meet").
PRODUCT_RULES = [
    "active",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:staffdesk:params:scim:schemas:extension:2.0:User",
    "urn:staffdesk:params:scim:schemas:extension:2.0:User:departmentId",
    "urn:staffdesk:params:scim:schemas:extension:2.0:User:position",
]
