"""Issue 26 item 1 in Chromium: a staff member meets each error page — 404, 403 (a page their
account may not use), 400, a refused form (CSRF) and 500 — in the layout with the menu (the 500
page without it: it renders without the database), in English and in Chinese, each saying what
happened and linking back to the start page."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .helpers import sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HEADINGS = {
    "en": {
        "404": "Page not found",
        "403": "No access to this page",
        "400": "Request not understood",
        "csrf": "Form not sent",
        "500": "Something went wrong",
    },
    "zh-hans": {
        "404": "页面不存在",
        "403": "无权使用此页面",
        "400": "无法识别的请求",
        "csrf": "表单未提交",
        "500": "系统出错了",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_error_page_is_in_the_layout_and_the_readers_language(page, live_server, settings, plain_staff, language):
    settings.ROOT_URLCONF = "tests.error_urls"
    headings = HEADINGS[language]
    sign_in(page, live_server.url, plain_staff.username)
    expect(page.get_by_test_id("current-user")).to_be_visible()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])

    def shows(status, heading, *, menu=True):
        error = page.get_by_test_id("error-page")
        expect(error).to_have_attribute("data-status", status)
        expect(error.get_by_role("heading")).to_have_text(heading)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if menu:
            expect(sidebar_links(page).first).to_be_visible()
        else:
            expect(sidebar_links(page)).to_have_count(0)
        expect(page.get_by_test_id("error-back")).to_have_attribute("href", reverse("accounts:dashboard"))

    page.goto(f"{live_server.url}/no-such-page/")
    shows("404", headings["404"])
    page.goto(f"{live_server.url}{reverse('accounts:audit_log')}")  # the main account's page
    shows("403", headings["403"])
    page.goto(f"{live_server.url}/test-errors/400/")
    shows("400", headings["400"])

    page.goto(f"{live_server.url}{reverse('accounts:dashboard')}")
    page.context.clear_cookies(name="csrftoken")  # a browser that dropped the site's cookie
    page.locator("#lang-select").select_option(language)
    page.locator("form.lang-switch button").click()
    expect(page.get_by_test_id("csrf-failure")).to_be_visible()
    shows("403", headings["csrf"])

    page.goto(f"{live_server.url}/test-errors/500/")
    shows("500", headings["500"], menu=False)
    expect(page.get_by_test_id("error-reference")).to_have_text(re.compile(r"^[0-9A-F]{8}$"))
    page.get_by_test_id("error-back").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
