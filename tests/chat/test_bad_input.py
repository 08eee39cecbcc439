"""What new users tried on customer chat (issue 13): bad input answers with a clear message next to
the field, changes nothing, and never widens what is shown."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chat import services
from chat.models import ChatMember, Conversation

from tests.personas import online, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(desk):
    online(desk.agent_a)
    alice = start(desk.presale, nickname="Alice", body="apples please")
    bob = start(desk.presale, nickname="Bob", body="bananas please")
    services.conversation_close(actor=desk.agent_a, conversation=bob)
    desk.alice, desk.bob = alice, bob
    return desk


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "Alice" + "x" * 200}, "at most 100 characters"),
        ({"status": "banana"}, "Select a valid choice"),
        ({"group": "999999"}, "Select a valid choice"),
        ({"group": "abc"}, "Select a valid choice"),
    ],
)
def test_a_history_filter_that_cannot_apply_says_so(client, two, params, message):
    client.force_login(two.owner)

    page = client.get(reverse("chat:history"), params).content.decode()

    assert message in page
    assert 'class="errorlist' in page


def test_a_nul_character_in_the_history_filter_gets_the_error_page_saying_why(client, two):
    """NUL characters are refused for every page before any view (``utilities.hostile``): the
    400 page in the layout says what is wrong, and no conversation is listed."""
    client.force_login(two.owner)

    response = client.get(reverse("chat:history"), {"q": "Al\x00ice"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "contains a NUL character" in page
    assert 'data-testid="error-page"' in page
    assert "apples please" not in page


def test_the_history_keeps_the_filters_that_are_valid(client, two):
    client.force_login(two.owner)

    page = client.get(reverse("chat:history"), {"q": "Alice", "status": "banana"}).content.decode()
    assert ">Alice</a>" in page and ">Bob</a>" not in page

    export = client.get(reverse("chat:history_export"), {"q": "Alice", "group": "999999"}).content.decode()
    assert "Alice" in export and "Bob" not in export


@pytest.mark.parametrize("body", ["a\u202eevil", "\u2066x\u2069"])
def test_text_direction_overrides_are_refused_next_to_the_field(two, body):
    with pytest.raises(ValidationError) as caught:
        start(two.presale, nickname=body, body="hi")
    assert caught.value.message_dict["nickname"] == [
        "The nickname contains characters that cannot be shown. Remove control characters and text-direction marks."
    ]
    with pytest.raises(ValidationError) as caught:
        services.buyer_message_send(conversation=two.alice, body=body)
    assert caught.value.message_dict["body"] == [
        "The message contains characters that cannot be shown. Remove control characters and text-direction marks."
    ]


@pytest.mark.parametrize("body", ["\u200b\u200b\u200b", "\ufeff", " \u200d "])
def test_a_message_of_only_invisible_characters_is_empty(two, body):
    with pytest.raises(ValidationError) as caught:
        services.buyer_message_send(conversation=two.alice, body=body)
    assert caught.value.message_dict["body"] == ["Write a message."]


def test_a_nickname_is_a_name_tidied_like_every_other(two):
    conversation = start(two.presale, nickname="  小\u200b美\u3000 ", body="hi")
    assert conversation.buyer_nickname == "小美"
    with pytest.raises(ValidationError) as caught:
        start(two.presale, nickname="\u200b\u200b", body="hi")
    assert caught.value.message_dict["nickname"] == ["The nickname has no visible character: write it with letters, digits or symbols."]


def test_emoji_sequences_are_kept(two):
    family = "👨\u200d👩\u200d👧 ❤️ 你好"
    message = services.buyer_message_send(conversation=two.alice, body=family)
    assert message.body == family


def test_the_buyer_page_shows_a_control_character_refusal_in_words(client, two):
    response = client.post(reverse("chat:shop", args=["acme"]), {"group": two.presale.pk, "nickname": "a\x07b", "body": "hi"})

    assert response.status_code == 400
    assert "The nickname contains characters that cannot be shown." in response.content.decode()


def test_transferring_a_closed_conversation_says_it_is_closed(client, two):
    client.force_login(two.agent_a)

    response = client.post(reverse("chat:transfer", args=[two.bob.pk]), {"target": f"group:{two.aftersale.pk}"}, follow=True)

    assert response.status_code == 200
    assert "This conversation is closed." in response.content.decode()
    assert Conversation.objects.get(pk=two.bob.pk).group == two.presale


def test_transferring_to_a_group_of_another_shop_names_the_group(client, two, globex_desk):
    client.force_login(two.agent_a)

    response = client.post(
        reverse("chat:transfer", args=[two.alice.pk]), {"target": f"group:{globex_desk.group.pk}"}, follow=True
    )

    assert "Choose one of your groups" in response.content.decode()
    assert "That person" not in response.content.decode()
    assert Conversation.objects.get(pk=two.alice.pk).group == two.presale


@pytest.mark.parametrize("value", ["maybe", "", "true"])
def test_a_member_toggle_with_an_odd_value_changes_nothing(client, two, value):
    member = ChatMember.objects.get(group=two.presale, user=two.agent_a)
    client.force_login(two.owner)

    response = client.post(reverse("chat:member_toggle", args=[member.pk]), {"enabled": value}, follow=True)

    assert "Choose enable or disable." in response.content.decode()
    member.refresh_from_db()
    assert member.is_enabled


def test_a_message_of_several_lines_as_a_browser_sends_it_is_kept(client, two):
    """Browsers submit a textarea's line breaks as CRLF: they are line breaks, not control characters."""
    url = reverse("chat:shop", args=["acme"])

    response = client.post(url, {"group": two.presale.pk, "nickname": "Mei", "body": "Size M?\r\nAnd colour red?"})

    assert response.status_code == 302
    assert Conversation.objects.get(buyer_nickname="Mei").messages.first().body == "Size M?\nAnd colour red?"
    reply = services.staff_message_send(actor=two.agent_a, conversation=two.alice, body="Yes.\r\nBoth.\rOK")
    assert reply.body == "Yes.\nBoth.\nOK"


def test_a_nul_in_a_chat_form_says_so_in_chinese(client, desk):
    # Django's own zh-hans text for this is "不允许是用空字符串" (empty strings): ours names the NUL.
    response = client.post(
        reverse("chat:shop", args=["acme"]),
        {"group": desk.presale.pk, "nickname": "bu\x00yer", "body": "hi"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    page = response.content.decode()
    assert "不能包含 NUL（空）字符" in page and "空字符串" not in page
    assert not Conversation.objects.exists()
