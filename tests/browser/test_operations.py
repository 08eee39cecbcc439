"""Acceptance of issue 12 (R-33 … R-35) in Chromium: the owner invites an individual, who agrees
and places an order; the owner's unbind is refused listing the order; once the order is confirmed
the unbind succeeds, and the statement opened with openpyxl shows the order and the total."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from operations.models import TaskOrder
from tests.factories import PASSWORD

from tests.operations.conftest import ops_manager  # noqa: F401  (the fixture)

from .helpers import sidebar_links

pytestmark = pytest.mark.django_db(transaction=True)


def test_invite_agree_order_refused_unbind_confirm_unbind_statement(owner, browser_as, live_server, screenshot, tmp_path):
    # An individual signs up on its own.
    runner = browser_as()
    runner.goto(f"{live_server.url}/signup/")
    runner.get_by_role("link", name="Sign up as an individual").click()
    runner.get_by_label("Your user name").fill("runner_li")
    runner.get_by_label("Display name").fill("运营小李")
    runner.get_by_label("E-mail").fill("li@example.com")
    runner.get_by_label("Password", exact=True).fill(PASSWORD)
    runner.get_by_label("Password again").fill(PASSWORD)
    runner.get_by_role("button", name="Sign up").click()
    expect(runner.get_by_test_id("current-user")).to_have_text("运营小李")
    expect(sidebar_links(runner)).to_have_text(
        ["Dashboard", "Inbox", "My shops", "My sessions", "Change password", "Two-factor authentication"]
    )

    # The owner adds a task and invites the individual by user name.
    shop = browser_as(owner.username)
    shop.get_by_role("link", name="Tasks", exact=True).click()
    shop.get_by_role("link", name="Add task").click()
    shop.get_by_label("Title").fill("秋冬新品种草短视频")
    shop.get_by_label("Creator (达人)").fill("小美穿搭")
    shop.get_by_label("Fee (¥)").fill("1234.56")
    shop.get_by_label("Deadline").fill((timezone.localdate() + datetime.timedelta(days=10)).isoformat())
    shop.get_by_role("button", name="Save").click()
    expect(shop.get_by_test_id("task-row")).to_contain_text("1,234.56")
    shop.get_by_role("link", name="Operation accounts", exact=True).click()
    shop.get_by_label("User name of the person").fill("runner_li")
    shop.get_by_role("button", name="Send invitation").click()
    expect(shop.locator(".message.success")).to_contain_text("pending until they agree")
    expect(shop.get_by_test_id("binding-row")).to_contain_text("Pending")

    # The invitation is in the individual's inbox and on its page; it agrees and orders.
    runner.reload()
    expect(runner.get_by_test_id("unread-count")).to_have_text("1")
    invitation = runner.get_by_test_id("panel-operation-invitations")
    expect(invitation).to_contain_text(owner.tenant.name)
    invitation.get_by_role("button", name="Agree to bind").click()
    expect(runner.locator(".message.success")).to_contain_text("You are now the operation account")
    runner.get_by_test_id("task-row").get_by_role("link", name="Place order").click()
    runner.get_by_role("button", name="Place order").click()
    expect(runner.locator(".message.success")).to_contain_text("placed")
    order = TaskOrder.objects.get()
    row = runner.locator(f'tr[data-number="{order.number}"]')
    expect(row).to_contain_text("Placed")

    # The owner's unbind is refused, naming the open order.
    shop.reload()
    shop.get_by_test_id("binding-row").get_by_role("link").first.click()
    expect(shop.get_by_test_id("binding-status")).to_have_text("Active")
    shop.get_by_role("button", name="Unbind").click()
    refusal = shop.get_by_test_id("unbind-refusal")
    expect(refusal).to_contain_text(order.number)
    expect(shop.get_by_test_id("binding-status")).to_have_text("Active")
    screenshot(shop, "operation-unbind-refused")

    # The operation account takes the order to confirmed receipt (确认收货).
    for button, state in (("Start work", "In progress"), ("Mark delivered", "Delivered"), ("Confirm receipt", "Receipt confirmed")):
        row.get_by_role("button", name=button).click()
        expect(row).to_contain_text(state)

    # Now the unbind succeeds, and the former account sees nothing of the shop.
    shop.get_by_role("button", name="Unbind").click()
    expect(shop.locator(".message.success")).to_contain_text("is unbound from your shop")
    expect(shop.get_by_test_id("binding-status")).to_have_text("Unbound")
    response = runner.goto(runner.url)
    assert response.status == 404

    # The statement, downloaded as XLSX and opened with openpyxl, shows the order and the total.
    shop.get_by_role("link", name="Statement").click()
    expect(shop.get_by_test_id("statement-total")).to_have_text("1,234.56")
    with shop.expect_download() as download_info:
        shop.get_by_test_id("statement-xlsx").click()
    download = download_info.value
    assert re.fullmatch(r"statement-runner_li-20190701-\d{8}\.xlsx", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target).active
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert rows[1][0] == order.number and rows[1][1] == "秋冬新品种草短视频" and rows[1][4] == "Receipt confirmed"
    total = next(line for line in rows if line[0] == "Total (without cancelled orders)")
    assert str(total[5]) == "1234.56"


def test_the_other_pages_main_paths(owner, ops_manager, browser_as, live_server):
    """Staff with the right filter the order list and cancel an order, edit a task, withdraw and
    replace; an individual declines an invitation on its shops page."""
    from operations import services
    from tests.personas import bind, individual, task_for

    task = task_for(owner, title="直播口播")
    runner_a, runner_b, runner_c = individual("runner_a", "Runner A"), individual("runner_b", "Runner B"), individual("runner_c", "Runner C")
    binding_a, binding_b = bind(owner, runner_a), bind(owner, runner_b)
    a1 = services.order_place(actor=runner_a, binding=binding_a, task=task)
    b1 = services.order_place(actor=runner_b, binding=binding_b, task=task)
    services.binding_invite(actor=owner, tenant=owner.tenant, login="runner_c")

    page = browser_as(ops_manager.username)
    page.get_by_role("link", name="Task orders", exact=True).click()
    expect(page.get_by_test_id("result-count")).to_have_text("2 orders")
    page.get_by_label("Operation account").select_option(label="Runner B (runner_b)")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    row = page.locator(f'tr[data-number="{b1.number}"]')
    row.get_by_role("button", name="Cancel order").click()
    expect(row).to_contain_text("Cancelled")
    expect(page).to_have_url(re.compile(r"account="))  # back on the filtered list

    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_test_id("task-row").get_by_role("link", name="Edit").click()
    page.get_by_label("Fee (¥)").fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('.error[data-field="fee"]')).to_be_visible()
    page.get_by_label("Fee (¥)").fill("999.90")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("task-row")).to_contain_text("999.90")

    # Replace B (its only order is cancelled) by C: refused, C is still pending with the shop.
    page.get_by_role("link", name="Operation accounts", exact=True).click()
    page.get_by_label("Status").select_option("pending")
    page.get_by_role("button", name="Filter").click()
    page.get_by_test_id("binding-row").get_by_role("link", name="Runner C").click()
    page.get_by_role("button", name="Withdraw invitation").click()
    expect(page.get_by_test_id("binding-status")).to_have_text("Withdrawn")
    page.goto(f"{live_server.url}/operations/accounts/{binding_b.pk}/")
    page.get_by_role("link", name="Replace").click()
    page.get_by_label("User name of the person").fill("runner_c")
    page.get_by_role("button", name="Unbind and invite").click()
    expect(page.locator(".message.success")).to_contain_text("Runner B is unbound and Runner C invited")
    expect(page.get_by_test_id("binding-status")).to_have_text("Pending")

    # A's order keeps A bound: replacing A is refused, listing it.
    page.goto(f"{live_server.url}/operations/accounts/{binding_a.pk}/replace/")
    page.get_by_label("User name of the person").fill("runner_b")
    page.get_by_role("button", name="Unbind and invite").click()
    expect(page.get_by_test_id("unbind-refusal")).to_contain_text(a1.number)

    # Runner C declines on its shops page.
    runner = browser_as("runner_c")
    runner.get_by_role("link", name="My shops").click()
    invitation = runner.get_by_test_id("invitation-row")
    expect(invitation).to_contain_text(owner.tenant.name)
    invitation.get_by_role("button", name="Decline").click()
    expect(runner.locator(".message.success")).to_contain_text("You declined")
    expect(runner.get_by_test_id("invitation-row")).to_have_count(0)


def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(owner, plain_staff, browser_as, live_server):
    """What a new user tried: invite one's own staff, add a task due in the past or in year 9999 or
    closed, order above the fee, and ask for a statement ending next year."""
    from operations.models import OperationBinding, Task
    from tests.personas import bind, individual, task_for

    shop = browser_as(owner.username)
    shop.goto(f"{live_server.url}/operations/accounts/")
    shop.get_by_label("User name of the person").fill(plain_staff.username)
    shop.get_by_role("button", name="Send invitation").click()
    expect(shop).to_have_url(re.compile(r"/operations/accounts/invite/$"))  # the invite page shows why
    expect(shop.locator('.error[data-field="login"]')).to_contain_text("is an account of your shop")
    assert not OperationBinding.objects.exists()

    shop.goto(f"{live_server.url}/operations/tasks/add/")
    shop.get_by_label("Title").fill("直播口播")
    shop.get_by_label("Creator (达人)").fill("阿杰")
    shop.get_by_label("Fee (¥)").fill("500")
    for deadline, message in (("2020-01-01", "cannot be in the past"), ("9999-12-31", "no later than")):
        shop.get_by_label("Deadline").fill(deadline)
        shop.get_by_role("button", name="Save").click()
        expect(shop.locator('.error[data-field="deadline"]')).to_contain_text(message)
    assert not Task.objects.exists()
    shop.get_by_label("Deadline").fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    shop.get_by_label("Open for orders").uncheck()
    shop.get_by_role("button", name="Save").click()
    expect(shop.get_by_test_id("task-row")).to_contain_text("No")  # added closed, as asked

    runner = individual("runner_a", "Runner A")
    binding = bind(owner, runner)
    task = task_for(owner, title="秋冬种草视频", fee=Decimal("800.00"))
    page = browser_as("runner_a")
    page.goto(f"{live_server.url}/operations/my/{binding.pk}/order/?task={task.pk}")
    page.get_by_label("Amount (¥)").fill("5000")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator('.error[data-field="amount"]')).to_contain_text("800.00")
    assert not binding.orders.exists()
    page.get_by_label("Amount (¥)").fill("750")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".message.success")).to_contain_text("placed")
    assert [order.amount for order in binding.orders.all()] == [Decimal("750.00")]

    page.goto(f"{live_server.url}/operations/bindings/{binding.pk}/statement/")
    page.get_by_label("Until").fill(f"{timezone.localdate().year + 1}-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('.error[data-field="end"]')).to_contain_text("after today")
    expect(page.get_by_test_id("statement-xlsx")).to_have_count(0)
