"""``chat.rows`` writes the same HTML as the template loops it replaced (issue 27)."""

import datetime
from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from chat.models import Message
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


# ``chat/includes/thread.html`` before its loop became ``rows.thread_items``.
OLD_THREAD = '{% load i18n chat_tags %}<ol class="thread" data-testid="thread" aria-live="polite">\n{% for message in thread %}<li class="{{ message.kind }}" data-id="{{ message.pk }}">{% if message.kind != "system" %}<span class="who">{{ message.author_label }} · {{ message.created_at|time:"H:i" }}</span>{% endif %}{{ message|message_text }}</li>\n{% endfor %}</ol>\n'
NEW_THREAD = open(__file__.rsplit("/tests/", 1)[0] + "/templates/chat/includes/thread.html").read()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_thread_items_match_the_old_thread_byte_for_byte(language, zone):
    at = datetime.datetime(2026, 12, 7, 23, 5, tzinfo=datetime.UTC)
    thread = [
        Message(pk=1, kind="buyer", author_label="Alice <3", body='is it "in stock"? & when', created_at=at),
        Message(pk=2, kind="system", author_label="Agent A", body="started", created_at=at),
        Message(pk=3, kind="staff", author_label="O'Brien", body="<script>x</script>", created_at=at),
        Message(pk=4, kind="system", author_label="", body="requeued:offline", created_at=at),
        Message(pk=5, kind="system", author_label="", body="no such key & <b>", created_at=at),
        Message(pk=6, kind="system", author_label="Agent B", body="transferred", created_at=at),
    ]
    with translation.override(language), timezone.override(zone):
        expected = engines["django"].from_string(OLD_THREAD).render({"thread": thread})
        assert engines["django"].from_string(NEW_THREAD).render({"thread": thread}) == expected
        assert engines["django"].from_string(NEW_THREAD).render({}) == engines["django"].from_string(OLD_THREAD).render({})


# ``chat/distribution.html``'s loop over a group's members before it became ``rows.member_rows``.
OLD_MEMBER_LOOP = "{% load i18n %}" + '{% for member in group.member_list %}\n      <tr data-member="{{ member.user.account_name }}">\n        <td>{{ member.user.label }} <span class="muted">{{ member.user.username }}</span>{% if member.user.is_muted %} · <span class="status status-failed">{% translate "muted" %}</span>{% endif %}{% if member.user.is_temporary %} · <span class="status">{% translate "temporary" %}</span>{% endif %}</td>\n        <td>{% if member.is_enabled %}{% translate "Enabled" %}{% else %}{% translate "Disabled" %}{% endif %}</td>\n        <td>\n          <form method="post" action="{{ member.edit_url }}" class="inline">\n            {% csrf_token %}\n            <input type="number" name="reception_cap" min="1" max="200" value="{{ member.reception_cap|default_if_none:\'\' }}" placeholder="{{ group.reception_cap }}" aria-label="{% blocktranslate with name=member.user.label %}Own reception cap of {{ name }}{% endblocktranslate %}">\n            <input type="number" name="weight" min="1" max="10" value="{{ member.weight }}" required aria-label="{% blocktranslate with name=member.user.label %}Weight of {{ name }}{% endblocktranslate %}">\n            <button class="button small secondary">{% translate "Save" %}</button>\n          </form>\n        </td>\n        <td class="actions">\n          <form method="post" action="{{ member.toggle_url }}" class="inline">\n            {% csrf_token %}\n            {% if member.is_enabled %}\n              <input type="hidden" name="enabled" value="0"><button class="button small secondary">{% translate "Disable" %}</button>\n            {% else %}\n              <input type="hidden" name="enabled" value="1"><button class="button small">{% translate "Enable" %}</button>\n            {% endif %}\n          </form>\n          <form method="post" action="{{ member.remove_url }}" class="inline">\n            {% csrf_token %}\n            <button class="button small secondary">{% translate "Remove" %}</button>\n          </form>\n        </td>\n      </tr>\n    {% endfor %}'
NEW_MEMBER_LOOP = "{% load chat_tags %}{% member_rows group %}"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.filterwarnings("ignore:Calling format_html")  # Django's own {% csrf_token %} for NOTPROVIDED
@pytest.mark.parametrize("token", ["abc<&>def", "", "NOTPROVIDED"])
def test_member_rows_match_the_old_loop_byte_for_byte(language, token):
    def member(pk, name, *, muted=False, temporary=False, enabled=True, cap=None, weight=1):
        user = SimpleNamespace(label=f"{name} <&> \"q\"", account_name=f"acc'{pk}", username=f"u{pk}@shop",
                               is_muted=muted, is_temporary=temporary)
        return SimpleNamespace(user=user, is_enabled=enabled, reception_cap=cap, weight=weight,
                               edit_url=f"/m/{pk}/edit/", toggle_url=f"/m/{pk}/toggle/?a=1&b=2", remove_url=f"/m/{pk}/remove/")

    group = SimpleNamespace(reception_cap=10, member_list=[
        member(1, "Ann"), member(2, "王", muted=True, enabled=False, cap=3, weight=5),
        member(3, "Tem", temporary=True, cap=0), member(4, "Both", muted=True, temporary=True, weight=10),
    ])  # fmt: skip
    context = {"group": group, "csrf_token": token}
    with translation.override(language):
        expected = engines["django"].from_string(OLD_MEMBER_LOOP).render(context)
        assert engines["django"].from_string(NEW_MEMBER_LOOP).render(context) == expected
        empty = SimpleNamespace(reception_cap=1, member_list=[])
        assert engines["django"].from_string(NEW_MEMBER_LOOP).render({"group": empty}) == ""


# ``chat/includes/live_panel.html``'s loop over the members before it became ``rows.live_member_rows``.
OLD_LIVE_LOOP = "{% load i18n %}" + '{% for row in rows %}\n      <tr data-member="{{ row.person.account_name }}">\n        <td>{{ row.person.label }}</td>\n        <td>{% for m in row.groups %}{{ m.group.name }}{% if not m.is_enabled %} ({% translate "disabled" %}){% endif %}{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n        <td data-role="presence">{% if row.online %}{% translate "Online" %}{% elif row.busy %}{% translate "Busy" %}{% else %}{% translate "Offline or away" %}{% endif %}</td>\n        <td class="num" data-role="load">{{ row.open_count }}</td>\n        <td class="num" data-role="caps">{% for m in row.groups %}{% if m.is_enabled %}<span data-group="{{ m.group.name }}">{% blocktranslate with group=m.group.name cap=m.cap %}{{ group }}: {{ cap }}{% endblocktranslate %}{% if m.is_full %} ({% translate "full" %}){% endif %}</span>{% if not forloop.last %}<br>{% endif %}{% endif %}{% endfor %}</td>\n        <td>{% if row.eligible %}{% translate "yes" %}{% if row.full_in %} ({% blocktranslate with groups=row.full_in|join:", " %}not in {{ groups }}: at its reception cap{% endblocktranslate %}){% endif %}{% else %}{% translate "no" %}: {{ row.reasons|join:", " }}{% endif %}</td>\n      </tr>\n    {% endfor %}'


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_live_member_rows_match_the_old_loop_byte_for_byte(language):
    def m(name, *, enabled=True, cap=10, full=False):
        return SimpleNamespace(group=SimpleNamespace(name=name), is_enabled=enabled, cap=cap, is_full=full)

    def person(name):
        return SimpleNamespace(account_name=f"acc<{name}>", label=f'{name} & "co"')

    rows = [
        {"person": person("a"), "groups": [m("Pre <sales>", full=True), m("After & sales", enabled=False)], "online": True,
         "busy": False, "open_count": 3, "eligible": True, "full_in": ["Pre <sales>"], "reasons": []},
        {"person": person("b"), "groups": [m("X", enabled=False), m("Y")], "online": False, "busy": True,
         "open_count": 0, "eligible": False, "full_in": [], "reasons": ["busy", "at its <cap>"]},
        {"person": person("c"), "groups": [m("Only", enabled=False)], "online": False, "busy": False,
         "open_count": 12, "eligible": False, "full_in": [], "reasons": ["disabled"]},
        {"person": person("d"), "groups": [m("P", cap=1, full=True), m("Q", cap=2, full=True), m("R", enabled=False)],
         "online": True, "busy": False, "open_count": 2, "eligible": True, "full_in": ["P", "Q"], "reasons": []},
    ]  # fmt: skip
    with translation.override(language):
        expected = engines["django"].from_string(OLD_LIVE_LOOP).render({"rows": rows})
        new = engines["django"].from_string("{% load chat_tags %}{% live_member_rows rows %}").render({"rows": rows})
        assert new == expected
