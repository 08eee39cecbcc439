"""The permission preview answers "why can this person see this campaign / product?" (R-8)."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, EnrolledProduct
from campaigns.visibility import campaigns_visible_to, explain, products_visible_to

from .test_visibility_matrix import MATRIX, persona


@pytest.mark.parametrize("name", [n for n in MATRIX if n != "other_staff"])
def test_an_explanation_exists_exactly_for_what_the_person_sees(world, name):
    user = persona(world, name)
    seen_campaigns = set(campaigns_visible_to(user).values_list("pk", flat=True))
    seen_products = set(products_visible_to(user).values_list("pk", flat=True))

    for obj in [*Campaign.objects.filter(tenant=world.tenant), *EnrolledProduct.objects.filter(tenant=world.tenant)]:
        visible, reasons = explain(user, obj)
        seen = obj.pk in (seen_campaigns if isinstance(obj, Campaign) else seen_products)
        assert visible is seen, obj
        assert bool(reasons) is seen, (obj, reasons)  # every visible thing has a named rule


def ask(client, staff, kind, ref):
    return client.get(reverse("staff:permissions", args=[staff.pk]), {"kind": kind, "ref": ref})


def test_the_page_names_the_rule(client, world):
    client.force_login(world.owner)

    page = ask(client, world.admin_l1, "campaign", world.c_dept.title).content.decode()
    assert 'data-visible="yes"' in page
    assert "Department admin above" in page and world.c_dept.title in page

    page = ask(client, world.reviewer_in, "product", world.p_approved.product_id).content.decode()
    assert "Is the product&#x27;s contact person." in page or "Is the product's contact person." in page


def test_the_page_says_when_no_rule_grants_it(client, world):
    client.force_login(world.owner)

    page = ask(client, world.viewer_in, "product", world.p_approved.product_id).content.decode()

    assert 'data-visible="no"' in page
    assert "cannot see it: no rule grants it." in page


def test_another_tenants_objects_and_unknown_ids_are_not_found(client, world):
    client.force_login(world.owner)

    for ref in (str(world.c_other.pk), world.c_other.title, "no such campaign"):
        response = ask(client, world.admin_l1, "campaign", ref)
        assert response.status_code == 200
        assert response.context["answers"] == []
        assert response.context["question"].errors["ref"] == ["No campaign of your organisation has this number or title."]
    response = ask(client, world.admin_l1, "product", world.p_other.product_id)
    assert response.context["answers"] == []
    assert "No enrolled product of your organisation" in response.content.decode()


def test_only_the_main_account_may_ask(client, world):
    client.force_login(world.admin_l1)

    response = ask(client, world.reviewer_in, "campaign", world.c_dept.title)

    assert response.status_code in (403, 404)


@pytest.mark.parametrize("ref", ["²³", "٣", "１２", "9" * 40])
def test_any_digits_are_a_clear_answer_never_a_500(client, world, ref):
    """``"²³".isdigit()`` is true but ``int("²³")`` fails: once a 500 (issue 15)."""
    client.force_login(world.owner)

    for kind in ("campaign", "product"):
        response = ask(client, world.admin_l1, kind, ref)
        assert response.status_code == 200


def test_a_full_width_campaign_number_finds_the_campaign(client, world):
    client.force_login(world.owner)
    full_width = str(world.c_dept.pk).translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    page = ask(client, world.admin_l1, "campaign", full_width).content.decode()

    assert 'data-visible="yes"' in page and world.c_dept.title in page
