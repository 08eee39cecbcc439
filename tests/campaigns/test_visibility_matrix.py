"""Who sees which campaign, product and figure: one row per persona, every channel (R-24 … R-31).

Each expectation below exists because of exactly one rule; dropping any rule changes at least
one persona's row. Channels: the selector, the list page, its count, the search, the detail
page, the report totals and the export.
"""

import pytest
from django.urls import reverse

from campaigns import windows
from campaigns.reports import build_report
from campaigns.visibility import campaigns_visible_to, official_campaigns_for, products_visible_to

ALL_CAMPAIGNS = ["c_dept", "c_named", "c_whole", "c_creator", "c_legacy", "c_other"]
ALL_PRODUCTS = ["p_approved", "p_pending", "p_rejected", "p_creator_pending", "p_legacy_owner", "p_legacy_none", "p_other"]

# persona: (tenant campaigns, products, paid amount in reports or None when reports are refused, sees official)
MATRIX = {
    # main account: everything of its tenant, legacy included (R-24, R-28)
    "owner": (
        {"c_dept", "c_named", "c_whole", "c_creator", "c_legacy"},
        {"p_approved", "p_pending", "p_rejected", "p_creator_pending", "p_legacy_owner", "p_legacy_none"},
        "1150.00",
        True,
    ),
    # admin above 服饰组 (dept scope) and above the named staff; sees approved products of 一组's contact person
    "admin_l1": ({"c_dept", "c_named", "c_whole"}, {"p_approved"}, "150.00", True),
    # admin of 服饰组 itself; above bare_in (named) but not above sibling_viewer
    "admin_l2": ({"c_dept", "c_named", "c_whole"}, {"p_approved"}, "150.00", True),
    # in the department scope with view_campaigns; not a contact person of anything
    "viewer_in": ({"c_dept", "c_whole"}, set(), "0", True),
    # in scope with publish_campaigns only: publishing counts as a campaign right
    "publisher_in": ({"c_dept", "c_whole"}, set(), None, True),
    # reviewer in scope and contact person of the approved product; reviews pending/rejected
    "reviewer_in": ({"c_dept", "c_whole"}, {"p_approved", "p_pending", "p_rejected"}, "150.00", True),
    # in every scope (department, named, whole) but holds no campaign right: sees nothing
    "bare_in": (set(), set(), None, False),
    # named in c_named's scope, outside the department scope
    "sibling_viewer": ({"c_named", "c_whole"}, set(), "0", True),
    # creator of c_creator, which is scoped to another department
    "sibling_publisher": ({"c_creator", "c_whole"}, set(), None, True),
    # inside c_creator's scope as a reviewer: sees its pending product, not the others'
    "outsider": ({"c_creator", "c_whole"}, {"p_creator_pending"}, "0", True),
    # another tenant's staff with every right: only their own tenant's campaign, and the official one
    "other_staff": ({"c_other"}, set(), "0", True),
}


def persona(world, name):
    return world.owner if name == "owner" else getattr(world, name)


@pytest.mark.parametrize("name", MATRIX)
def test_selectors(world, name):
    user = persona(world, name)
    campaigns, products, _amount, official = MATRIX[name]

    assert set(campaigns_visible_to(user).values_list("pk", flat=True)) == {getattr(world, c).pk for c in campaigns}
    assert set(products_visible_to(user).values_list("pk", flat=True)) == {getattr(world, p).pk for p in products}
    assert official_campaigns_for(user).filter(pk=world.c_official.pk).exists() is official


@pytest.mark.parametrize("name", MATRIX)
def test_campaign_list_count_search_and_detail(client, world, name):
    user = persona(world, name)
    campaigns, _products, _amount, official = MATRIX[name]
    client.force_login(user)

    response = client.get(reverse("campaigns:list"))
    if not official:
        assert response.status_code == 403
        assert client.get(reverse("campaigns:detail", args=[world.c_whole.pk])).status_code == 403
        return
    page = response.content.decode()
    for key in ALL_CAMPAIGNS:
        title = getattr(world, key).title
        assert (f'data-campaign="{title}"' in page) is (key in campaigns), key
    assert response.context["page_obj"].paginator.count == len(campaigns)

    for key in ALL_CAMPAIGNS:
        campaign = getattr(world, key)
        search = client.get(reverse("campaigns:list"), {"q": campaign.title})
        assert search.context["page_obj"].paginator.count == (1 if key in campaigns else 0), key
        detail = client.get(reverse("campaigns:detail", args=[campaign.pk]))
        assert detail.status_code == (200 if key in campaigns else 404), key

    official_page = client.get(reverse("campaigns:official")).content.decode()
    assert 'data-campaign="C-official"' in official_page
    assert client.get(reverse("campaigns:detail", args=[world.c_official.pk])).status_code == 200


@pytest.mark.parametrize("name", MATRIX)
def test_product_list_count_search_and_detail(client, world, name):
    user = persona(world, name)
    _campaigns, products, _amount, _official = MATRIX[name]
    client.force_login(user)

    response = client.get(reverse("campaigns:products"))
    page = response.content.decode()
    for key in ALL_PRODUCTS:
        product = getattr(world, key)
        assert (f'data-product="{product.product_id}"' in page) is (key in products), key
    assert response.context["page_obj"].paginator.count == len(products)

    for key in ALL_PRODUCTS:
        product = getattr(world, key)
        search = client.get(reverse("campaigns:products"), {"q": product.product_id})
        assert search.context["page_obj"].paginator.count == (1 if key in products else 0), key
        detail = client.get(reverse("campaigns:product_detail", args=[product.pk]))
        assert detail.status_code == (200 if key in products else 404), key


@pytest.mark.parametrize("name", MATRIX)
def test_product_list_status_filter(client, world, name):
    """Each status has its own rule and the filter goes into the visibility query: a status
    filter must neither reveal nor drop anything the unfiltered list decides."""
    user = persona(world, name)
    _campaigns, products, _amount, _official = MATRIX[name]
    client.force_login(user)

    for status in ("approved", "pending", "rejected"):
        response = client.get(reverse("campaigns:products"), {"status": status})
        page = response.content.decode()
        expected = {key for key in products if getattr(world, key).status == status}
        for key in ALL_PRODUCTS:
            product = getattr(world, key)
            assert (f'data-product="{product.product_id}"' in page) is (key in expected), (status, key)
        assert response.context["page_obj"].paginator.count == len(expected), status


@pytest.mark.parametrize("name", MATRIX)
def test_campaign_detail_lists_only_visible_products(client, world, name):
    user = persona(world, name)
    campaigns, products, _amount, _official = MATRIX[name]
    if "c_dept" not in campaigns:
        return
    client.force_login(user)

    page = client.get(reverse("campaigns:detail", args=[world.c_dept.pk])).content.decode()

    for key in ("p_approved", "p_pending", "p_rejected"):
        assert (f'data-product="{getattr(world, key).product_id}"' in page) is (key in products), key


@pytest.mark.parametrize("period_totals", [False, True], ids=["daily-rollups", "period-totals"])
@pytest.mark.parametrize("name", MATRIX)
def test_report_totals_and_exports(client, world, name, period_totals):
    """Both sources of the report by campaign: the daily rollups (before the period totals are
    rebuilt for the day) and the period totals of ``campaigns.windows``."""
    user = persona(world, name)
    _campaigns, products, amount, _official = MATRIX[name]
    if period_totals:
        windows.rebuild(world.tenant.pk)
        windows.rebuild(world.other_owner.tenant_id)
    client.force_login(user)

    response = client.get(reverse("campaigns:report"), {"by": "campaign", "days": 30})
    if amount is None:
        assert response.status_code == 403
        assert client.get(reverse("campaigns:report_export", args=["csv"])).status_code == 403
        return
    from decimal import Decimal

    assert build_report(user, group_by="campaign", days=30)["totals"]["paid_amount"] == Decimal(amount)
    assert response.context["report"]["totals"]["paid_amount"] == Decimal(amount)
    export = client.get(reverse("campaigns:report_export", args=["csv"]), {"by": "campaign", "days": 30})
    text = export.content.decode("utf-8-sig")
    last = text.strip().splitlines()[-1]
    assert Decimal(last.split(",")[3]) == Decimal(amount)
    for key in ("c_dept", "c_legacy", "c_other"):
        shows_rows = {"c_dept": "p_approved", "c_legacy": "p_legacy_owner", "c_other": "p_other"}[key] in products
        assert (getattr(world, key).title in text) is shows_rows, key


def test_the_other_tenants_owner_sees_none_of_it(client, world):
    client.force_login(world.other_owner)

    assert client.get(reverse("campaigns:detail", args=[world.c_whole.pk])).status_code == 404
    assert client.get(reverse("campaigns:product_detail", args=[world.p_approved.pk])).status_code == 404
    assert client.get(reverse("campaigns:edit", args=[world.c_whole.pk])).status_code == 404
    text = client.get(reverse("campaigns:report_export", args=["csv"]), {"by": "campaign"}).content.decode("utf-8-sig")
    assert "C-dept" not in text and "C-other-tenant" in text


@pytest.mark.parametrize("name", MATRIX)
def test_single_object_checks_agree_with_the_sets(world, name):
    """Detail pages probe one object's grants (can_view_campaign / can_view_product); they must
    decide exactly as the list queries do, for every campaign and product of both tenants."""
    from campaigns.models import Campaign, EnrolledProduct
    from campaigns.visibility import can_view_campaign, can_view_product

    user = persona(world, name)
    campaigns = set(campaigns_visible_to(user).values_list("pk", flat=True))
    products = set(products_visible_to(user).values_list("pk", flat=True))

    for campaign in Campaign.objects.filter(is_official=False):
        assert can_view_campaign(user, campaign) is (campaign.pk in campaigns), campaign
    for product in EnrolledProduct.objects.select_related("campaign"):
        assert can_view_product(user, product) is (product.pk in products), product


def test_a_contact_person_sees_only_the_title_of_a_campaign_outside_their_scope(client, world):
    """What a viewer may see of a campaign they cannot open (campaigns.visibility.campaign_titles_for):
    their product's campaign moved out of their scope; the product and its figures stay theirs (R-28),
    the campaign shows as a title with no link, and the campaign itself does not exist for them."""
    from campaigns import services

    services.campaign_update(actor=world.owner, campaign=world.c_dept, scope_departments=[world.departments.meizhuang])
    client.force_login(world.reviewer_in)

    assert not campaigns_visible_to(world.reviewer_in).filter(pk=world.c_dept.pk).exists()
    assert client.get(reverse("campaigns:detail", args=[world.c_dept.pk])).status_code == 404

    page = client.get(reverse("campaigns:product_detail", args=[world.p_approved.pk])).content.decode()
    assert world.c_dept.title in page
    assert reverse("campaigns:detail", args=[world.c_dept.pk]) not in page

    report = client.get(reverse("campaigns:report"), {"by": "campaign", "days": 30})
    labels = [row["label"] for row in report.context["report"]["rows"]]
    assert labels == [world.c_dept.title]
    assert reverse("campaigns:detail", args=[world.c_dept.pk]) not in report.content.decode()


def test_campaign_titles_are_read_from_the_viewers_tenant_only(world):
    from campaigns.visibility import campaign_titles_for

    titles = campaign_titles_for(world.reviewer_in, [world.c_dept.pk, world.c_other.pk])

    assert titles == {world.c_dept.pk: world.c_dept.title}


def test_a_product_id_typed_in_full_width_digits_finds_the_product(client, world):
    client.force_login(world.owner)
    typed = world.p_approved.product_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    response = client.get(reverse("campaigns:products"), {"q": typed})

    assert [p.pk for p in response.context["page_obj"].object_list] == [world.p_approved.pk]
