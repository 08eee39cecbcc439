import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.personas import *  # noqa: F401,F403  (org chart and staff personas as fixtures)

from .helpers import ACTION_TIMEOUT_MS, EXPECT_TIMEOUT_MS, sign_in

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


# Content-Security-Policy (issue 23): the browser tests run with the site's policy on, and a test
# fails at teardown when any page it opened reported a violation: Chromium both fires a
# `securitypolicyviolation` event and writes the violation to the console ("Executing inline
# script violates the following Content Security Policy directive …"; older releases: "Refused
# to …"). Every page of the browser tests comes from `new_context` below (`context`, `page`,
# `login`, `browser_as`, the `owner_page`s, test_chat's `open_page`, popups), and
# tests/utilities/test_content_security_policy.py checks that no test opens a browser another way.
_VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__staffdeskCspViolation(location.href + ": " + event.effectiveDirective + " refused "
    + (event.blockedURI || "inline") + " at " + (event.sourceFile || "?") + ":" + event.lineNumber
    + (event.sample ? " (" + event.sample + ")" : ""));
}, true);
"""


class ContentSecurityPolicyWatch:
    """Collects what the browser refused under the Content-Security-Policy, on every page of the
    contexts it watches. ``reports`` is a list of one-line descriptions (page URL first)."""

    def __init__(self):
        self.reports = []
        self.contexts = []

    def watch(self, context):
        """Report the violations of every page ``context`` opens from now on, popups included."""
        context.expose_function("__staffdeskCspViolation", lambda report: self.reports.append(report))
        context.add_init_script(script=_VIOLATION_LISTENER)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)
        self.contexts.append(context)

    def _watch_page(self, page):
        def on_console(message):
            if "Content Security Policy" in message.text:
                self.reports.append(f"{page.url}: console {message.type}: {message.text}")

        page.on("console", on_console)

    def settle(self):
        """Let every open page deliver the events it has fired (one round trip to each)."""
        for context in self.contexts:
            for page in context.pages:
                try:
                    page.evaluate("0")
                except PlaywrightError:
                    pass  # closed meanwhile: nothing more to hear from it


@pytest.fixture
def csp_watch():
    """The Content-Security-Policy violations reported by this test's pages (see ``new_context``)."""
    return ContentSecurityPolicyWatch()


@pytest.fixture
def new_context(new_context, csp_watch):
    """pytest-playwright's ``new_context``, each context watched for Content-Security-Policy
    violations; the test fails at teardown if any page reported one."""

    def make(**kwargs):
        context = new_context(**kwargs)
        csp_watch.watch(context)
        return context

    yield make
    csp_watch.settle()
    if csp_watch.reports:
        pytest.fail(
            "The browser reported Content-Security-Policy violations:\n" + "\n".join(csp_watch.reports),
            pytrace=False,
        )


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
