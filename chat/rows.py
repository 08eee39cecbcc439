"""List rows rendered in Python, once per page (issue 27).

The live view lists up to 400 conversations; the template engine spent about 20 µs a row
resolving and escaping its four values, most of the page's rendering. Here each row is one
``str.format`` of values escaped as autoescaping would (``utilities.html.conditional_escape``:
without Django's lazy wrapper, a third of the cost), so the HTML is the same byte for byte as the
template loop it replaces (``tests/chat/test_rows.py`` renders both).
"""

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from utilities.html import conditional_escape as _escape

from .models import message_text

# What ``chat/includes/live_panel.html`` wrote per conversation: link, nickname, group, detail.
_CONVERSATION_ITEM = (
    '<li><a href="{}"><span><strong>{}</strong><span class="meta">{} · {}</span></span></a></li>'
)


def conversation_items(rows):
    """Safe HTML: one ``<li>`` per ``(url, nickname, group, detail)`` of ``rows``, each value
    escaped (any value; rendered as ``str``), for a ``chat-list`` of the live view."""
    return mark_safe(
        "".join(_CONVERSATION_ITEM.format(*[_escape(value) for value in row]) for row in rows)
    )


# What ``chat/includes/conversation_list.html`` wrote per conversation of the workbench, line
# breaks and indentation included: pk, url, current mark, nickname, meta, unread badge.
_WORKBENCH_ITEM = (
    '\n  <li data-conversation="{}"><a href="{}"{}>\n'
    '    <span><strong>{}</strong><span class="meta">{}</span></span>\n'
    "    {}\n"
    "  </a></li>\n"
)


def workbench_items(rows, *, current_pk=None):
    """Safe HTML: one ``<li>`` per ``(pk, url, nickname, group_name, is_overflow, last_message_at,
    unread)`` of ``rows`` for the workbench's list of open conversations, ``current_pk`` marked
    as the one open; the time as ``|time:"H:i"`` gives it in the current time zone."""
    overflow = " · " + _escape(_("overflow"))
    badge = '<span class="badge" data-testid="unread" title="' + _escape(_("Unread messages")) + '">{}</span>'
    current = ' class="current" aria-current="true"'
    return mark_safe(
        "".join(
            _WORKBENCH_ITEM.format(
                pk,
                _escape(url),
                current if current_pk is not None and pk == current_pk else "",
                _escape(nickname),
                _escape(group) + (overflow if is_overflow else "") + " · " + timezone.localtime(at).strftime("%H:%M"),
                badge.format(unread) if unread else "",
            )
            for pk, url, nickname, group, is_overflow, at, unread in rows
        )
    )


def thread_items(messages):
    """Safe HTML: one ``<li>`` per message of ``messages`` (``Message`` rows) for a thread, as
    ``chat/includes/thread.html`` wrote them: who and when (``H:i``, current time zone) but for
    system lines, then what it says in the reader's language (``models.message_text``)."""
    parts = []
    for message in messages:
        parts.append(f'<li class="{_escape(message.kind)}" data-id="{message.pk}">')
        if message.kind != "system":
            when = timezone.localtime(message.created_at).strftime("%H:%M")
            parts.append(f'<span class="who">{_escape(message.author_label)} · {when}</span>')
        parts.append(f"{_escape(message_text(message))}</li>\n")
    return mark_safe("".join(parts))


def _csrf_input(token):
    """What ``{% csrf_token %}`` writes for the context's ``csrf_token``."""
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_escape(token)}">'


# The indentation of ``{% if %}`` / ``{% else %}`` lines, which the template kept on lines of their own.
_IF_INDENT = " " * 12


def member_rows(group, *, csrf_token):
    """Safe HTML: the distribution page's table rows of ``group.member_list`` (``ChatMember``
    with ``user`` and the paths ``edit_url``, ``toggle_url``, ``remove_url``), each with its three
    forms, as ``chat/distribution.html``'s loop wrote them; ``csrf_token``: the template
    context's (one token for the page, as ``{% csrf_token %}`` gives)."""
    csrf = _csrf_input(csrf_token)
    muted = f' · <span class="status status-failed">{_escape(_("muted"))}</span>'
    temporary = f' · <span class="status">{_escape(_("temporary"))}</span>'
    enabled, disabled, save = _escape(_("Enabled")), _escape(_("Disabled")), _escape(_("Save"))
    disable = (
        '<input type="hidden" name="enabled" value="0"><button class="button small secondary">'
        f"{_escape(_('Disable'))}</button>"
    )
    enable = f'<input type="hidden" name="enabled" value="1"><button class="button small">{_escape(_("Enable"))}</button>'
    remove = _escape(_("Remove"))
    own_cap, weight_of = _("Own reception cap of %(name)s"), _("Weight of %(name)s")
    parts = []
    for member in group.member_list:
        user = member.user
        label = _escape(user.label)
        cap = "" if member.reception_cap is None else member.reception_cap
        parts.append(
            f"""
      <tr data-member="{_escape(user.account_name)}">
        <td>{label} <span class="muted">{_escape(user.username)}</span>{muted if user.is_muted else ""}{temporary if user.is_temporary else ""}</td>
        <td>{enabled if member.is_enabled else disabled}</td>
        <td>
          <form method="post" action="{_escape(member.edit_url)}" class="inline">
            {csrf}
            <input type="number" name="reception_cap" min="1" max="200" value="{_escape(cap)}" placeholder="{_escape(group.reception_cap)}" aria-label="{own_cap % {"name": label}}">
            <input type="number" name="weight" min="1" max="10" value="{_escape(member.weight)}" required aria-label="{weight_of % {"name": label}}">
            <button class="button small secondary">{save}</button>
          </form>
        </td>
        <td class="actions">
          <form method="post" action="{_escape(member.toggle_url)}" class="inline">
            {csrf}
{_IF_INDENT}
              {disable if member.is_enabled else enable}
{_IF_INDENT}
          </form>
          <form method="post" action="{_escape(member.remove_url)}" class="inline">
            {csrf}
            <button class="button small secondary">{remove}</button>
          </form>
        </td>
      </tr>
    """
        )
    return mark_safe("".join(parts))


def _joined(values):
    """``values|join:", "`` under autoescaping: each value escaped, then joined."""
    return ", ".join(_escape(value) for value in values)


def live_member_rows(rows):
    """Safe HTML: the live view's table rows of ``rows`` (``selectors.live_view``: person,
    groups, online, busy, open_count, eligible, full_in, reasons), as
    ``chat/includes/live_panel.html``'s loop wrote them."""
    disabled, full = _escape(_("disabled")), _escape(_("full"))
    online, busy, offline = _escape(_("Online")), _escape(_("Busy")), _escape(_("Offline or away"))
    yes, no = _escape(_("yes")), _escape(_("no"))
    cap_text, full_in_text = _("%(group)s: %(cap)s"), _("not in %(groups)s: at its reception cap")
    parts = []
    for row in rows:
        person, groups = row["person"], row["groups"]
        last = len(groups) - 1
        names = ", ".join(
            _escape(m.group.name) + ("" if m.is_enabled else f" ({disabled})") for m in groups
        )
        caps = []
        for index, m in enumerate(groups):
            if m.is_enabled:
                name = _escape(m.group.name)
                caps.append(
                    f'<span data-group="{name}">{cap_text % {"group": name, "cap": _escape(m.cap)}}'
                    f"{f' ({full})' if m.is_full else ''}</span>{'<br>' if index != last else ''}"
                )
        if row["eligible"]:
            receives = yes + (f" ({full_in_text % {'groups': _joined(row['full_in'])}})" if row["full_in"] else "")
        else:
            receives = f"{no}: {_joined(row['reasons'])}"
        presence = online if row["online"] else busy if row["busy"] else offline
        parts.append(
            f"""
      <tr data-member="{_escape(person.account_name)}">
        <td>{_escape(person.label)}</td>
        <td>{names}</td>
        <td data-role="presence">{presence}</td>
        <td class="num" data-role="load">{_escape(row["open_count"])}</td>
        <td class="num" data-role="caps">{"".join(caps)}</td>
        <td>{receives}</td>
      </tr>
    """
        )
    return mark_safe("".join(parts))


def history_rows(rows):
    """Safe HTML: the ``<tr>`` of each ``chat.history.HistoryRow`` of ``chat/history.html``, every
    value escaped; the same HTML as the template loop it replaced (a third of the page's CPU),
    but for the loop's blank lines."""
    waiting = _escape(_("waiting in the queue"))
    overflow = _escape(_("overflow"))
    parts = []
    for pk, url, started, nickname, group, served_by, is_overflow, status in rows:
        served = _escape(served_by) if served_by else f'<span class="muted">{waiting}</span>'
        if is_overflow:
            served += f' <span class="muted">({overflow})</span>'
        parts.append(
            f'<tr data-conversation="{_escape(pk)}">\n      <td>{_escape(started)}</td>\n'
            f'      <td><a href="{_escape(url)}">{_escape(nickname)}</a></td>\n      <td>{_escape(group)}</td>\n'
            f"      <td>{served}</td>\n      <td>{_escape(status)}</td>\n    </tr>"
        )
    return mark_safe("\n".join(parts))
