"""Names are names (R-21): the hostile-name set, sent through every form, import and API that takes
a name or a title, is refused with a message and stores nothing.

Each entry point below is what a real client sends: a browser's form post, the staff import's CSV
upload, an identity provider's SCIM JSON, the buyer's and the merchant's public pages, the
operator's admin. ``stored_names`` reads every name and title the database holds; it must be the
same after each refusal.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityVerification, Tenant, User
from accounts.services.staff import staff_offboard
from campaigns.models import Campaign, EnrolledProduct
from chat import services as chat_services
from chat.models import ChatGroup, Conversation
from operations.models import Task
from orgchart.models import Department, Position
from scim.models import ScimToken
from scim.services import scim_token_create
from staff import importer

from tests.personas import campaign as make_campaign
from tests.personas import catalogue, hire, org, task_for  # noqa: F401  (org is a fixture)

pytestmark = pytest.mark.django_db

UNSHOWABLE = "contains characters that cannot be shown"
INVISIBLE = "has no visible character"
MISSING = ("This field is required.", "Enter the ", "needs a name", "display name is empty")

CONTROL = ["\x1b[31m张三\x1b[0m", "张三\x07", "\x7f张三", "张\x9b三"]
BIDI = [ch + "三张" for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
ZERO_WIDTH = ["\u200b\u200b\u200b", "\u200c", "\u200d", "\ufeff"]
WHITESPACE = ["   ", "\u3000"]
HOSTILE = (
    [(v, (UNSHOWABLE,)) for v in CONTROL + BIDI]
    + [(v, (INVISIBLE,)) for v in ZERO_WIDTH]
    + [(v, MISSING) for v in WHITESPACE]
)
PASSWORD = "Str0ng-pass-phrase"


def stored_names():
    """Every name and title in the database, and how many rows hold one."""
    return {
        "users": sorted(User.objects.values_list("username", "display_name", "first_name", "last_name")),
        "tenants": sorted(Tenant.objects.values_list("slug", "name", "dingtalk_contact_name")),
        "departments": sorted(Department.objects.values_list("pk", "name")),
        "positions": sorted(Position.objects.values_list("pk", "name")),
        "campaigns": sorted(Campaign.objects.values_list("pk", "title")),
        "products": sorted(EnrolledProduct.objects.values_list("pk", "shop_name", "title", "merchant_contact")),
        "tasks": sorted(Task.objects.values_list("pk", "title", "creator_name")),
        "chat_groups": sorted(ChatGroup.objects.values_list("pk", "name")),
        "conversations": sorted(Conversation.objects.values_list("pk", "buyer_nickname")),
        "tokens": sorted(ScimToken.objects.values_list("pk", "name")),
        "verifications": sorted(IdentityVerification.objects.values_list("pk", "real_name")),
    }


def page(response):
    return response.content.decode()


@pytest.fixture
def env(owner, org, operator):
    tenant = owner.tenant
    Tenant.objects.filter(pk=tenant.pk).update(temporary_quota=5)
    plain = hire(owner, "plain_staff", org.east, org.clerk)
    leaver = hire(owner, "leaver", org.east, org.clerk)
    staff_offboard(actor=owner, staff=leaver)
    clients = SimpleNamespace(anonymous=Client(), owner=Client(), staff=Client(), operator=Client())
    clients.owner.force_login(owner)
    clients.staff.force_login(plain)
    clients.operator.force_login(operator)
    open_campaign = make_campaign(owner, "双十一", scope_whole_tenant=True)
    Campaign.objects.filter(pk=open_campaign.pk).update(review_mode="auto")
    group = chat_services.group_create(actor=owner, name="售前")
    token, secret = scim_token_create(actor=owner, name="Okta", default_department=org.ops, default_position=org.clerk)
    scim_user = hire(owner, "scim_user", org.ops, org.clerk)
    return SimpleNamespace(
        owner=owner,
        tenant=Tenant.objects.get(pk=tenant.pk),
        org=org,
        operator=operator,
        plain=plain,
        leaver=leaver,
        scim_user=scim_user,
        clients=clients,
        campaign=Campaign.objects.get(pk=open_campaign.pk),
        task=task_for(owner),
        group=group,
        scim_headers={"Authorization": f"Bearer {secret}"},
    )


# Entry points -----------------------------------------------------------------------------------


def staff_form(env, **changes):
    return {
        "display_name": "Zhang San",
        "account_name": "zhangsan",
        "mobile": "13912345678",
        "department": env.org.east.pk,
        "position": env.org.clerk.pk,
        **changes,
    }


def staff_add(env, value):
    return page(env.clients.owner.post(reverse("staff:add"), staff_form(env, display_name=value)))


def staff_edit(env, value):
    url = reverse("staff:edit", args=[env.plain.pk])
    return page(env.clients.owner.post(url, staff_form(env, display_name=value)))


def temporary_add(env, value):
    data = staff_form(env, display_name=value, starts_at="2030-11-01T00:00", ends_at="2030-12-21T23:59")
    return page(env.clients.owner.post(reverse("staff:temporary_add"), data))


def staff_rebind(env, value):
    url = reverse("staff:rebind", args=[env.leaver.pk])
    return page(env.clients.owner.post(url, {"display_name": value, "mobile": "13612345678"}))


def staff_import(env, value):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(importer.TEMPLATE_HEADER)
    writer.writerow([value, "newcomer", "13700000001", "Sales/East", "Clerk", "否"])
    upload = SimpleUploadedFile("staff.csv", buffer.getvalue().encode("utf-8-sig"))
    client = env.clients.owner
    client.post(reverse("staff:import"), {"file": upload})
    preview = page(client.get(reverse("staff:import_preview")))
    assert "Import all rows" not in preview
    client.post(reverse("staff:import_commit"))
    return preview


def department_add(env, value):
    return page(env.clients.owner.post(reverse("orgchart:department_add"), {"name": value, "parent": env.org.sales.pk}))


def department_edit(env, value):
    url = reverse("orgchart:department_edit", args=[env.org.west.pk])
    return page(env.clients.owner.post(url, {"name": value, "parent": env.org.sales.pk}))


def position_add(env, value):
    return page(env.clients.owner.post(reverse("orgchart:position_add"), {"name": value, "description": ""}))


def position_edit(env, value):
    url = reverse("orgchart:position_edit", args=[env.org.clerk.pk])
    permissions = [p.pk for p in catalogue("view_campaigns")]
    return page(env.clients.owner.post(url, {"name": value, "description": "", "permissions": permissions}))


def tenant_sign_up(env, value):
    data = {
        "tenant_name": value,
        "slug": "newshop",
        "kind": "shop",
        "username": "newboss",
        "email": "boss@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return page(env.clients.anonymous.post(reverse("accounts:signup"), data))


def individual_sign_up(env, value):
    data = {
        "username": "yunying_new",
        "display_name": value,
        "email": "yy@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return page(env.clients.anonymous.post(reverse("accounts:signup_individual"), data))


def dingtalk_contact(env, value):
    data = {
        "dingtalk_contact_name": value,
        "dingtalk_mobile": "13912345670",
        "dingtalk_webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc",
    }
    return page(env.clients.owner.post(reverse("accounts:dingtalk"), data))


def real_name(env, value):
    from tests.accounts.identity_helpers import valid_id

    data = {"real_name": value, "id_number": valid_id(7), "mobile": "13911112222"}
    return page(env.clients.staff.post(reverse("accounts:verification"), data))


def campaign_form(env, title):
    today = timezone.localdate()
    return {
        "title": title,
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
        "commission_rate": "20",
        "service_fee_rate": "5",
        "review_mode": "manual",
        "is_published": "on",
        "scope_whole_tenant": "on",
    }


def campaign_create(env, value):
    return page(env.clients.owner.post(reverse("campaigns:create"), campaign_form(env, value)))


def campaign_edit(env, value):
    return page(env.clients.owner.post(reverse("campaigns:edit", args=[env.campaign.pk]), campaign_form(env, value)))


def enrollment(field):
    def submit(env, value):
        data = {
            "shop_name": "杭州丝绸店",
            "product_id": "6512345678",
            "product_url": "https://item.taobao.com/item.htm?id=6512345678",
            "title": "真丝围巾",
            "price": "199.00",
            "proposed_commission_rate": "25",
            "merchant_contact": "李女士 13700001111",
            field: value,
        }
        return page(env.clients.anonymous.post(reverse("campaigns:enroll", args=[env.campaign.public_token]), data))

    submit.__name__ = f"enrollment_{field}"
    return submit


def buyer_nickname(env, value):
    data = {"group": env.group.pk, "nickname": value, "body": "有货吗？"}
    return page(env.clients.anonymous.post(reverse("chat:shop", args=[env.tenant.slug]), data))


def chat_group_add(env, value):
    return page(env.clients.owner.post(reverse("chat:distribution"), {"new-name": value, "new-is_offered": "on"}))


def chat_group_edit(env, value):
    url = reverse("chat:group_edit", args=[env.group.pk])
    return page(env.clients.owner.post(url, {"name": value, "description": "", "is_offered": "on", "reception_cap": 10}))


def task_form(env, **changes):
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    data = {"title": "直播口播", "creator_name": "阿杰", "fee": "500.00", "description": "", "deadline": deadline, "is_open": "on"}
    return {**data, **changes}


def task_add(field):
    def submit(env, value):
        return page(env.clients.owner.post(reverse("operations:task_add"), task_form(env, **{field: value})))

    submit.__name__ = f"task_add_{field}"
    return submit


def task_edit(env, value):
    url = reverse("operations:task_edit", args=[env.task.pk])
    return page(env.clients.owner.post(url, task_form(env, title=value)))


def scim_token_add(env, value):
    return page(
        env.clients.owner.post(
            reverse("scim:tokens"),
            {"name": value, "default_department": env.org.ops.pk, "default_position": env.org.clerk.pk},
        )
    )


def scim(env, method, path, data):
    response = getattr(env.clients.anonymous, method)(
        f"/scim/v2/{path}", data=json.dumps(data), content_type="application/scim+json", headers=env.scim_headers
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["scimType"] == "invalidValue"
    return body["detail"]


USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_user_create(env, value):
    return scim(env, "post", "Users", {"schemas": [USER], "userName": "liwei", "displayName": value})


def scim_user_name_part(part):
    def submit(env, value):
        resource = {"schemas": [USER], "userName": "liwei", "displayName": "Li Wei", "name": {part: value}}
        return scim(env, "post", "Users", resource)

    submit.__name__ = f"scim_user_{part}"
    return submit


def scim_user_replace(env, value):
    resource = {"schemas": [USER], "userName": "scim_user", "displayName": value}
    return scim(env, "put", f"Users/{env.scim_user.pk}", resource)


def scim_user_patch(env, value):
    operation = {"op": "replace", "path": "displayName", "value": value}
    return scim(env, "patch", f"Users/{env.scim_user.pk}", {"schemas": [PATCH], "Operations": [operation]})


def scim_group_create(env, value):
    return scim(env, "post", "Groups", {"schemas": [GROUP], "displayName": value})


def scim_group_replace(env, value):
    return scim(env, "put", f"Groups/{env.org.west.pk}", {"schemas": [GROUP], "displayName": value})


def admin_tenant_name(env, value):
    url = reverse("admin:accounts_tenant_change", args=[env.tenant.pk])
    data = {"name": value, "kind": env.tenant.kind, "staff_quota": env.tenant.staff_quota, "temporary_quota": 5}
    return page(env.clients.operator.post(url, data))


def admin_official_campaign(env, value):
    today = timezone.localdate()
    data = {
        "title": value,
        "description": "",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=9)).isoformat(),
        "commission_rate": "20",
        "service_fee_rate": "5",
        "is_published": "on",
    }
    return page(env.clients.operator.post(reverse("admin:campaigns_campaign_add"), data))


def admin_user_first_name(env, value):
    """The operator's user form in the admin (``get_form``, as the change page builds it)."""
    from django.contrib import admin as django_admin
    from django.forms.models import model_to_dict
    from django.test import RequestFactory

    model_admin = django_admin.site._registry[User]
    request = RequestFactory().get("/admin/")
    request.user = env.operator
    form_class = model_admin.get_form(request, env.scim_user, change=True)
    data = {k: v for k, v in model_to_dict(env.scim_user).items() if v is not None and k in form_class.base_fields}
    form = form_class({**data, "first_name": value}, instance=User.objects.get(pk=env.scim_user.pk))
    assert not form.is_valid()
    return " ".join(form.errors.get("first_name", []))


@dataclass
class Entry:
    submit: object
    optional: bool = False  # nothing but spaces leaves an optional name blank: not a refusal

    def __str__(self):
        return self.submit.__name__


ENTRIES = [
    Entry(staff_add),
    Entry(staff_edit),
    Entry(temporary_add),
    Entry(staff_rebind),
    Entry(staff_import),
    Entry(department_add),
    Entry(department_edit),
    Entry(position_add),
    Entry(position_edit),
    Entry(tenant_sign_up),
    Entry(individual_sign_up, optional=True),
    Entry(dingtalk_contact),
    Entry(real_name),
    Entry(campaign_create),
    Entry(campaign_edit),
    Entry(enrollment("shop_name")),
    Entry(enrollment("title")),
    Entry(enrollment("merchant_contact")),
    Entry(buyer_nickname),
    Entry(chat_group_add),
    Entry(chat_group_edit),
    Entry(task_add("title")),
    Entry(task_add("creator_name")),
    Entry(task_edit),
    Entry(scim_token_add),
    Entry(scim_user_create, optional=True),  # displayName is optional in SCIM: blank falls back to userName
    Entry(scim_user_name_part("givenName"), optional=True),
    Entry(scim_user_name_part("familyName"), optional=True),
    Entry(scim_user_replace, optional=True),
    Entry(scim_user_patch, optional=True),
    Entry(scim_group_create),
    Entry(scim_group_replace),
    Entry(admin_tenant_name),
    Entry(admin_official_campaign),
    Entry(admin_user_first_name, optional=True),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
def test_the_hostile_name_set_is_refused_with_a_message_and_nothing_is_stored(env, entry):
    before = stored_names()
    for value, messages in HOSTILE:
        if entry.optional and messages == MISSING:
            continue
        text = entry.submit(env, value)
        assert any(message in text for message in messages), f"{entry} took {value!r} without saying why"
        assert stored_names() == before, f"{entry} stored something of {value!r}"


def test_a_valid_name_through_the_same_page_is_stored_normalised(env):
    """The control: the pages above do store a good name, spaces and zero-width spaces tidied."""
    env.clients.owner.post(reverse("staff:add"), staff_form(env, display_name=" 张\u200b三\u3000 经理 "))
    assert User.objects.get(account_name="zhangsan").display_name == "张三 经理"


def test_the_inputs_that_failed_before_are_refused_on_the_staff_page(env):
    """Issue 23: ``\\u202e`` + ``三张`` (read as 张三) and three zero-width spaces were stored and shown."""
    spoof = staff_add(env, "\u202e三张")
    assert "The display name contains characters that cannot be shown." in spoof
    blank = staff_add(env, "\u200b\u200b\u200b")
    assert "The display name has no visible character" in blank
    assert not User.objects.filter(account_name="zhangsan").exists()


def test_fifty_a_is_not_a_real_name(env):
    text = real_name(env, "A" * 50)
    assert "does not look like a person&#x27;s name" in text
    assert not IdentityVerification.objects.exists()
    text = real_name(env, "王五")
    assert IdentityVerification.objects.get().real_name == "王五"


def test_the_messages_name_the_field_in_chinese(env):
    data = staff_form(env, display_name="\u202e三张")
    text = page(env.clients.owner.post(reverse("staff:add"), data, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "显示名称包含无法显示的字符。请删除控制字符和文字方向标记。" in text
