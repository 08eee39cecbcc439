"""The pages the README shows, walked through with the demo data (``manage.py seed_demo``).

Run as part of the suite, this checks that a new main account's first pages show the demo data.
With ``SCREENSHOTS=1`` (``bash config/screenshots.sh``) it also saves each page to
``docs/screenshots/`` for the README.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.seed_demo import DEMO_OWNER, DEMO_PASSWORD
from accounts.models import User
from campaigns.models import EffectDaily

from .helpers import sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_page(page, live_server):
    """The demo main account signed in, in a window the size of a laptop screen."""
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server.url, DEMO_OWNER, DEMO_PASSWORD)
    expect(page.get_by_test_id("current-user")).to_be_visible()
    return page


@pytest.mark.sqlite_smoke
def test_demo_owner_tour_of_staff_org_chart_and_effect_report(demo_page, live_server, screenshot):
    page = demo_page
    staff = User.objects.filter(tenant__slug="demo", kind=User.Kind.STAFF).order_by("username").first()
    assert staff is not None, "seed_demo creates staff accounts"

    screenshot(page, "dashboard")

    sidebar_links(page).get_by_text("Staff", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    expect(page.locator(f'tr[data-account="{staff.account_name}"]')).to_be_visible()
    screenshot(page, "staff-list")

    page.goto(f"{live_server.url}/orgchart/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Org chart")
    department = staff.department
    expect(page.get_by_text(department.name, exact=True).first).to_be_visible()
    screenshot(page, "org-chart")

    sidebar_links(page).get_by_text("Effect reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Effect reports")
    assert EffectDaily.objects.filter(tenant__slug="demo").exists()
    expect(page.get_by_test_id("trend-chart")).to_be_visible()
    expect(page.get_by_test_id("report-table").locator("tbody tr").first).to_be_visible()
    screenshot(page, "effect-report")
