import re

import pytest
from playwright.sync_api import expect

from accounts.models import AuditEntry, Tenant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.sqlite_smoke
def test_sign_up_then_dingtalk_gate_then_dashboard(page, live_server):
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Shop or company name").fill("Acme Shop")
    page.get_by_label("Login prefix").fill("acme")
    page.get_by_label("Your user name").fill("boss")
    page.get_by_label("E-mail").fill("boss@example.com")
    page.get_by_label("Password", exact=True).fill("Str0ng-pass-phrase")
    page.get_by_label("Password again").fill("Str0ng-pass-phrase")
    page.get_by_role("button", name="Sign up").click()

    # The gate: every management page sends the new main account to the DingTalk form.
    expect(page).to_have_url(re.compile(r"/settings/dingtalk/"))
    expect(page.get_by_test_id("dingtalk-gate")).to_be_visible()
    page.goto(f"{live_server.url}/settings/audit/")
    expect(page).to_have_url(re.compile(r"/settings/dingtalk/\?next="))

    page.get_by_label("DingTalk contact name").fill("Boss Wang")
    page.get_by_label("DingTalk mobile").fill("12345")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error[data-field=dingtalk_mobile]")).to_contain_text("mainland China mobile")

    page.get_by_label("DingTalk mobile").fill("13912345678")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/settings/audit/$"))

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("dashboard-welcome")).to_contain_text("Acme Shop")
    expect(page.get_by_test_id("tenant-name")).to_have_text("Acme Shop")
    assert Tenant.objects.get(slug="acme").has_dingtalk_info
    assert AuditEntry.objects.filter(action="tenant.dingtalk_update").exists()


def test_language_switcher_turns_the_page_chinese(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.locator("#lang-select").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")


def test_sign_ups_from_one_network_stop_at_the_limit_with_a_message(page, live_server, settings):
    settings.SIGNUP_RATE_LIMIT = 1

    def sign_up_individual(name):
        page.goto(f"{live_server.url}/signup/individual/")
        page.get_by_label("Your user name").fill(name)
        page.get_by_label("E-mail").fill(f"{name}@example.com")
        page.get_by_label("Password", exact=True).fill("Str0ng-pass-phrase")
        page.get_by_label("Password again").fill("Str0ng-pass-phrase")
        page.get_by_role("button", name="Sign up").click()

    sign_up_individual("first_person")
    expect(page).not_to_have_url(re.compile(r"/signup/"))
    page.context.clear_cookies()  # someone else on the same network

    sign_up_individual("second_person")

    expect(page.locator(".form-errors")).to_contain_text("Too many accounts have been created from your network")
    expect(page.locator(".form-errors")).to_contain_text("Please try again after")
    from accounts.models import User

    assert not User.objects.filter(username="second_person").exists()
