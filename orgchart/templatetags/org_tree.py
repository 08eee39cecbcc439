"""The org chart's nested list, written in Python as the campaign tables are
(``campaigns/templatetags/campaign_tables.py``): a recursive ``{% include %}`` per department
cost about 0.2 ms each through the template language (19 ms for a 100-department tree), and
``format_html`` per node still about 0.1 ms (its lazy-string escaping of every argument); here
one f-string per node with the labels, links and plural forms looked up once per page, every value
escaped with ``utilities.html``, the same markup."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from utilities.html import escape
from utilities.links import object_url

from ..models import MAX_DEPTH

register = template.Library()

_PLACEHOLDER = 918273645


def _link_pattern(url_name):
    """``object_url(url_name, pk)`` as an escaped ``str.format`` pattern with one ``{}``."""
    return escape(object_url(url_name, _PLACEHOLDER)).replace(str(_PLACEHOLDER), "{}")


@register.simple_tag
def department_tree(roots):
    """The ``<li>`` of every department of ``roots`` and below (``orgchart.views.build_tree``)."""
    labels = {
        "title": escape(_("Staff here / in the whole subtree")),
        "admins": escape(_("Admins")),
        "add": escape(_("Add sub-department")),
        "add_staff": escape(_("Add staff here")),
        "add_staff_url": escape(reverse("staff:add")),
        "edit": escape(_("Edit")),
        "delete": escape(_("Delete")),
        "add_url": escape(reverse("orgchart:department_add")),
        "counts": _("%(own)s staff · %(total)s in subtree"),
        "edit_url": _link_pattern("orgchart:department_edit"),
        "delete_url": _link_pattern("orgchart:department_delete"),
        "summaries": {},
    }
    return mark_safe("\n".join(_node(department, labels) for department in roots))


def _summary(count, labels):
    """``"3 sub-departments"``, escaped, looked up once per number of children."""
    summaries = labels["summaries"]
    if count not in summaries:
        summaries[count] = escape(
            ngettext("%(count)d sub-department", "%(count)d sub-departments", count) % {"count": count}
        )
    return summaries[count]


def _node(department, labels):
    counts = escape(labels["counts"] % {"own": department.staff_count, "total": department.subtree_count})
    admins = ""
    if department.admin_names:
        admins = f'<span class="status">{labels["admins"]}: {escape(", ".join(department.admin_names))}</span>'
    add = ""
    if department.level < MAX_DEPTH - 1:
        add = f'<a href="{labels["add_url"]}?parent={department.pk}">{labels["add"]}</a>'
    children = ""
    if department.nodes:
        # A <details> per branch: it folds without a script (the page's CSP allows none inline).
        inner = "\n".join(_node(child, labels) for child in department.nodes)
        children = (
            f'<details class="branch" open>\n<summary>{_summary(len(department.nodes), labels)}</summary>\n'
            f'<ul class="tree">\n{inner}\n</ul>\n</details>'
        )
    return (
        f'<li data-department="{escape(department.path)}">\n<span class="node">\n<strong>{escape(department.name)}</strong>\n'
        f'<span class="muted" title="{labels["title"]}">{counts}</span>\n'
        f"{admins}\n{add}\n"
        f'<a href="{labels["add_staff_url"]}?department={department.pk}">{labels["add_staff"]}</a>\n'
        f'<a href="{labels["edit_url"].format(department.pk)}">{labels["edit"]}</a>\n'
        f'<a href="{labels["delete_url"].format(department.pk)}">{labels["delete"]}</a>\n</span>\n{children}\n</li>'
    )
