"""Staff pages (R-5, R-8 … R-16): who reaches what, who sees whom, forms, filters and query counts."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Invitation, User
from accounts.services import staff as staff_services
from tests.factories import StaffFactory
from tests.personas import catalogue, fresh, hire, next_mobile, sms_code_for, token_of

pytestmark = pytest.mark.django_db

ACTIONS = ["disable", "enable", "offboard", "revoke", "resend"]
PAGES_WITHOUT_PK = ["staff:list", "staff:resigned", "staff:add"]
OWNER_PAGES_WITHOUT_PK = ["staff:add"]


def pages_of(staff):
    """Every staff-management URL about one staff account, with whether it answers GET."""
    pk = staff.pk
    return [
        (reverse("staff:detail", args=[pk]), True),
        (reverse("staff:permissions", args=[pk]), True),
        (reverse("staff:edit", args=[pk]), True),
        (reverse("staff:rebind", args=[pk]), True),
        (reverse("staff:hand_over", args=[pk]), True),
        *[(reverse("staff:action", args=[pk, action]), False) for action in ACTIONS],
    ]


def listed(response):
    """Account names on the current list page."""
    return {s.account_name for s in response.context["page_obj"].object_list}


@pytest.fixture
def everyone(org, sales_admin, east_admin, plain_staff, east_one_staff, west_staff, ops_staff, other_tenant_staff):
    """Build every persona of both tenants."""


ACME_STAFF = {"sales_admin", "east_admin", "plain_staff", "east_one_staff", "west_staff", "ops_staff"}
EAST_SUBTREE = {"east_admin", "plain_staff", "east_one_staff"}


# --- who reaches the pages ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, west_staff):
    urls = [reverse(name) for name in PAGES_WITHOUT_PK] + [url for url, _ in pages_of(west_staff)]

    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url
    assert fresh(west_staff).status == User.Status.ACTIVE


@pytest.mark.parametrize("persona", ["plain_staff", "ops_staff"])
def test_staff_without_the_admin_flag_get_403_on_every_management_page(request, client, west_staff, persona):
    client.force_login(request.getfixturevalue(persona))
    urls = [reverse(name) for name in PAGES_WITHOUT_PK] + [url for url, _ in pages_of(west_staff)]

    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert fresh(west_staff).status == User.Status.ACTIVE


def test_a_department_admin_may_look_but_not_manage(client, east_admin, east_one_staff):
    client.force_login(east_admin)

    assert client.get(reverse("staff:list")).status_code == 200
    assert client.get(reverse("staff:detail", args=[east_one_staff.pk])).status_code == 200
    for url, _ in pages_of(east_one_staff)[1:]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"display_name": "Hacked", "mobile": next_mobile()}).status_code == 403, url
    assert client.get(reverse("staff:add")).status_code == 403
    assert fresh(east_one_staff).status == User.Status.ACTIVE
    assert fresh(east_one_staff).display_name == "East One Staff"


def test_another_tenants_staff_do_not_exist_for_an_owner(client, other_owner, west_staff):
    client.force_login(other_owner)
    missing = StaffFactory.build(pk=999_999)

    for (url, answers_get), (missing_url, _) in zip(pages_of(west_staff), pages_of(missing)):
        post = client.post(url, {"display_name": "Hacked", "mobile": next_mobile(), "to_staff": west_staff.pk})
        assert post.status_code == 404, url
        if answers_get:
            assert client.get(url).status_code == 404, url
        else:  # POST-only: GET is refused alike for a real and a made-up account
            assert client.get(url).status_code == client.get(missing_url).status_code == 405, url

    west_staff_now = fresh(west_staff)
    assert west_staff_now.status == User.Status.ACTIVE and west_staff_now.display_name == "West Staff"
    assert not AuditEntry.objects.filter(actor=other_owner).exists()


# --- who sees whom: one row per persona --------------------------------------------------


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("owner", ACME_STAFF),
        ("sales_admin", ACME_STAFF - {"ops_staff"}),
        ("east_admin", EAST_SUBTREE),
        ("plain_staff", None),
        ("east_one_staff", None),
        ("other_owner", {"zhangsan"}),
        ("other_tenant_staff", None),
    ],
)
def test_staff_list_visibility_matrix(request, client, everyone, persona, visible):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("staff:list"))

    if visible is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert listed(response) == visible
        assert response.context["page_obj"].paginator.count == len(visible)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("owner", 200),
        ("sales_admin", 200),
        ("east_admin", 404),
        ("plain_staff", 403),
        ("other_owner", 404),
        ("other_tenant_staff", 403),
    ],
)
def test_staff_detail_visibility_matrix(request, client, everyone, west_staff, persona, status):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("staff:detail", args=[west_staff.pk])).status_code == status


def test_a_department_admin_sees_exactly_their_subtree(client, everyone, east_admin, west_staff, owner):
    client.force_login(east_admin)

    page = client.get(reverse("staff:list"))
    assert listed(page) == EAST_SUBTREE
    assert page.context["page_obj"].paginator.count == 3
    body = page.content.decode()
    assert "west_staff" not in body and "ops_staff" not in body

    for q in ("west", west_staff.mobile, west_staff.mobile[-4:], "West Staff"):
        search = client.get(reverse("staff:list"), {"q": q})
        assert listed(search) == set(), q
        assert search.context["page_obj"].paginator.count == 0, q
    assert listed(client.get(reverse("staff:list"), {"q": "east_one"})) == {"east_one_staff"}

    sibling_filter = client.get(reverse("staff:list"), {"department": west_staff.department_id})
    assert "west_staff" not in listed(sibling_filter)

    assert client.get(reverse("staff:detail", args=[west_staff.pk])).status_code == 404


def test_a_department_admin_sees_resigned_staff_of_their_subtree_only(client, owner, east_admin, east_one_staff, west_staff):
    staff_services.staff_offboard(actor=owner, staff=east_one_staff)
    staff_services.staff_offboard(actor=owner, staff=west_staff)
    client.force_login(east_admin)

    assert listed(client.get(reverse("staff:resigned"))) == {"east_one_staff"}


def test_a_department_admins_view_follows_a_move_of_the_tree(client, owner, org, east_admin, west_staff):
    from orgchart.services import department_move

    client.force_login(east_admin)
    assert "west_staff" not in listed(client.get(reverse("staff:list")))

    department_move(actor=owner, department=org.west, new_parent=org.east)

    assert "west_staff" in listed(client.get(reverse("staff:list")))


def test_a_department_admins_filter_offers_only_their_subtree(client, everyone, org, east_admin, west_staff):
    """The options and the scope come from one read of the tenant's departments (issue 27): the
    admin's subtree is cut from it, and nothing outside it is offered, listed or counted."""
    from tests.personas import temporary

    temporary(west_staff)  # a temporary account outside the subtree: not in its own section either
    client.force_login(east_admin)

    page = client.get(reverse("staff:list"))

    options = dict(page.context["filter_form"].fields["department"].choices)
    assert set(options) - {""} == {org.east.pk, org.east_one.pk}
    assert options[org.east_one.pk] == "Sales/East/East One"
    body = page.content.decode()
    assert "Sales/West" not in body and ">Ops<" not in body
    assert "west_staff" not in body and page.context["temporaries"] == []
    assert page.context["page_obj"].paginator.count == 3
    refused = client.get(reverse("staff:list"), {"department": org.west.pk})
    assert "west_staff" not in listed(refused) and refused.context["page_obj"].paginator.count == 3


# --- the owner's list: seats, filters ----------------------------------------------------------


def test_the_owner_sees_seats_used_of_the_quota(owner_client, everyone):
    response = owner_client.get(reverse("staff:list"))

    assert "6 of 50 seats used." in response.content.decode()


def test_seats_used_count_every_seat_whether_or_not_the_list_is_filtered(owner_client, everyone, west_staff):
    """Unfiltered, the list's own count is the seats used (one query fewer); a filter, a temporary
    account and the resigned list do not change the figure (R-11, R-20)."""
    from tests.personas import temporary

    temporary(west_staff)  # a temporary account holds no seat

    unfiltered = owner_client.get(reverse("staff:list"))
    filtered = owner_client.get(reverse("staff:list"), {"q": "east_one"})
    paged = owner_client.get(reverse("staff:list"), {"page": "1"})

    for response in (unfiltered, filtered, paged):
        assert "5 of 50 seats used." in response.content.decode()
    assert listed(filtered) == {"east_one_staff"}
    assert unfiltered.context["page_obj"].paginator.count == 5


ACTIVE_AFTER_CHANGES = {"east_admin", "plain_staff", "east_one_staff", "west_staff"}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ACTIVE_AFTER_CHANGES | {"ops_staff", "newcomer"}),  # all but resigned
        ({"department": "sales"}, ACTIVE_AFTER_CHANGES),  # sub-departments included
        ({"department": "east"}, EAST_SUBTREE),
        ({"department": "east_one"}, {"east_one_staff"}),
        ({"position": "publisher"}, {"west_staff"}),
        ({"department": "east", "position": "clerk"}, EAST_SUBTREE),
        ({"department": "west", "position": "clerk"}, set()),
        ({"q": "Plain"}, {"plain_staff"}),
        ({"q": "east"}, {"east_admin", "east_one_staff"}),
        ({"q": "612345"}, {"newcomer"}),  # part of a mobile
        ({"q": "13612345678"}, {"newcomer"}),
        ({"status": "active"}, ACTIVE_AFTER_CHANGES),
        ({"status": "pending"}, {"newcomer"}),
        ({"status": "disabled"}, {"ops_staff"}),
        ({"status": "resigned"}, {"sales_admin"}),
        ({"department": "sales", "status": "resigned"}, {"sales_admin"}),
    ],
)
def test_staff_list_filters(owner_client, owner, org, everyone, params, expected):
    staff_services.staff_add(
        actor=owner, tenant=owner.tenant, display_name="Newcomer", account_name="newcomer", mobile="13612345678",
        department=org.ops, position=org.clerk,
    )
    staff_services.staff_disable(actor=owner, staff=User.objects.get(account_name="ops_staff"))
    staff_services.staff_offboard(actor=owner, staff=User.objects.get(account_name="sales_admin"))
    query = {key: getattr(org, value).pk if key in ("department", "position") else value for key, value in params.items()}

    response = owner_client.get(reverse("staff:list"), query)

    assert listed(response) == expected


def test_the_resigned_list_shows_resigned_staff_only(owner_client, owner, everyone, west_staff):
    staff_services.staff_offboard(actor=owner, staff=west_staff)

    resigned = owner_client.get(reverse("staff:resigned"))
    active = owner_client.get(reverse("staff:list"))

    assert listed(resigned) == {"west_staff"}
    assert "west_staff" not in listed(active)


@pytest.mark.parametrize("rows", [5, 30])
def test_staff_list_queries_do_not_grow_with_rows(client, owner, org, east_admin, rows, django_assert_max_num_queries):
    for i in range(rows):
        StaffFactory(tenant=owner.tenant, department=org.east_one if i % 2 else org.west, position=org.clerk)

    client.force_login(owner)
    with django_assert_max_num_queries(7):  # the temporary accounts section included; the count rides on the page
        assert client.get(reverse("staff:list")).status_code == 200
    with django_assert_max_num_queries(8):  # one more to check the chosen department
        assert client.get(reverse("staff:list"), {"department": org.sales.pk, "q": "staff"}).status_code == 200
    client.force_login(east_admin)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("staff:list"))
    assert response.context["page_obj"].paginator.count == 1 + (rows // 2)


# --- adding and editing through the pages ------------------------------------------------------


def staff_form(org, **overrides):
    data = {
        "display_name": "Zhang San",
        "account_name": "zhangsan",
        "mobile": "13912345678",
        "department": org.east.pk,
        "position": org.clerk.pk,
        "supplementary_permissions": [p.pk for p in catalogue("publish_campaigns")],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_adding_staff_through_the_page_shows_the_invitation_link(owner_client, org):
    response = owner_client.post(reverse("staff:add"), staff_form(org), follow=True)

    staff = User.objects.get(account_name="zhangsan")
    assert response.redirect_chain[-1][0] == reverse("staff:detail", args=[staff.pk])
    assert staff.status == User.Status.PENDING and staff.username == "acme:zhangsan"
    assert set(staff.user_permissions.values_list("codename", flat=True)) == {"publish_campaigns"}
    body = response.content.decode()
    assert "http://testserver/bind/" in body and "13912345678" in body


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("mobile", "12345", "mainland China mobile"),
        ("account_name", "Zhang San!", "lower-case letters"),
        ("account_name", "west_staff", "already taken"),
        ("department", None, "This field is required."),
        ("position", None, "This field is required."),
        ("display_name", "", "This field is required."),
    ],
)
def test_bad_staff_input_is_shown_next_to_the_field_and_stores_nothing(owner_client, org, west_staff, field, value, message):
    before = User.objects.count()

    response = owner_client.post(reverse("staff:add"), staff_form(org, **{field: value}))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'data-field="{field}"' in response.content.decode()
    assert User.objects.count() == before
    assert not Invitation.objects.filter(user__account_name="zhangsan").exists()


def test_a_mobile_typed_in_full_width_digits_is_the_same_number(owner_client, org, west_staff):
    """``139０００００００１`` beside ``13900000001`` once bypassed one-person-one-account (R-19, issue 15)."""
    User.objects.filter(pk=west_staff.pk).update(mobile="13900000001")

    response = owner_client.post(reverse("staff:add"), staff_form(org, mobile="139０００００００１"))

    assert response.status_code == 200
    assert "already bound to another account" in " ".join(response.context["form"].errors["mobile"])
    assert not User.objects.filter(account_name="zhangsan").exists()


@pytest.mark.parametrize("typed", ["１３９１２３４５６７８", "139 1234 5678", "139-1234-5678", " 13912345678 "])
def test_identifiers_are_stored_in_their_plain_ascii_form(owner_client, org, typed):
    response = owner_client.post(
        reverse("staff:add"), staff_form(org, mobile=typed, account_name="ｚｈａｎｇｓａｎ")
    )

    assert response.status_code == 302
    staff = User.objects.get(kind=User.Kind.STAFF, account_name="zhangsan")
    assert staff.mobile == "13912345678" and staff.username == "acme:zhangsan"


@pytest.mark.parametrize("typed", ["ZhangSan", "ＺｈａｎｇＳａｎ", "ｚｈａｎｇｓａｎ"])
def test_an_account_name_typed_in_upper_case_or_full_width_is_stored_in_lower_case(owner_client, org, typed):
    response = owner_client.post(reverse("staff:add"), staff_form(org, account_name=typed))

    assert response.status_code == 302, response.context["form"].errors
    assert User.objects.get(kind=User.Kind.STAFF).username == "acme:zhangsan"


def test_a_department_of_another_tenant_is_not_a_valid_choice(owner_client, org, other_org):
    response = owner_client.post(reverse("staff:add"), staff_form(org, department=other_org.hq.pk))

    assert "department" in response.context["form"].errors
    assert not User.objects.filter(account_name="zhangsan").exists()


def test_a_full_quota_is_explained_on_the_form(owner_client, owner, org):
    StaffFactory.create_batch(50, tenant=owner.tenant)

    response = owner_client.post(reverse("staff:add"), staff_form(org))

    assert response.status_code == 200
    assert "exceed it by 1" in " ".join(response.context["form"].non_field_errors())
    assert not User.objects.filter(account_name="zhangsan").exists()


def test_the_add_form_says_when_departments_and_positions_are_missing(owner_client):
    response = owner_client.get(reverse("staff:add"))

    body = response.content.decode()
    assert "No department exists yet: create one in the org chart first." in body
    assert "No position exists yet: create one under Positions first." in body


def test_the_add_form_is_quiet_once_departments_and_positions_exist(owner_client, org):
    assert 'data-testid="missing-setup"' not in owner_client.get(reverse("staff:add")).content.decode()


def test_editing_staff_through_the_page(owner_client, org, plain_staff):
    data = staff_form(org, account_name="renamed", department=org.west.pk, position=org.publisher.pk,
                      mobile=plain_staff.mobile, is_department_admin="on", display_name="Plain Renamed")

    response = owner_client.post(reverse("staff:edit", args=[plain_staff.pk]), data)

    assert response.status_code == 302
    staff = fresh(plain_staff)
    assert staff.department == org.west and staff.position == org.publisher and staff.is_department_admin
    assert staff.display_name == "Plain Renamed"
    assert staff.account_name == "plain_staff" and staff.username == "acme:plain_staff"  # fixed for life


def test_a_bad_edit_is_shown_next_to_the_field_and_changes_nothing(owner_client, org, plain_staff, west_staff):
    url = reverse("staff:edit", args=[plain_staff.pk])

    response = owner_client.post(url, staff_form(org, mobile=west_staff.mobile, department=org.west.pk))

    assert "already bound" in " ".join(response.context["form"].errors["mobile"])
    assert fresh(plain_staff).department == org.east


def test_a_change_of_rights_applies_on_the_next_request_without_logging_in_again(client, owner, org, plain_staff):
    from orgchart.services import position_update

    client.force_login(plain_staff)
    assert client.get(reverse("accounts:dashboard")).context["perms"]["orgchart"]["view_campaigns"]

    position_update(actor=owner, position=org.clerk, name="Clerk", permissions=catalogue("customer_chat"))

    perms = client.get(reverse("accounts:dashboard")).context["perms"]
    assert not perms["orgchart"]["view_campaigns"] and perms["orgchart"]["customer_chat"]


# --- lifecycle buttons -------------------------------------------------------------------------


def test_lifecycle_buttons_change_the_status(owner_client, owner, org, plain_staff):
    def press(action):
        return owner_client.post(reverse("staff:action", args=[plain_staff.pk, action]), follow=True)

    press("disable")
    assert fresh(plain_staff).status == User.Status.DISABLED
    press("enable")
    assert fresh(plain_staff).status == User.Status.ACTIVE
    response = press("offboard")
    assert fresh(plain_staff).status == User.Status.RESIGNED
    assert "the account and its settings are kept" in response.content.decode()
    response = press("offboard")
    assert "already been offboarded" in response.content.decode()


def test_resend_and_revoke_buttons(owner_client, owner, org):
    staff, first_link = staff_services.staff_add(
        actor=owner, tenant=owner.tenant, display_name="Zhang San", account_name="zhangsan",
        mobile=next_mobile(), department=org.east, position=org.clerk,
    )
    url = lambda action: reverse("staff:action", args=[staff.pk, action])  # noqa: E731

    response = owner_client.post(url("resend"), follow=True)
    assert "http://testserver/bind/" in response.content.decode()
    assert Invitation.objects.filter(user=staff).count() == 2
    assert Invitation.objects.filter(user=staff).usable().count() == 1
    assert staff_services.invitation_for_token(token_of(first_link)) is None

    owner_client.post(url("revoke"))
    assert not Invitation.objects.filter(user=staff).usable().exists()


def test_an_unknown_action_is_refused(owner_client, plain_staff):
    response = owner_client.post(reverse("staff:action", args=[plain_staff.pk, "promote"]))

    assert response.status_code == 403
    assert fresh(plain_staff).status == User.Status.ACTIVE


def test_rebinding_through_the_page(owner_client, owner, west_staff):
    staff_services.staff_offboard(actor=owner, staff=west_staff)
    url = reverse("staff:rebind", args=[west_staff.pk])

    bad = owner_client.post(url, {"display_name": "Wang Wu", "mobile": "123"})
    assert "mobile" in bad.context["form"].errors
    assert fresh(west_staff).status == User.Status.RESIGNED

    owner_client.post(url, {"display_name": "Wang Wu", "mobile": "13612345678"})
    staff = fresh(west_staff)
    assert staff.status == User.Status.PENDING and staff.mobile == "13612345678"


def test_rebinding_asks_for_the_department_and_position_deleted_while_offboarded(owner_client, owner, org, west_staff):
    from orgchart.services import department_delete, position_delete

    staff_services.staff_offboard(actor=owner, staff=west_staff)
    department_delete(actor=owner, department=org.west)
    position_delete(actor=owner, position=org.publisher)
    url = reverse("staff:rebind", args=[west_staff.pk])

    missing = owner_client.post(url, {"display_name": "Wang Wu", "mobile": "13612345678"})
    assert {"department", "position"} <= set(missing.context["form"].errors)
    assert fresh(west_staff).status == User.Status.RESIGNED

    owner_client.post(url, {"display_name": "Wang Wu", "mobile": "13612345678", "department": org.east.pk, "position": org.clerk.pk})
    staff = fresh(west_staff)
    assert (staff.status, staff.department, staff.position) == (User.Status.PENDING, org.east, org.clerk)


def test_hand_over_page_refuses_another_tenants_staff(owner_client, west_staff, plain_staff, other_tenant_staff):
    url = reverse("staff:hand_over", args=[west_staff.pk])

    response = owner_client.post(url, {"to_staff": other_tenant_staff.pk})

    assert "to_staff" in response.context["form"].errors
    assert not AuditEntry.objects.filter(action="staff.hand_over").exists()

    assert owner_client.post(url, {"to_staff": plain_staff.pk}).status_code == 302
    assert AuditEntry.objects.filter(action="staff.hand_over").exists()


# --- permission preview (R-8) ------------------------------------------------------------------


def test_permission_preview_names_each_source_and_the_data_scope(owner_client, owner, org):
    staff = hire(owner, "lisi", org.east, org.clerk, supplementary=["view_campaigns", "publish_campaigns"])

    response = owner_client.get(reverse("staff:permissions", args=[staff.pk]))

    rows = {entry.code: sources for entry, sources in response.context["permissions"]}
    assert rows == {
        "view_campaigns": ["Position Clerk", "Supplementary"],
        "publish_campaigns": ["Supplementary"],
    }
    body = response.content.decode()
    assert 'data-permission="view_campaigns"' in body and "Position Clerk; Supplementary" in body
    assert 'data-permission="review_enrollments"' not in body
    assert "Own items only" in body


def test_permission_preview_of_a_department_admin_describes_the_subtree(owner_client, east_admin):
    response = owner_client.get(reverse("staff:permissions", args=[east_admin.pk]))

    scope = response.context["scope"]
    assert "As admin of Sales/East" in scope and "its 1 sub-departments" in scope
    assert scope in response.content.decode()


def test_permission_preview_of_an_account_without_rights(owner_client, owner, org):
    from orgchart.services import position_create

    bare = position_create(actor=owner, tenant=owner.tenant, name="Bare")
    staff = hire(owner, "lisi", org.east, bare)

    response = owner_client.get(reverse("staff:permissions", args=[staff.pk]))

    assert response.context["permissions"] == []
    assert "holds no permission" in response.content.decode()


# --- binding page (R-12) -----------------------------------------------------------------------


def test_the_binding_page_sets_the_password_without_a_login(client, owner, org):
    staff, link = staff_services.staff_add(
        actor=owner, tenant=owner.tenant, display_name="Zhang San", account_name="zhangsan",
        mobile=next_mobile(), department=org.east, position=org.clerk,
    )

    assert client.get(link).status_code == 200
    mismatch = client.post(link, {"password1": "Fresh-password-88", "password2": "Other-password-88"})
    assert "differ" in " ".join(mismatch.context["form"].errors["password2"])
    assert fresh(staff).status == User.Status.PENDING

    client.post(link, {"send_code": "1"})
    code = sms_code_for(staff)
    response = client.post(link, {"code": code, "password1": "Fresh-password-88", "password2": "Fresh-password-88"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert fresh(staff).status == User.Status.ACTIVE

    used = client.get(link)
    assert used.status_code == 404 and "Invitation not valid" in used.content.decode()


def test_an_unknown_binding_token_is_not_found(client):
    assert client.get(reverse("accounts:bind", args=["no-such-token"])).status_code == 404
