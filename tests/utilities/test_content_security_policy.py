"""Every page sends a Content-Security-Policy that refuses inline code and framing (issue 23).

The header is checked here on the kinds of page people meet (a signed-in page, the login page,
the buyer's chat page, the operator's admin); that the pages really pass it is checked in the
browser, where tests/browser/conftest.py fails any browser test whose pages report a violation.
The scans below catch the kind of markup the policy refuses before a browser test has to.
"""

import base64
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import identity
from chat import services as chat_services
from tests.accounts.identity_helpers import valid_id
from tests.personas import org, plain_staff  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
APPS = ["utilities", "accounts", "orgchart", "staff", "campaigns", "scim", "operations", "chat"]

EXPECTED = {
    "default-src": ["'self'"],
    "img-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
NONCE = re.compile(r"^'nonce-([A-Za-z0-9+/=]+)'$")


def policy(response):
    """The response's Content-Security-Policy as ``{directive: [source, …]}``."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = sources
    return directives


def nonce_of(response):
    """The nonce the policy allows for scripts (the same one allows styles)."""
    directives = policy(response)
    script_nonces = [NONCE.match(s).group(1) for s in directives["script-src"] if NONCE.match(s)]
    style_nonces = [NONCE.match(s).group(1) for s in directives["style-src"] if NONCE.match(s)]
    assert len(script_nonces) == 1 and style_nonces == script_nonces, directives
    return script_nonces[0]


def assert_strict(response):
    directives = policy(response)
    for name, sources in EXPECTED.items():
        assert directives.get(name) == sources, (name, directives.get(name))
    for name in ("script-src", "style-src"):
        others = [s for s in directives[name] if not NONCE.match(s)]
        assert others == ["'self'"], (name, directives[name])  # no 'unsafe-inline', no other host
    assert len(base64.b64decode(nonce_of(response))) == 16


@pytest.fixture
def buyer_page(client, owner):
    """The buyer's chat page with a conversation open (the page that streams server-sent events)."""
    group = chat_services.group_create(actor=owner, name="Pre-sales")
    url = reverse("chat:shop", args=[owner.tenant.slug])
    started = client.post(url, {"group": group.pk, "nickname": "Mei", "body": "Is the red one in stock?"})
    assert started.status_code == 302
    return client.get(url)


@pytest.mark.django_db
def test_a_signed_in_page_sends_the_policy(owner_client):
    response = owner_client.get(reverse("accounts:dashboard"))

    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.django_db
def test_the_login_page_sends_the_policy(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.django_db
def test_the_buyers_chat_page_sends_the_policy(buyer_page):
    assert buyer_page.status_code == 200
    assert "Is the red one in stock?" in buyer_page.content.decode()
    assert_strict(buyer_page)


@pytest.mark.django_db
def test_the_operators_admin_pages_send_the_policy(client, operator, plain_staff):
    """The pages an operator works in: the index, users, and the verification review."""
    verification = identity.verification_submit(
        actor=plain_staff, real_name="王五", id_number=valid_id(7), mobile="13911112222"
    )
    client.force_login(operator)
    urls = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[plain_staff.pk]),
        reverse("admin:accounts_identityverification_changelist"),
        reverse("admin:accounts_identityverification_change", args=[verification.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


@pytest.mark.django_db
def test_each_response_has_a_fresh_nonce(client):
    url = reverse("accounts:login")

    nonces = {nonce_of(client.get(url)) for _ in range(3)}

    assert len(nonces) == 3


def test_a_page_may_use_the_nonce_it_was_sent_with(rf):
    """A template's ``{{ request.csp_nonce }}`` is the nonce the header names."""
    from django.http import HttpResponse
    from django.template import engines

    from utilities.csp import ContentSecurityPolicyMiddleware

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">1</script>')

    def view(request):
        return HttpResponse(template.render({}, request))

    request = rf.get("/")
    response = ContentSecurityPolicyMiddleware(view)(request)

    assert f'nonce="{nonce_of(response)}"' in response.content.decode()


@pytest.mark.django_db
def test_a_refused_form_is_a_page_of_the_site_and_sends_the_policy(owner):
    """Django's own CSRF failure page carries an inline stylesheet; ours passes the policy."""
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": owner.username, "password": "x"})

    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="csrf-failure"' in page
    assert "<style" not in page
    assert_strict(response)


# What the policy refuses, looked for where pages are written ------------------------------------

# Markup the policy refuses: inline <script> or <style> without a nonce, style="" attributes
# (which cannot carry one), on…="" handlers and javascript: URLs.
REFUSED_MARKUP = [
    (re.compile(r"<script\b(?![^>]*\b(?:src|nonce)=)[^>]*>", re.I), "inline <script> without a nonce"),
    (re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>", re.I), "inline <style> without a nonce"),
    (re.compile(r"""<[a-z][^<>]*\sstyle\s*=\s*["'{]""", re.I), "a style=\"\" attribute"),
    (re.compile(r"""<[a-z][^<>]*\son[a-z]+\s*=\s*["'{]""", re.I), "an on…=\"\" event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]
# Script that writes what the policy refuses at run time.
REFUSED_SCRIPT = [
    (re.compile(r"""setAttribute\(\s*["'](?:style|on[a-z]+)["']"""), "an inline style or handler set as an attribute"),
    (re.compile(r"\beval\(|new Function\("), "eval"),
    (re.compile(r"\.cssText\b"), "a style written as text"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def markup_sources():
    """Templates, and the Python that writes HTML (template tags, row renderers, the menu)."""
    yield from sorted((ROOT / "templates").rglob("*.html"))
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def findings_in(text, name, patterns):
    """``name:line: what: excerpt`` for every match of ``patterns`` (``[(regex, what)]``) in ``text``."""
    found = []
    for pattern, what in patterns:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {what}: {match.group(0)[:80]}")
    return found


def findings(paths, patterns):
    found = []
    for path in paths:
        found += findings_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT), patterns)
    return found


def test_no_template_or_html_writer_has_markup_the_policy_refuses():
    assert findings(markup_sources(), REFUSED_MARKUP) == []


def test_no_script_writes_what_the_policy_refuses():
    assert findings(sorted((ROOT / "static" / "js").rglob("*.js")), REFUSED_SCRIPT) == []


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<style type="text/css">p {}</style>',
        '<p class="x" style="color: red">',
        "<button onclick=\"go()\">",
        '<a href="javascript:go()">',
    ],
)
def test_the_scan_finds_refused_markup(markup):
    assert len(findings_in(f"<div>{markup}</div>", "sample.html", REFUSED_MARKUP)) == 1


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="/static/js/chat.js" defer></script>',
        '<script nonce="{{ request.csp_nonce }}">go()</script>',
        '<style nonce="{{ request.csp_nonce }}">p {}</style>',
        '<p class="style">online</p>',
    ],
)
def test_the_scan_lets_allowed_markup_pass(markup):
    assert findings_in(markup, "sample.html", REFUSED_MARKUP) == []


def test_every_browser_test_opens_its_pages_through_the_watched_contexts():
    """The browser tests' violation check (tests/browser/conftest.py) hooks ``new_context``: a
    page opened from the browser itself, or with the policy bypassed, would go unwatched."""
    bypasses = re.compile(r"browser\.new_(?:context|page)\(|\.launch\(|\bbypass_csp\b|\.launch_persistent_context\(")
    found = findings(sorted((ROOT / "tests" / "browser").glob("*.py")), [(bypasses, "an unwatched page")])

    assert found == []
