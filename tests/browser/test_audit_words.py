"""Issue 26 item 2 in Chromium: the main account's audit log reads in words — field labels in
Chinese, choice labels instead of stored values, times in Asia/Shanghai — never a code name."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Campaign
from campaigns.services import campaign_create
from operations.services import binding_invite
from tests.personas import hire, individual

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_audit_log_shows_labels_and_words_not_field_names(page, live_server, owner, org):
    hire(owner, "new_clerk", org.east, org.clerk, bind=False)  # staff.add and staff.invite (expires_at)
    today = timezone.localdate()
    campaign_create(
        actor=owner,
        tenant=owner.tenant,
        title="双十二零食节",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=20),
        commission_rate=Decimal("20"),
        service_fee_rate=Decimal("5"),
        review_mode=Campaign.ReviewMode.MANUAL,
        contact_person=None,
        scope_whole_tenant=True,
    )
    binding_invite(actor=owner, tenant=owner.tenant, login=individual("yunying_xiao").username)

    sign_in(page, live_server.url, owner.username)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}{reverse('accounts:audit_log')}")

    changes = page.locator("td.change")
    expect(changes.filter(has_text="审核方式: 人工审核")).to_have_count(1)
    expect(changes.filter(has_text="显示名称: New Clerk")).to_have_count(1)
    expect(changes.filter(has_text="状态: 待确认")).to_have_count(1)  # the binding, not the delivery page's 待发送
    expect(changes.filter(has_text=re.compile(r"邀请有效期至: \d{4}-\d\d-\d\d \d\d:\d\d"))).to_have_count(1)
    text = page.locator("table.table").inner_text()
    for code in ("display_name", "review_mode", "manual", "pending", "expires_at", "scope_whole_tenant"):
        assert code not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)
