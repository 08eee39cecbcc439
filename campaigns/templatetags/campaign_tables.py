"""Rows of the campaign, product and report tables, written in Python as Django's admin writes its
change-list rows (``items_for_result``): a 25-row page costs a fraction of a millisecond here
against about ten through the template language, on every list page of the app. Every value is
escaped with ``utilities.html`` (the text ``format_html`` would write, without its per-call cost)."""

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from utilities.formatting import MINUS, format_count, format_money
from utilities.html import conditional_escape, escape

from ..models import Campaign, EnrolledProduct

register = template.Library()

DASH = "—"


def _number_formatter():
    """``localize()`` for the model's fixed-point decimals, with the separator looked up once."""
    separator = get_format("DECIMAL_SEPARATOR")
    return lambda value: format(value, "f").replace(".", separator)


def _labels(choices):
    """``get_FOO_display()`` for a page of rows: one dict per page instead of one per row."""
    return {value: str(label) for value, label in choices}


@register.simple_tag
def campaign_rows(campaigns, official=False):
    """The ``<tr>`` of each campaign of ``campaigns/campaign_list.html``: one f-string per row
    (``format_html``'s per-argument machinery was most of this tag's cost); every value is escaped."""
    legacy_label = _("Legacy")  # outside the f-string, where makemessages finds it
    legacy = f' <span class="status">{escape(legacy_label)}</span>'
    number = _number_formatter()
    review_modes = _labels(Campaign.ReviewMode.choices)
    rows = []
    for campaign in campaigns:
        title = escape(campaign.title)
        contact = "" if official else f"<td>{conditional_escape(campaign.contact_person or DASH)}</td>"
        rows.append(
            f'<tr data-campaign="{title}"><td><a href="{escape(campaign.get_absolute_url())}">{title}</a>'
            f'{legacy if campaign.is_legacy else ""}</td>'
            f"<td>{campaign.starts_on.isoformat()} – {campaign.ends_on.isoformat()}</td>"
            f'<td class="num">{escape(number(campaign.commission_rate))}%</td>'
            f'<td class="num">{escape(number(campaign.service_fee_rate))}%</td>'
            f"<td>{escape(review_modes.get(campaign.review_mode, campaign.review_mode))}</td>{contact}</tr>"
        )
    return mark_safe("\n".join(rows))


def _review_forms(context):
    """Approve in one click; reject on the product's page, which asks for the reason (R-27).

    Returns ``forms(product) -> str``: what is the same for every row of the page (the token,
    the return address, the labels, the approve URL's pattern) is escaped once, not per row."""
    token = escape(context.get("csrf_token", ""))
    next_url = escape(context["request"].get_full_path())
    approve = escape(_("Approve"))
    reject = escape(_("Reject…"))
    # reverse() once with a stand-in id (digits only, as the URL's int converter takes).
    marker = 987654321
    before, after = escape(reverse("campaigns:product_review", args=[marker, "approve"])).split(str(marker), 1)

    def forms(product):
        return (
            f'<form method="post" action="{before}{int(product.pk)}{after}" class="inline">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<input type="hidden" name="next" value="{next_url}">'
            f'<button class="button small">{approve}</button></form>'
            f'<a class="button small secondary" href="{escape(product.get_absolute_url())}#reject">{reject}</a>'
        )

    return forms


@register.simple_tag(takes_context=True)
def product_rows(context, products, show_campaign=False):
    """The ``<tr>`` of each product of ``campaigns/includes/product_table.html``; products may
    carry ``reviewable`` (``campaigns.visibility.mark_reviewable``). One f-string per row, every
    value escaped."""
    number = _number_formatter()
    statuses = _labels(EnrolledProduct.Status.choices)
    review_forms = None
    rows = []
    for product in products:
        product_id = escape(product.product_id)
        campaign = f"<td>{escape(product.campaign.title)}</td>" if show_campaign else ""
        review = ""
        if getattr(product, "reviewable", False):
            review_forms = review_forms or _review_forms(context)
            review = review_forms(product)
        status = escape(product.status)
        rows.append(
            f'<tr data-product="{product_id}"><td><a href="{escape(product.get_absolute_url())}">{escape(product.title)}</a>'
            f'<br><span class="muted">{product_id}</span></td><td>{escape(product.shop_name)}</td>{campaign}'
            f'<td class="num">¥{escape(format_money(product.price))}</td>'
            f'<td class="num">{escape(number(product.proposed_commission_rate))}%</td>'
            f'<td><span class="status status-{status}">{escape(statuses.get(product.status, product.status))}</span></td>'
            f"<td>{conditional_escape(product.contact_person or DASH)}</td><td>{review}</td></tr>"
        )
    return mark_safe("\n".join(rows))


def _money_cell(value):
    """``escape(format_money(value))`` for a report's figures: a ``Decimal`` of two places (what
    ``exact_figures`` gives) is written directly, digits and separators only, so needs no escaping."""
    if type(value) is Decimal and value.as_tuple().exponent == -2:
        text = f"{abs(value):,.2f}"
        return f"{MINUS}{text}" if value < 0 else text
    return escape(format_money(value))


def _count_cell(value):
    """``escape(format_count(value))``: an ``int`` is written directly (digits and commas only)."""
    if type(value) is int:
        text = f"{abs(value):,}"
        return f"{MINUS}{text}" if value < 0 else text
    return escape(format_count(value))


@register.simple_tag
def report_rows(rows):
    """The ``<tr>`` of each row of ``campaigns/report.html`` (up to 500 of them): counts and money
    with thousands separators, money with two decimals (``utilities.formatting``).

    One f-string per row instead of ``format_html``: at 400 rows ``format_html``'s per-argument
    machinery was 40% of the report's CPU; every cell is escaped the same way, except the figures
    ``exact_figures`` made ``int`` and two-place ``Decimal``, whose text is digits and separators
    (half of the rest, issue 27)."""
    return mark_safe(
        "".join(
            f'<tr><td>{conditional_escape(row["label"])}</td><td class="num">{_count_cell(row["clicks"])}</td>'
            f'<td class="num">{_count_cell(row["paid_orders"])}</td>'
            f'<td class="num">{_money_cell(row["paid_amount"])}</td>'
            f'<td class="num">{_money_cell(row["estimated_service_fee"])}</td></tr>'
            for row in rows
        )
    )
