"""Rows of the staff table, written in Python as the campaign tables are
(``campaigns/templatetags/campaign_tables.py``): the template loop cost about 0.3 ms a row
(variable lookups, ``{% url %}``, ``get_FOO_display``); this a small fraction, same markup."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from utilities.html import conditional_escape, escape
from utilities.links import object_url

register = template.Library()


@register.simple_tag
def staff_rows(staff_list):
    """The ``<tr>`` of each staff account of ``staff/staff_list.html``; rows carry
    ``department_path`` (set by the view). One f-string per row, every value escaped."""
    statuses = {value: str(label) for value, label in User.Status.choices}
    identities = {value: str(label) for value, label in User.IdentityStatus.choices}
    admin = f' <span class="status">{escape(_("Admin"))}</span>'
    no_mobile = f'<span class="status status-pending" data-testid="mobile-needed">{escape(_("Mobile needed to invite"))}</span>'
    rows = []
    for staff in staff_list:
        identity = ""
        if not staff.is_temporary:
            identity = (
                f'<span class="status status-{escape(staff.identity_status)}">'
                f"{escape(identities.get(staff.identity_status, staff.identity_status))}</span>"
            )
        rows.append(
            f'<tr data-account="{escape(staff.account_name)}">\n'
            f'<td><a href="{escape(object_url("staff:detail", staff.pk))}">{conditional_escape(staff.label)}</a>'
            f'{admin if staff.is_department_admin else ""}</td>\n'
            f"<td><code>{escape(staff.username)}</code></td>\n"
            f"<td>{escape(staff.mobile) if staff.mobile or staff.status != User.Status.PENDING else no_mobile}</td>\n"
            f"<td>{conditional_escape(staff.department_path)}</td>\n<td>{conditional_escape(staff.position or '')}</td>\n"
            f'<td data-testid="account-status"><span class="status status-{escape(staff.status)}">'
            f"{escape(statuses.get(staff.status, staff.status))}</span></td>\n"
            f'<td data-testid="identity-status">{identity}</td>\n</tr>'
        )
    return mark_safe("\n".join(rows))
