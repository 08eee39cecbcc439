"""The tables list pages write in Python escape every value as the template language would."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.test import RequestFactory

from campaigns.templatetags.campaign_tables import campaign_rows, product_rows, report_rows
from staff.templatetags.staff_tables import staff_rows
from utilities.html import conditional_escape, escape
from utilities.templatetags.layout import sidebar

HOSTILE = """<img src=x onerror="alert('1')">&"""
ESCAPED = "&lt;img src=x onerror=&quot;alert(&#x27;1&#x27;)&quot;&gt;&amp;"


def test_escape_is_djangos_escape_without_the_wrapper():
    from django.utils import html as django_html
    from django.utils.safestring import mark_safe

    assert escape(HOSTILE) == django_html.escape(HOSTILE) == ESCAPED
    assert conditional_escape(mark_safe("<b>ok</b>")) == "<b>ok</b>"
    assert conditional_escape(HOSTILE) == ESCAPED


def test_campaign_rows_escape_titles_and_contact_persons():
    campaign = SimpleNamespace(
        title=HOSTILE,
        get_absolute_url=lambda: "/campaigns/1/",
        is_legacy=False,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 2, 1),
        commission_rate=Decimal("10.50"),
        service_fee_rate=Decimal("1.00"),
        review_mode="manual",
        contact_person=HOSTILE,
    )
    html = campaign_rows([campaign])
    assert "<img" not in html
    assert html.count(ESCAPED) == 3  # the data attribute, the link text, the contact person


def test_product_rows_escape_every_text_field():
    product = SimpleNamespace(
        pk=1,
        product_id=HOSTILE,
        title=HOSTILE,
        shop_name=HOSTILE,
        campaign=SimpleNamespace(title=HOSTILE),
        get_absolute_url=lambda: "/campaigns/products/1/",
        price=Decimal("9.90"),
        proposed_commission_rate=Decimal("5.00"),
        status="pending",
        contact_person=HOSTILE,
        reviewable=True,
    )
    request = RequestFactory().get("/campaigns/products/", {"q": HOSTILE})
    html = product_rows({"request": request, "csrf_token": "t"}, [product], show_campaign=True)
    assert "<img" not in html
    assert html.count(ESCAPED) == 6


def test_report_and_staff_rows_escape_labels():
    assert "<img" not in report_rows([{"label": HOSTILE, "clicks": 1, "paid_orders": 2, "paid_amount": 3, "estimated_service_fee": 4}])
    staff = SimpleNamespace(
        pk=1,
        account_name=HOSTILE,
        label=HOSTILE,
        is_department_admin=True,
        username=HOSTILE,
        mobile=HOSTILE,
        department_path=HOSTILE,
        position=HOSTILE,
        status="active",
        identity_status="none",
        is_temporary=False,
    )
    html = staff_rows([staff])
    assert "<img" not in html
    assert html.count(ESCAPED) == 6


def test_sidebar_escapes_labels_and_urls():
    html = sidebar([{"title": HOSTILE, "items": [{"url": HOSTILE, "label": HOSTILE, "active": True}]}])
    assert "<img" not in html and html.count(ESCAPED) == 3
    assert 'aria-current="page"' in html


def test_history_rows_escape_every_cell_and_say_queued_and_overflow():
    from chat.history import HistoryRow
    from chat.templatetags.chat_tags import history_rows

    html = history_rows(
        [
            HistoryRow(7, "/chat/conversations/7/", "2026-12-07 10:00", HOSTILE, HOSTILE, HOSTILE, True, HOSTILE),
            HistoryRow(8, "/chat/conversations/8/", "2026-12-07 10:01", "买家", "售前", "", False, "Queued"),
        ]
    )
    assert "<img" not in html
    assert html.count(ESCAPED) == 4
    assert '<tr data-conversation="7">' in html and '<a href="/chat/conversations/7/">' in html
    assert '(overflow)</span>' in html.split('data-conversation="8"')[0]
    assert '<span class="muted">waiting in the queue</span>' in html.split('data-conversation="8"')[1]


def test_a_filter_bars_model_choices_are_read_in_one_plain_query(db, django_assert_num_queries):
    """The same options as Django's own rendering of the field, read with one ordinary query: the
    field's iterator would open a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE)."""
    from django import forms
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Tenant
    from tests.factories import TenantFactory
    from utilities.templatetags.listing import filter_fields

    TenantFactory(name=HOSTILE)
    TenantFactory(name="Acme")

    class Filter(forms.Form):
        tenant = forms.ModelChoiceField(queryset=Tenant.objects.order_by("name"), required=False, empty_label="All")

    form = Filter({})
    with CaptureQueriesContext(connection) as captured:
        html = filter_fields(form)
    assert len(captured) == 1 and not captured[0]["sql"].lstrip().upper().startswith("DECLARE")
    expected = [(str(value), str(label)) for value, label in Filter({}).fields["tenant"].choices]
    assert len(expected) == 3
    options = html.split("<option ")[1:]
    assert [(option.split('"')[1], option.split(">", 1)[1].split("</option>")[0]) for option in options] == [
        (escape(value), escape(label)) for value, label in expected
    ]
    assert "<img" not in html


def test_a_filter_bar_keeps_the_choices_a_form_set_on_a_model_choice_field(db, django_assert_num_queries):
    """The staff list names departments by their path: choices the form set replace the
    queryset's, and are written without a query."""
    from django import forms

    from accounts.models import Tenant
    from tests.factories import TenantFactory
    from utilities.templatetags.listing import filter_fields

    tenant = TenantFactory(name="Acme")

    class Filter(forms.Form):
        tenant = forms.ModelChoiceField(queryset=Tenant.objects.all(), required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["tenant"].choices = [("", "All"), (tenant.pk, "招商部 / 服饰组 <b>")]

    form = Filter({})
    with django_assert_num_queries(0):
        html = filter_fields(form)
    assert f'<option value="{tenant.pk}">招商部 / 服饰组 &lt;b&gt;</option>' in html
    assert "Acme" not in html
