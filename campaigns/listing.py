"""The rows of the campaign and product list pages, read as tuples (issue 27).

A list page shows a dozen columns of 25 rows; reading them as model instances (with the contact
person's and the creator's whole account rows, every timestamp parsed) was most of the page's
row cost. Here each page reads only the columns its table shows (``campaign_tables``) and wraps
each tuple in a small object with the attributes the table tags read. The viewer's visible ids
alone decide the count and which ids make the page (read by one compiled statement,
``campaigns.visibility.*_ids_visible_to``); the joined columns are read for those 25 ids (on page
40, PostgreSQL had joined the 975 rows skipped before them: 1,437 → 581 buffers for a level-3
staff member's products).
"""

from utilities.links import object_url
from utilities.pagination import capped_page

from .models import Campaign, EnrolledProduct

# The contact person's label (``accounts.User.label``) from its three columns.
_CONTACT = ("contact_person__display_name", "contact_person__account_name", "contact_person__username")


def _label(display_name, account_name, username):
    return display_name or account_name or username or None


class CampaignRow:
    """One row of ``campaigns/campaign_list.html``: what ``campaign_rows`` reads of a campaign;
    ``contact_person`` is its label (``str``) or ``None``."""

    __slots__ = (
        "pk",
        "title",
        "is_legacy",
        "starts_on",
        "ends_on",
        "commission_rate",
        "service_fee_rate",
        "review_mode",
        "contact_person",
    )
    MODEL = Campaign
    COLUMNS = (
        "pk",
        "title",
        "is_legacy",
        "starts_on",
        "ends_on",
        "commission_rate",
        "service_fee_rate",
        "review_mode",
        *_CONTACT,
    )

    def __init__(self, row):
        (
            self.pk,
            self.title,
            self.is_legacy,
            self.starts_on,
            self.ends_on,
            self.commission_rate,
            self.service_fee_rate,
            self.review_mode,
        ) = row[:8]
        self.contact_person = _label(*row[8:])

    def get_absolute_url(self):
        return object_url("campaigns:detail", self.pk)


class _Campaign:
    __slots__ = ("title",)

    def __init__(self, title):
        self.title = title


class ProductRow:
    """One row of ``campaigns/includes/product_table.html``: what ``product_rows`` and
    ``visibility.mark_reviewable`` read of a product; ``contact_person`` is its label or ``None``,
    ``campaign`` carries the campaign's ``title`` only."""

    __slots__ = (
        "pk",
        "tenant_id",
        "campaign_id",
        "product_id",
        "title",
        "shop_name",
        "price",
        "proposed_commission_rate",
        "status",
        "campaign",
        "contact_person",
        "contact_person_id",
        "reviewable",
    )
    COLUMNS = (
        "pk",
        "tenant_id",
        "campaign_id",
        "product_id",
        "title",
        "shop_name",
        "price",
        "proposed_commission_rate",
        "status",
        "campaign__title",
        "contact_person_id",
        *_CONTACT,
    )

    MODEL = EnrolledProduct

    def __init__(self, row):
        (
            self.pk,
            self.tenant_id,
            self.campaign_id,
            self.product_id,
            self.title,
            self.shop_name,
            self.price,
            self.proposed_commission_rate,
            self.status,
            campaign_title,
            self.contact_person_id,
        ) = row[:11]
        self.campaign = _Campaign(campaign_title)
        self.contact_person = _label(*row[11:])
        self.reviewable = False

    def get_absolute_url(self):
        return object_url("campaigns:product_detail", self.pk)


def _page(request, keys, row_class, tenant_id):
    """The requested ``?page=`` of the rows ``keys`` names as ``row_class`` objects.

    ``keys(limit) -> [pk]`` (the viewer's visible ids, newest first) decides everything: the
    capped count and which ids make the page; the shown columns, with their joins, are then read
    for those ids only (``CappedPaginator(keys_from=…)``), of the viewer's tenant's rows."""
    rows = row_class.MODEL.objects.filter(tenant_id=tenant_id).order_by("-id")
    page = capped_page(request, rows.values_list(*row_class.COLUMNS), keys_from=keys)
    page.object_list = [row_class(row) for row in page.object_list]
    return page


def campaign_page(request, keys):
    """The requested page of the campaigns ``keys(limit)`` names (ids visible to
    ``request.user``, newest first: ``campaigns.visibility.campaign_ids_visible_to``) as ``CampaignRow``s."""
    return _page(request, keys, CampaignRow, request.user.tenant_id)


def product_page(request, keys):
    """The requested page of the products ``keys(limit)`` names (ids visible to
    ``request.user``, newest first: ``campaigns.visibility.product_ids_visible_to``) as ``ProductRow``s."""
    return _page(request, keys, ProductRow, request.user.tenant_id)
