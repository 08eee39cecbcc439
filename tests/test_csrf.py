"""CSRF on every POST (STYLE: security), derived from the URL configuration itself.

Every URL of the site, those added later included, is sent a POST without a CSRF token by a
client that enforces the check, logged in as someone who may use the page: it must be refused by
the CSRF check (a 403 from ``CSRF_FAILURE_VIEW``, told apart from a permission 403 below). The
one exemption is the SCIM API, which answers to bearer tokens and never to a session cookie.
"""

import re

import pytest
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PASSWORD
from tests.test_url_access import BEARER_API_NAMESPACES, PUBLIC

# Sample values for path parameters, by name; anything else gets "1". Objects need not exist:
# the CSRF check runs before the view, and an exempt view would answer 404, not the CSRF 403.
SAMPLE_ARGS = {"app_label": "accounts", "action": "disable", "token": "no-such-token", "fmt": "csv"}
CSRF_REFUSAL_HEADER = "X-Refused-By"
# An operation account's own pages in the shops it serves.
INDIVIDUAL_PAGES = {
    "operations:my_shops",
    "operations:invitation_answer",
    "operations:work",
    "operations:work_orders",
    "operations:order_place",
}


def csrf_refused(request, reason=""):
    """The test's ``CSRF_FAILURE_VIEW``: a 403 that says it came from the CSRF check."""
    response = HttpResponseForbidden("csrf")
    response[CSRF_REFUSAL_HEADER] = "csrf"
    return response


def every_url():
    """``[(label, namespace, path, view)]`` for every URL pattern of the site, named or not."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + [entry], entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                label = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or str(entry.pattern))
                found.append((label, namespace, _sample_path(prefix + [entry]), entry.callback))

    walk(get_resolver().url_patterns, [], None)
    return sorted({(label, ns or "", path): view for label, ns, path, view in found}.items())


def _sample_path(chain):
    """A path that resolves to the last pattern of ``chain`` (its resolvers first)."""
    path = ""
    for entry in chain:
        pattern = entry.pattern
        if hasattr(pattern, "_route"):  # path(): fill each <converter:name>
            path += re.sub(
                r"<(?:\w+:)?(\w+)>", lambda m, p=pattern: _sample_value(p.converters[m.group(1)], m.group(1)), pattern._route
            )
        else:  # re_path(): the regex with each named group replaced by a sample value
            path += _regex_example(pattern.regex.pattern)
    return "/" + path.lstrip("/")


def _sample_value(converter, name):
    for value in (SAMPLE_ARGS.get(name, "1"), "1", "x", "csv"):
        if re.fullmatch(converter.regex, value):
            return converter.to_url(converter.to_python(value))
    raise AssertionError(f"no sample value for <{name}>: add one to SAMPLE_ARGS")


def _regex_example(regex):
    regex = regex.removeprefix("^").removesuffix("$").removesuffix("\\Z")
    while (group := re.search(r"\(\?P<(\w+)>", regex)) is not None:
        depth, i = 1, group.end()
        while depth:
            if regex[i - 1] != "\\":
                depth += {"(": 1, ")": -1}.get(regex[i], 0)
            i += 1
        regex = regex[: group.start()] + SAMPLE_ARGS.get(group.group(1), "1") + regex[i:]
    return regex.replace("\\", "")


URLS = every_url()
SESSION_URLS = [(key, view) for key, view in URLS if key[1] not in BEARER_API_NAMESPACES]
API_URLS = [(key, view) for key, view in URLS if key[1] in BEARER_API_NAMESPACES]


def _client_as(who, users):
    client = Client(enforce_csrf_checks=True)
    if who != "anonymous":
        client.force_login(users[who])
    return client


def _persona(label, namespace):
    """Who may use the page: a visitor for public pages, an operator for the admin, an individual
    for its own operation pages, the main account for the rest."""
    if label in PUBLIC:
        return "anonymous"
    if namespace == "admin" or label.startswith("admin/"):
        return "operator"
    if label in INDIVIDUAL_PAGES:
        return "individual"
    return "owner"


def test_the_urls_were_read():
    assert len(SESSION_URLS) > 100, "the URL configuration was not read"
    labels = {label for (label, _ns, _path), _view in SESSION_URLS}
    assert "staff:action" in labels
    assert INDIVIDUAL_PAGES <= labels
    assert len(API_URLS) > 10


def test_only_the_bearer_token_api_is_exempt_from_csrf():
    """No view of the site may carry ``@csrf_exempt`` except the SCIM API's (bearer tokens only)."""
    exempt = sorted(label for (label, _ns, _path), view in SESSION_URLS if getattr(view, "csrf_exempt", False))
    assert exempt == []
    assert all(getattr(view, "csrf_exempt", False) for _key, view in API_URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("label,namespace,path", [key for key, _view in SESSION_URLS])
def test_a_post_without_the_csrf_token_is_refused(settings, owner, operator, label, namespace, path):
    from accounts.services.tenants import individual_sign_up

    settings.CSRF_FAILURE_VIEW = "tests.test_csrf.csrf_refused"
    settings.ADMIN_REQUIRES_SECOND_FACTOR = False
    users = {"owner": owner, "operator": operator}
    who = _persona(label, namespace)
    if who == "individual":
        users["individual"] = individual_sign_up(username="solo", email="solo@example.com", password=PASSWORD)
    client = _client_as(who, users)

    response = client.post(path, {"username": "x", "password": "y"})

    assert response.status_code == 403, f"{label} {path} answered {response.status_code}"
    assert response.get(CSRF_REFUSAL_HEADER) == "csrf", f"{label} {path}: 403, but not from the CSRF check"


@pytest.mark.django_db
@pytest.mark.parametrize("label,namespace,path", [key for key, _view in API_URLS])
def test_the_scim_api_answers_to_bearer_tokens_not_to_csrf(settings, owner, label, namespace, path):
    settings.CSRF_FAILURE_VIEW = "tests.test_csrf.csrf_refused"
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)  # a session cookie is not enough either

    response = client.post(path, "{}", content_type="application/scim+json")

    assert response.status_code == 401, label
    assert CSRF_REFUSAL_HEADER not in response


# URLs another pattern answers first: the POST above went to that one's view.
SHADOWED = {"admin:login"}  # config/urls.py sends the admin's login to the site's own


def test_sample_paths_resolve_to_their_views():
    from django.urls import resolve

    mismatched = {label for (label, _ns, path), view in URLS if resolve(path).func != view}
    assert mismatched == SHADOWED
    assert reverse("staff:action", args=[1, "disable"]) in {path for (_l, _n, path), _v in URLS}
