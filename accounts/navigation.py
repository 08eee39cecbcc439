"""The sidebar: which menus a user sees follows their effective permissions (R-7)."""

from dataclasses import dataclass
from typing import Callable

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    visible: Callable
    section: str = ""


def owner_only(user):
    return user.is_owner


def _person(user):
    """A main, staff or individual account: its own dashboard, inbox and security settings."""
    return user.tenant_id is not None or user.is_individual


def _verifiable(user):
    """Bound staff accounts verify a real person (R-17); temporary ones need not (R-20)."""
    return user.is_staff_account and not user.is_temporary


def staff_lister(user):
    return user.is_owner or (user.is_staff_account and user.is_department_admin)


MENU = [
    MenuItem("accounts:dashboard", _("Dashboard"), _person),
    MenuItem("accounts:inbox", _("Inbox"), _person),
    MenuItem("accounts:dingtalk", _("DingTalk info"), owner_only, _("Settings")),
    MenuItem("accounts:deliveries", _("Notification deliveries"), owner_only, _("Settings")),
    MenuItem("accounts:audit_log", _("Audit log"), owner_only, _("Settings")),
    MenuItem("accounts:verification", _("Real-person verification"), _verifiable, _("Settings")),
    MenuItem("accounts:sessions", _("My sessions"), _person, _("Settings")),
    MenuItem("accounts:password_change", _("Change password"), _person, _("Settings")),
    MenuItem("accounts:two_factor", _("Two-factor authentication"), _person, _("Settings")),
]


def register(*items, before=None):
    """Add menu entries from another app (kept here so the sidebar has one definition)."""
    index = len(MENU)
    if before is not None:
        index = next(i for i, item in enumerate(MENU) if item.url_name == before)
    MENU[index:index] = items


@lru_cache(maxsize=None)
def _menu_url(url_name, script_prefix):
    return reverse(url_name)


def menu_for(user, current_url_name=None):
    """Return the sidebar sections and entries this user may see."""
    sections = {}
    prefix = get_script_prefix()
    for item in MENU:
        if not item.visible(user):
            continue
        sections.setdefault(str(item.section), []).append(
            {
                "url": _menu_url(item.url_name, prefix),
                "label": item.label,
                "active": item.url_name == current_url_name,
            }
        )
    return [{"title": title, "items": items} for title, items in sections.items()]
