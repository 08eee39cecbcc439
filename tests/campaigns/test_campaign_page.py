"""The campaign page says who can see the campaign and its ID (issue 26); the list names the
campaign contact person (活动联系人), not the product's contact person (对接人)."""

import html
import re

from django.urls import reverse


def audience(client, campaign):
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    match = re.search(r'<dd data-testid="campaign-audience">(.*?)</dd>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def test_the_campaign_page_says_who_can_see_it_in_words(client, world):
    client.force_login(world.owner)

    assert "Staff with a campaign right in 服饰组, sub-departments included" in audience(client, world.c_dept)
    named = audience(client, world.c_named)
    assert "These staff, if they hold a campaign right:" in named
    assert "Bare In" in named or "bare_in" in named
    assert "Everyone in the organisation who holds a campaign right" in audience(client, world.c_whole)
    assert audience(client, world.c_legacy).startswith("Only the main account")
    assert "department admins above anyone in scope" in audience(client, world.c_whole)


def test_the_campaign_list_names_the_campaign_contact_person(client, world):
    client.force_login(world.owner)
    page = client.get(reverse("campaigns:list")).content.decode()
    assert "<th>Campaign contact person</th>" in page and "<th>Contact person</th>" not in page
