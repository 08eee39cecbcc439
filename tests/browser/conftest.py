import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.personas import *  # noqa: F401,F403  (org chart and staff personas as fixtures)

from .helpers import ACTION_TIMEOUT_MS, EXPECT_TIMEOUT_MS, sign_in

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
def context(new_context):
    """pytest-playwright's context, with actions failing after 10 s instead of 30 s."""
    context = new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


@pytest.fixture
def login(page, live_server):
    """Log a user in through the real login form."""

    def do_login(username, password):
        sign_in(page, live_server.url, username, password)

    return do_login


@pytest.fixture
def browser_as(new_context, live_server):
    """Open a page in a fresh browser context: another person at another computer.

    ``browser_as("acme:zhangsan")`` logs that user in first; ``browser_as()`` stays anonymous.
    """

    def open_page(username=None, password=PASSWORD):
        context = new_context()
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        if username:
            sign_in(page, live_server.url, username, password)
            expect(page.get_by_test_id("current-user")).to_be_visible()
        return page

    return open_page


SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def screenshot():
    """Save ``page`` as ``docs/screenshots/<name>.png`` when ``SCREENSHOTS=1``; otherwise do nothing.

    The README's pictures come from browser tests through this fixture, so they show what the
    tests saw; ``bash config/screenshots.sh`` regenerates them. Returns the path written, or None.
    """

    def save(page, name):
        if os.environ.get("SCREENSHOTS") != "1":
            return None
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled")
        return path

    return save
