"""Every page of the product, found from the URL configuration itself, keeps the three access rules
(STYLE 2, 12): anonymous → the login page; no right → 403; another tenant's object → 404.

A page added without an entry below fails ``test_every_url_is_classified``, so none ships unchecked.
"""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Delivery, Notification
from accounts.services.notifications import notification_send
from scim.services import scim_token_create
from tests.personas import world  # noqa: F401  (the fixture)
from tests.factories import StaffFactory
from tests.personas import other_shop

# Namespaces that are the product's pages (the admin and the language switch are Django's own).
PRODUCT_NAMESPACES = {"accounts", "orgchart", "staff", "campaigns", "scim", "operations", "chat"}

# Machine endpoints authenticated by a bearer token instead of a session (no login page, no CSRF):
# every URL in them must refuse a request without a valid token with 401 (see the test below).
BEARER_API_NAMESPACES = {"scim_api"}

# Reachable without logging in: the login itself, sign-up, the binding link, merchants' enrollment.
PUBLIC = {
    "accounts:login",
    "accounts:login_verify",
    "accounts:signup",
    "accounts:signup_individual",
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
    "staff:action": ["disable"],
    "campaigns:product_review": ["approve"],
    "accounts:staff_session_end": ["no-such-session"],
    "operations:statement_export": ["csv"],
    "operations:order_action": ["cancel"],
    "operations:invitation_answer": ["agree"],
}
# Pages whose only argument is not an object: the value to use.
PLAIN_ARGS = {
    "staff:import_template": ["csv"],
    "staff:contacts_export": ["csv"],
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
    "staff:detail": lambda w: w.other_staff.pk,
    "staff:permissions": lambda w: w.other_staff.pk,
    "staff:edit": lambda w: w.other_staff.pk,
    "staff:rebind": lambda w: w.other_staff.pk,
    "staff:hand_over": lambda w: w.other_staff.pk,
    "staff:action": lambda w: w.other_staff.pk,
    "staff:temporary_window": lambda w: w.other_staff.pk,
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
    "scim:token_revoke": lambda w: scim_token_create(actor=w.other_owner, name="Globex IdP")[0].pk,
    # Operation accounts (R-33 … R-35): Globex's binding, task and order; the individual's own
    # pages find a binding among the viewer's own shops, so for anyone else it does not exist.
    "operations:account_detail": lambda w: other_shop(w).binding.pk,
    "operations:withdraw": lambda w: other_shop(w).invitation.pk,
    "operations:unbind": lambda w: other_shop(w).binding.pk,
    "operations:replace": lambda w: other_shop(w).binding.pk,
    "operations:task_edit": lambda w: other_shop(w).task.pk,
    "operations:statement": lambda w: other_shop(w).binding.pk,
    "operations:statement_export": lambda w: other_shop(w).binding.pk,
    "operations:order_action": lambda w: other_shop(w).order.pk,
    "operations:invitation_answer": lambda w: other_shop(w).invitation.pk,
    "operations:work": lambda w: other_shop(w).binding.pk,
    "operations:work_orders": lambda w: other_shop(w).binding.pk,
    "operations:order_place": lambda w: other_shop(w).binding.pk,
    "chat:conversation": lambda w: other_conversation(w).pk,
    "chat:messages": lambda w: other_conversation(w).pk,
    "chat:reply": lambda w: other_conversation(w).pk,
    "chat:close": lambda w: other_conversation(w).pk,
    "chat:transfer": lambda w: other_conversation(w).pk,
    "chat:group_edit": lambda w: other_conversation(w).group_id,
    "chat:member_add": lambda w: other_conversation(w).group_id,
    "chat:member_toggle": lambda w: other_chat_member(w).pk,
    "chat:member_remove": lambda w: other_chat_member(w).pk,
    "chat:member_edit": lambda w: other_chat_member(w).pk,
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


def product_urls(namespaces=PRODUCT_NAMESPACES):
    """``[(qualified name, [parameter names])]`` of every named URL of ``namespaces`` in the URL configuration."""
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace in namespaces:
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


API_URLS = product_urls(BEARER_API_NAMESPACES)
# A value for each path parameter of the API's URLs.
API_ARGS = {"pk": 1, "name": "User", "uri": "urn:ietf:params:scim:schemas:core:2.0:User", "rest": "anything"}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("name,params", API_URLS)
def test_the_api_refuses_requests_without_a_bearer_token(client, owner, name, params, method):
    """A session is not enough either: the API answers only to tokens (R-37)."""
    assert len(API_URLS) > 10
    client.force_login(owner)
    url = reverse(name, kwargs={p: API_ARGS[p] for p in params})

    response = getattr(client, method)(url)

    assert response.status_code == 401, name
    assert response["Content-Type"] == "application/scim+json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", [n for n in NAMES if n not in PUBLIC and n not in PERSONAL and n != "accounts:dingtalk" and not n.startswith("operations:my")]
)
def test_a_main_account_without_dingtalk_info_is_sent_to_fill_it_in_first(client, name):
    """R-2 holds on every management page of every app, those added later included."""
    from tests.factories import OwnerFactory, TenantFactory

    tenant = TenantFactory(slug="fresh", dingtalk_contact_name="", dingtalk_mobile="", dingtalk_completed_at=None)
    client.force_login(OwnerFactory(tenant=tenant, username="fresh_owner"))
    response = client.get(url_for(name))
    assert response.status_code == 302, f"{name} answered {response.status_code}"
    assert response["Location"].startswith(reverse("accounts:dingtalk")), name
