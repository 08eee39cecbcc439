"""Rows of the staff table, written with ``format_html`` as the campaign tables are
(``campaigns/templatetags/campaign_tables.py``): the template loop cost about 0.3 ms a row
(variable lookups, ``{% url %}``, ``get_FOO_display``); this a small fraction, same markup."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from utilities.links import object_url

register = template.Library()


@register.simple_tag
def staff_rows(staff_list):
    """The ``<tr>`` of each staff account of ``staff/staff_list.html``; rows carry
    ``department_path`` (set by the view)."""
    statuses = {value: str(label) for value, label in User.Status.choices}
    identities = {value: str(label) for value, label in User.IdentityStatus.choices}
    admin = format_html(' <span class="status">{}</span>', _("Admin"))
    rows = []
    for staff in staff_list:
        identity = ""
        if not staff.is_temporary:
            identity = format_html(
                '<span class="status status-{}">{}</span>',
                staff.identity_status,
                identities.get(staff.identity_status, staff.identity_status),
            )
        rows.append(
            format_html(
                '<tr data-account="{}">\n<td><a href="{}">{}</a>{}</td>\n<td><code>{}</code></td>\n<td>{}</td>\n'
                "<td>{}</td>\n<td>{}</td>\n"
                '<td data-testid="account-status"><span class="status status-{}">{}</span></td>\n'
                '<td data-testid="identity-status">{}</td>\n</tr>',
                staff.account_name,
                object_url("staff:detail", staff.pk),
                staff.label,
                admin if staff.is_department_admin else "",
                staff.username,
                staff.mobile,
                staff.department_path,
                staff.position or "",
                staff.status,
                statuses.get(staff.status, staff.status),
                identity,
            )
        )
    return mark_safe("\n".join(rows))
