"""Rows of the task-order, statement, binding and task tables, written in Python as the campaign
tables are (``campaigns/templatetags/campaign_tables.py``): through the template language a
25-row order table cost about half of its page (per-row ``{% url %}``, ``{% csrf_token %}``,
``date`` and ``money`` filters, ``get_status_display``); here one f-string per row, same markup,
every value escaped with ``utilities.html``."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from utilities.formatting import format_count, format_money
from utilities.html import conditional_escape, escape
from utilities.links import object_url

from ..models import ORDER_ACTION_LABELS, ORDER_ACTIONS, OperationBinding, TaskOrder

register = template.Library()

DASH = "—"
_PLACEHOLDER = 918273645


def minute(value):
    """``value`` (an aware datetime) as the ``date:"Y-m-d H:i"`` filter writes it, in the current time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _labels(choices):
    """``get_FOO_display()`` for a page of rows: one dict per page instead of one call per row."""
    return {value: str(label) for value, label in choices}


def _csrf_input(context):
    """What ``{% csrf_token %}`` writes, computed once for every form of the table."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def _action_urls():
    """``{action: "…/orders/{}/<action>/"}``: ``operations:order_action`` reversed once per action."""
    urls = {}
    for action in ORDER_ACTIONS.values():
        urls[action] = escape(reverse("operations:order_action", args=[_PLACEHOLDER, action])).replace(str(_PLACEHOLDER), "{}")
    return urls


@register.simple_tag(takes_context=True)
def order_rows(context, orders, show_account=False, as_account=False, next=""):
    """The ``<tr>`` of each order of ``operations/includes/order_table.html`` (``orders`` with their
    task, and their account when ``show_account``): the shop cancels an open order; the operation
    account (``as_account``) gets a button per next step. Forms come back to ``next``."""
    hidden = f'{_csrf_input(context)}<input type="hidden" name="next" value="{escape(next)}">'
    statuses = _labels(TaskOrder.Status.choices)
    urls = _action_urls()
    labels = {ORDER_ACTIONS[status]: escape(label) for status, label in ORDER_ACTION_LABELS.items()}
    cancel_label = escape(_("Cancel order"))
    rows = []
    for order in orders:
        status = order.status
        if as_account:
            buttons = "".join(
                f'<form method="post" action="{urls[action].format(order.pk)}" class="inline">{hidden}'
                f'<button class="button small{" secondary" if action == "cancel" else ""}">{labels[action]}</button></form>'
                for action in (ORDER_ACTIONS[step] for step in TaskOrder.TRANSITIONS[status])
            )
        elif status in TaskOrder.OPEN_STATUSES:
            buttons = (
                f'<form method="post" action="{urls["cancel"].format(order.pk)}" class="inline">{hidden}'
                f'<button class="button small secondary">{cancel_label}</button></form>'
            )
        else:
            buttons = ""
        account = ""
        if show_account:
            account = (
                f'<td><a href="{object_url("operations:account_detail", order.binding_id)}">'
                f"{conditional_escape(order.account.label)}</a></td>"
            )
        number = escape(order.number)
        rows.append(
            f'<tr data-testid="order-row" data-number="{number}">'
            f"<td>{number}</td>"
            f'<td>{escape(order.task.title)} <span class="muted">{escape(order.task.creator_name)}</span></td>{account}'
            f'<td class="num">{format_money(order.amount)}</td>'
            f"<td>{minute(order.placed_at)}</td>"
            f'<td><span class="status status-{escape(status)}">{escape(statuses.get(status, status))}</span></td>'
            f"<td>{buttons}</td></tr>"
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def statement_rows(orders):
    """The ``<tr>`` of each order of ``operations/statement.html`` (orders with their task)."""
    statuses = _labels(TaskOrder.Status.choices)
    return mark_safe(
        "\n".join(
            f"<tr><td>{escape(order.number)}</td><td>{escape(order.task.title)}</td><td>{escape(order.task.creator_name)}</td>"
            f"<td>{minute(order.placed_at)}</td><td>{escape(statuses.get(order.status, order.status))}</td>"
            f'<td class="num">{format_money(order.amount)}</td></tr>'
            for order in orders
        )
    )


def _when_by(moment, person):
    """``"2026-12-07 09:30 · 张三"``, or a dash when it never happened."""
    if moment is None:
        return DASH
    return f"{minute(moment)} · {conditional_escape(person.label) if person is not None else ''}"


@register.simple_tag
def binding_rows(bindings):
    """The ``<tr>`` of each binding record of ``operations/binding_list.html`` (bindings with their
    account, inviter and ender, and ``open_orders`` set by the view)."""
    statuses = _labels(OperationBinding.Status.choices)
    rows = []
    for binding in bindings:
        status = binding.status
        rows.append(
            '<tr data-testid="binding-row">'
            f'<td><a href="{object_url("operations:account_detail", binding.pk)}">{conditional_escape(binding.account.label)}</a> '
            f'<span class="muted">{escape(binding.account.username)}</span></td>'
            f'<td><span class="status status-{escape(status)}">{escape(statuses.get(status, status))}</span></td>'
            f"<td>{_when_by(binding.invited_at, binding.invited_by)}</td>"
            f"<td>{minute(binding.answered_at) if binding.answered_at else DASH}</td>"
            f"<td>{_when_by(binding.ended_at, binding.ended_by)}</td>"
            f'<td class="num">{format_count(binding.open_orders)}</td></tr>'
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def task_rows(tasks):
    """The ``<tr>`` of each task of ``operations/task_list.html`` (``order_count`` set by the view)."""
    yes, no, edit = escape(_("Yes")), escape(_("No")), escape(_("Edit"))
    return mark_safe(
        "\n".join(
            '<tr data-testid="task-row">'
            f'<td>{escape(task.title)}</td><td>{escape(task.creator_name)}</td><td class="num">{format_money(task.fee)}</td>'
            f"<td>{task.deadline.isoformat()}</td><td>{yes if task.is_open else no}</td>"
            f'<td class="num">{format_count(task.order_count)}</td>'
            f'<td><a href="{object_url("operations:task_edit", task.pk)}">{edit}</a></td></tr>'
            for task in tasks
        )
    )


@register.simple_tag
def open_task_rows(tasks, binding):
    """The ``<tr>`` of each open task of ``operations/work_tasks.html``: the operation account's
    "Place order" link carries the task to the order form of ``binding``."""
    place = escape(reverse("operations:order_place", args=[binding.pk]))
    label = escape(_("Place order"))
    rows = []
    for task in tasks:
        description = ""
        if task.description:
            description = f'<p class="muted">{linebreaksbr(task.description, autoescape=True)}</p>'
        rows.append(
            '<tr data-testid="task-row">'
            f"<td>{escape(task.title)}{description}</td>"
            f'<td>{escape(task.creator_name)}</td><td class="num">{format_money(task.fee)}</td><td>{task.deadline.isoformat()}</td>'
            f'<td><a class="button small" href="{place}?task={task.pk}">{label}</a></td></tr>'
        )
    return mark_safe("\n".join(rows))
