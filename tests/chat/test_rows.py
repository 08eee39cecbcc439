"""``chat.rows`` writes the same HTML as the template loops it replaced (issue 27)."""

from django.template import engines
from django.utils.safestring import mark_safe

from chat.rows import conversation_items

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
