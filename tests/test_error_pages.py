"""The error pages of issue 26 outside the browser: the 500 page needs no database and shows the
reference its log line carries; under DEBUG (the quick start) a 404 is still the site's page.
The pages themselves, with the menu and in both languages, are in tests/browser/test_error_pages.py."""

import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from utilities.errors import server_error
from utilities.logs import EscapingFormatter


def test_the_500_page_renders_without_the_database():
    """No ``django_db`` mark: any query, session or user lookup would raise here."""
    request = RequestFactory().get("/campaigns/")

    response = server_error(request)

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert request.error_reference in page
    assert 'class="sidebar"' not in page and "lang-select" not in page


@pytest.mark.django_db
def test_the_500_reference_is_the_one_in_the_log_line(settings, caplog, owner):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test-errors/500/")

    assert response.status_code == 500
    reference = response.wsgi_request.error_reference
    assert f'data-testid="error-reference">{reference}<' in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    line = EscapingFormatter("%(levelname)s %(name)s %(message)s").format(record)
    assert line.startswith(f"ERROR django.request Internal Server Error: /test-errors/500/ [reference {reference}]")
    assert "RuntimeError: a bug on purpose" in line


@pytest.mark.django_db
def test_under_debug_a_404_is_the_sites_page_not_the_list_of_urls(settings, owner_client):
    settings.DEBUG = True

    unknown = owner_client.get("/no-such-page/")
    invisible = owner_client.get(reverse("staff:detail", args=[999_999]))
    no_slash = owner_client.get("/campaigns")

    for response in (unknown, invisible):
        page = response.content.decode()
        assert response.status_code == 404
        assert 'data-status="404"' in page and 'class="sidebar"' in page
        assert "URLconf" not in page and "DEBUG = True" not in page
    assert no_slash.status_code == 301 and no_slash["Location"] == "/campaigns/"


def test_the_500_page_still_speaks_when_its_layout_breaks(monkeypatch):
    """A broken layout (in production: a missing static manifest) must not turn the 500 page into
    the server's bare one: the same words and reference, without the layout."""
    from django.template import loader

    def broken(name, *args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/app.css'")

    monkeypatch.setattr(loader, "get_template", broken)
    request = RequestFactory().get("/")

    page = server_error(request).content.decode()

    assert "Something went wrong" in page and request.error_reference in page


@pytest.mark.django_db
def test_a_forged_host_gets_the_400_page_not_a_bare_one():
    response = Client(raise_request_exception=False).get("/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert 'data-status="400"' in response.content.decode()


@pytest.mark.django_db
def test_under_debug_a_nul_in_the_address_is_the_400_page_not_the_debug_page(settings, client):
    """The quick start serves with DEBUG on; an anonymous visitor must not get Django's technical
    400 page (with the settings) for ``/campaigns/enroll/%00/``, but the site's page saying why."""
    settings.DEBUG = True

    for address in ("/campaigns/enroll/%00/", "/staff/?q=%00"):
        response = client.get(address, headers={"accept-language": "en"})
        page = response.content.decode()
        assert response.status_code == 400
        assert 'data-status="400"' in page and "NUL character" in page
        assert "DEBUG" not in page and "SECRET_KEY" not in page and "Traceback" not in page
