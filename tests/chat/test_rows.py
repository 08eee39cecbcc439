"""``chat.rows`` writes the same HTML as the template loops it replaced (issue 27)."""

import datetime
from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from chat.rows import conversation_items, workbench_items

# The loop ``chat/includes/live_panel.html`` had for each of its three lists.
OLD_LOOP = (
    '{% for url, nickname, group, detail in rows %}<li><a href="{{ url }}"><span><strong>{{ nickname }}'
    '</strong><span class="meta">{{ group }} · {{ detail }}</span></span></a></li>{% endfor %}'
)


def test_conversation_items_match_the_template_loop_byte_for_byte():
    rows = [
        ("/chat/conversations/1/", "Alice", "Pre-sales", "12-07 10:00"),
        ("/chat/conversations/2/?a=1&b=2", '<script>alert("x")</script>', "A & B's", "O'Brien"),
        ("/chat/conversations/3/", "买家 \u00a0“引号”", mark_safe("<b>safe</b>"), None),
        ("/chat/conversations/4/", 42, "", "&amp;"),
    ]
    expected = engines["django"].from_string(OLD_LOOP).render({"rows": rows})

    assert conversation_items(rows) == expected
    assert conversation_items([]) == ""


# ``chat/includes/conversation_list.html`` before its loop became ``workbench_items``.
OLD_LIST = '{% load i18n %}{% if conversations %}\n<ul class="chat-list" data-testid="conversation-list">\n{% for c in conversations %}\n  <li data-conversation="{{ c.pk }}"><a href="{{ c.url }}"{% if current and current.pk == c.pk %} class="current" aria-current="true"{% endif %}>\n    <span><strong>{{ c.buyer_nickname }}</strong><span class="meta">{{ c.group.name }}{% if c.is_overflow %} · {% translate "overflow" %}{% endif %} · {{ c.last_message_at|time:"H:i" }}</span></span>\n    {% if c.unread %}<span class="badge" data-testid="unread" title="{% translate \'Unread messages\' %}">{{ c.unread }}</span>{% endif %}\n  </a></li>\n{% endfor %}\n</ul>\n{% else %}\n<p class="empty" data-testid="no-conversations">{% translate "No open conversations." %}</p>\n{% endif %}\n'


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_workbench_items_match_the_old_list_byte_for_byte(language, zone):
    at = datetime.datetime(2026, 12, 7, 23, 5, tzinfo=datetime.UTC)
    rows = [
        (7, "/chat/conversations/7/", "Alice", "Pre-sales", False, at, 0),
        (8, "/chat/conversations/8/", '<b>"Bob"</b> & co', "A & B's", True, at - datetime.timedelta(hours=9), 3),
        (9, "/chat/conversations/9/", "买家", "售前", True, at, 1200),
    ]
    objects = [
        SimpleNamespace(pk=pk, url=url, buyer_nickname=nick, group=SimpleNamespace(name=group), is_overflow=over,
                        last_message_at=when, unread=unread)
        for pk, url, nick, group, over, when, unread in rows
    ]  # fmt: skip
    with translation.override(language), timezone.override(zone):
        for current in (None, SimpleNamespace(pk=8)):
            expected = engines["django"].from_string(OLD_LIST).render({"conversations": objects, "current": current})
            items = workbench_items(rows, current_pk=current.pk if current else None)
            new = engines["django"].from_string(NEW_LIST).render({"conversations": rows, "conversation_items": items})
            assert new == expected


NEW_LIST = open(__file__.rsplit("/tests/", 1)[0] + "/templates/chat/includes/conversation_list.html").read()
