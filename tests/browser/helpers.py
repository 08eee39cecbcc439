"""Small helpers the browser tests share (fixtures live in ``conftest.py``)."""

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD

# Every expect() waits at most 5 s and every action (click, fill, goto) at most 10 s: a broken
# page fails fast instead of hanging for Playwright's 30 s default.
EXPECT_TIMEOUT_MS = 5_000
ACTION_TIMEOUT_MS = 10_000

BIND_LINK = re.compile(r"https?://\S+?/bind/[^/\s]+/")


def sign_in(page, base_url, username, password=PASSWORD):
    """Log a user in through the real login form on ``page``."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def sidebar_links(page):
    """The links of the main menu, in order."""
    return page.locator("nav.sidebar a")


def bind_link_in_message(page):
    """The single-use binding link that the success message shows the main account."""
    message = page.locator(".message.success").filter(has_text="/bind/")
    expect(message).to_be_visible()
    match = BIND_LINK.search(message.inner_text())
    assert match, message.inner_text()
    return match.group(0)


def bind_account(page, link, password=PASSWORD):
    """Follow a binding link, ask for the SMS code, type it and choose a password, as the invited person does.

    The code is read from the SMS outbox row in the test database (R-12).
    """
    from accounts.services.staff import invitation_for_token
    from tests.personas import sms_code_for, token_of

    page.goto(link)
    page.get_by_role("button", name="Send code").click()
    expect(page.locator(".message.success").filter(has_text="code was sent")).to_be_visible()
    invitation = invitation_for_token(token_of(link))
    page.get_by_label("Code from the SMS").fill(sms_code_for(invitation.user))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Bind account").click()
