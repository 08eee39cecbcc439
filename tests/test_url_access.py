"""Every page of the product, found from the URL configuration itself, keeps the three access rules
(STYLE 2, 12): anonymous → the login page; no right → 403; another tenant's object → 404.

A page added without an entry below fails ``test_every_url_is_classified``, so none ships unchecked.
"""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Delivery, Notification
from accounts.services.notifications import notification_send
from tests.campaigns.conftest import world  # noqa: F401  (the fixture)
from tests.factories import StaffFactory

# Namespaces that are the product's pages (the admin and the language switch are Django's own).
PRODUCT_NAMESPACES = {"accounts", "orgchart", "campaigns", "chat"}

# Reachable without logging in: the login itself, sign-up, the binding link, merchants' enrollment.
PUBLIC = {
    "accounts:login",
    "accounts:login_verify",
    "accounts:signup",
    "accounts:bind",
    "campaigns:enroll",
    # A shop's buyer chat: the conversation is the buyer's signed cookie, not a login.
    "chat:shop",
    "chat:shop_send",
    "chat:shop_leave",
    "chat:shop_stream",
}

# Any logged-in member of a tenant may open these: they show only the user's own things.
PERSONAL = {
    "accounts:dashboard",
    "accounts:logout",
    "accounts:password_change",
    "accounts:inbox",
    "accounts:inbox_detail",
    "accounts:inbox_read_all",
    "accounts:two_factor",
    "accounts:verification",
    "accounts:sessions",
    "accounts:sessions_end_others",
    "accounts:session_end",
    "accounts:two_factor_setup",
    "accounts:two_factor_backup_codes",
    "accounts:two_factor_disable",
    # The products one is contact person of stay one's own whatever one's rights: the list
    # is reachable and shows only those (the visibility matrix checks what it shows).
    "campaigns:products",
}

# Extra path arguments besides an object's primary key (which comes from OTHER_TENANT_OBJECT).
EXTRA_ARGS = {
    "accounts:staff_action": ["disable"],
    "campaigns:product_review": ["approve"],
    "accounts:staff_session_end": ["no-such-session"],
}
# Pages whose only argument is not an object: the value to use.
PLAIN_ARGS = {
    "accounts:staff_import_template": ["csv"],
    "accounts:staff_contacts_export": ["csv"],
    "campaigns:report_export": ["csv"],
    "campaigns:enroll": ["no-such-token"],
    "accounts:bind": ["no-such-token"],
    "accounts:session_end": ["no-such-session"],
    "chat:shop": ["no-such-shop"],
    "chat:shop_send": ["no-such-shop"],
    "chat:shop_leave": ["no-such-shop"],
    "chat:shop_stream": ["no-such-shop"],
}

# For each page about one object: how to find such an object of ANOTHER tenant.
OTHER_TENANT_OBJECT = {
    "accounts:staff_detail": lambda w: w.other_staff.pk,
    "accounts:staff_permissions": lambda w: w.other_staff.pk,
    "accounts:staff_edit": lambda w: w.other_staff.pk,
    "accounts:staff_rebind": lambda w: w.other_staff.pk,
    "accounts:staff_hand_over": lambda w: w.other_staff.pk,
    "accounts:staff_action": lambda w: w.other_staff.pk,
    "accounts:temporary_window": lambda w: w.other_staff.pk,
    "accounts:staff_sessions_end_all": lambda w: w.other_staff.pk,
    "accounts:staff_session_end": lambda w: w.other_staff.pk,
    "accounts:delivery_retry": lambda w: Delivery.objects.filter(tenant=w.other_owner.tenant).first().pk,
    "accounts:inbox_detail": lambda w: Notification.objects.filter(recipient=w.other_owner).first().pk,
    "orgchart:department_edit": lambda w: w.other_staff.department_id,
    "orgchart:department_delete": lambda w: w.other_staff.department_id,
    "orgchart:position_edit": lambda w: w.other_staff.position_id,
    "orgchart:position_delete": lambda w: w.other_staff.position_id,
    "campaigns:detail": lambda w: w.c_other.pk,
    "campaigns:edit": lambda w: w.c_other.pk,
    "campaigns:product_detail": lambda w: w.p_other.pk,
    "campaigns:product_attention": lambda w: w.p_other.pk,
    "campaigns:product_review": lambda w: w.p_other.pk,
    "chat:conversation": lambda w: other_conversation(w).pk,
    "chat:messages": lambda w: other_conversation(w).pk,
    "chat:reply": lambda w: other_conversation(w).pk,
    "chat:close": lambda w: other_conversation(w).pk,
    "chat:transfer": lambda w: other_conversation(w).pk,
    "chat:group_edit": lambda w: other_conversation(w).group_id,
    "chat:member_add": lambda w: other_conversation(w).group_id,
    "chat:member_toggle": lambda w: other_chat_member(w).pk,
    "chat:member_remove": lambda w: other_chat_member(w).pk,
}


def other_conversation(w):
    """A conversation of the other tenant (routed to its main account: nobody is online)."""
    from chat.models import ChatGroup
    from chat.services import conversation_start

    group, _created = ChatGroup.objects.get_or_create(tenant=w.other_owner.tenant, name="Globex desk")
    return conversation_start(group=group, nickname="globex buyer", body="Hello")


def other_chat_member(w):
    from chat.models import ChatMember

    group = other_conversation(w).group
    return ChatMember.objects.create(tenant=group.tenant, group=group, user=w.other_staff)


def product_urls():
    """``[(qualified name, [parameter names])]`` of every named product URL in the URL configuration."""
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace in PRODUCT_NAMESPACES:
                found.append((f"{namespace}:{entry.name}", list(entry.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return sorted(set((name, tuple(params)) for name, params in found))


URLS = product_urls()
NAMES = [name for name, _params in URLS]
PARAMS = dict(URLS)


def test_every_url_is_classified():
    """Each page with an object in its path says how to find another tenant's such object."""
    assert len(NAMES) > 40, "the URL configuration was not read"
    unclassified = [
        name for name, params in URLS if params and name not in OTHER_TENANT_OBJECT and name not in PLAIN_ARGS
    ]
    assert unclassified == []
    stale = set(OTHER_TENANT_OBJECT) | set(PLAIN_ARGS) | PUBLIC | PERSONAL | set(EXTRA_ARGS)
    assert stale - set(NAMES) == set()


def url_for(name, pk=1):
    if name in PLAIN_ARGS:
        return reverse(name, args=PLAIN_ARGS[name])
    args = [pk, *EXTRA_ARGS.get(name, [])] if PARAMS[name] else []
    return reverse(name, args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", [n for n in NAMES if n not in PUBLIC and n != "accounts:logout"])
def test_anonymous_visitors_are_sent_to_the_login(client, name, method):
    url = url_for(name)

    response = getattr(client, method)(url)

    assert response.status_code == 302, name
    assert response.url == f"{reverse(settings.LOGIN_URL)}?next={url}", name


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(OTHER_TENANT_OBJECT))
def test_another_tenants_object_does_not_exist(client, world, name, method):  # noqa: F811
    notification_send(recipient=world.other_owner, subject="Globex only")
    client.force_login(world.owner)

    response = getattr(client, method)(url_for(name, OTHER_TENANT_OBJECT[name](world)))

    # A GET to a form-only action answers "method not allowed", for any object alike.
    assert response.status_code == 404 or (method == "get" and response.status_code == 405), name


@pytest.mark.parametrize(
    "name", [n for n in NAMES if n not in PUBLIC | PERSONAL and n not in OTHER_TENANT_OBJECT and n not in PLAIN_ARGS]
)
def test_a_member_without_the_right_is_refused(client, world, name):  # noqa: F811
    rightless = StaffFactory(tenant=world.tenant, account_name="rightless", mobile="19999999990")
    client.force_login(rightless)

    assert client.post(url_for(name)).status_code == 403, name
    assert client.get(url_for(name)).status_code in {403, 405}, name


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/campaigns/reports/export.pdf", "/staff/contacts.pdf", "/staff/import/template.exe"])
def test_a_download_in_an_unknown_format_does_not_exist(client, owner, path):
    """They answered 200 with a CSV named after the asked-for format."""
    client.force_login(owner)

    assert client.get(path).status_code == 404
