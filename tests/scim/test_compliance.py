"""scim2-tester, a third-party SCIM compliance checker, run unmodified against the live endpoint (R-37).

The tester discovers our schemas and fills every writable attribute with its own random values
(UUID userNames, random e-mail addresses and phone numbers, random department ids); no check is
excused and a skipped check is not counted as a pass unless the tester skips it for a reason
the server states (a feature /ServiceProviderConfig says it does not offer).
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
    skipped = [f"{result.title}: {result.reason}" for result in results if result.status == Status.SKIPPED]
    assert len(results) > 30, [r.title for r in results]
    assert failures == [], "\n".join(failures)
    assert skipped == [], "\n".join(skipped)
