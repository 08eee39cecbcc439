"""Browser test for the SCIM provisioning settings page (R-37): create a token, use it, revoke it."""

import httpx2
import pytest
from playwright.sync_api import expect

from tests.personas import org  # noqa: F401  (fixture)

from .helpers import sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_creates_a_token_an_identity_provider_uses_then_revokes_it(page, live_server, owner, org):  # noqa: F811
    sign_in(page, live_server.url, owner.username)
    sidebar_links(page).get_by_text("SCIM provisioning", exact=True).click()
    expect(page.get_by_test_id("scim-endpoint")).to_contain_text(f"{live_server.url}/scim/v2/")

    page.get_by_label("Name").fill("Okta")
    page.get_by_label("Default department").select_option(label="Ops")
    page.get_by_label("Default position").select_option(label="Clerk")
    page.get_by_role("button", name="Create token").click()

    secret = page.get_by_test_id("scim-secret").locator("code").inner_text()
    assert secret.startswith("scim_")
    created = httpx2.post(
        f"{live_server.url}/scim/v2/Users",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "liwei", "displayName": "Li Wei"},
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"},
    )
    assert created.status_code == 201, created.text

    page.reload()
    expect(page.get_by_test_id("scim-secret")).to_have_count(0)
    row = page.get_by_test_id("scim-tokens").locator("tr[data-token='Okta']")
    expect(row).not_to_contain_text("Never")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".message.success")).to_contain_text("revoked")
    expect(page.get_by_test_id("scim-tokens").locator("tr[data-token='Okta']")).to_contain_text("Revoked")

    refused = httpx2.get(f"{live_server.url}/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401

    page.goto(f"{live_server.url}/settings/audit/")
    expect(page.locator("body")).to_contain_text("SCIM token “Okta”")
