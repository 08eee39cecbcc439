"""Org-chart pages (R-3 … R-6): who reaches them, forms, error messages and query counts."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.services.staff import staff_offboard
from orgchart.models import Department, Position
from orgchart.services import department_create, position_create
from tests.factories import StaffFactory
from tests.personas import catalogue, fresh

pytestmark = pytest.mark.django_db

PAGES_WITHOUT_PK = ["orgchart:tree", "orgchart:department_add", "orgchart:positions", "orgchart:position_add"]


def pages_of(department, position):
    """Every org-chart URL about one department or position, with whether it answers GET."""
    return [
        (reverse("orgchart:department_edit", args=[department.pk]), True),
        (reverse("orgchart:department_delete", args=[department.pk]), True),
        (reverse("orgchart:position_edit", args=[position.pk]), True),
        (reverse("orgchart:position_delete", args=[position.pk]), False),
    ]


def all_pages(org):
    return [reverse(name) for name in PAGES_WITHOUT_PK] + [url for url, _ in pages_of(org.west, org.publisher)]


def tree_shape(tenant):
    return sorted((d.path, d.level) for d in Department.objects.filter(tenant=tenant))


def position_names(tenant):
    return sorted(Position.objects.filter(tenant=tenant).values_list("name", flat=True))


# --- who reaches the pages ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, org):
    for url in all_pages(org):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("persona", ["plain_staff", "east_admin", "other_tenant_staff"])
def test_staff_accounts_get_403_on_every_org_chart_page(request, client, owner, org, persona):
    client.force_login(request.getfixturevalue(persona))
    shape = tree_shape(owner.tenant)

    for url in all_pages(org):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Hacked"}).status_code == 403, url

    assert tree_shape(owner.tenant) == shape
    assert position_names(owner.tenant) == ["Clerk", "Publisher"]


def test_another_tenants_departments_and_positions_do_not_exist_for_an_owner(client, owner, org, other_owner):
    client.force_login(other_owner)
    shape = tree_shape(owner.tenant)
    missing = pages_of(Department(pk=999_999), Position(pk=999_999))

    for (url, answers_get), (missing_url, _) in zip(pages_of(org.west, org.publisher), missing):
        assert client.post(url, {"name": "Hacked", "permissions": []}).status_code == 404, url
        if answers_get:
            assert client.get(url).status_code == 404, url
        else:  # POST-only: GET is refused alike for a real and a made-up position
            assert client.get(url).status_code == client.get(missing_url).status_code == 405, url

    assert tree_shape(owner.tenant) == shape
    assert position_names(owner.tenant) == ["Clerk", "Publisher"]
    assert not AuditEntry.objects.filter(actor=other_owner, action__startswith="department.").exists()


def test_another_tenants_tree_and_positions_are_not_listed(client, org, other_owner, other_org):
    client.force_login(other_owner)

    tree = client.get(reverse("orgchart:tree"))
    positions = client.get(reverse("orgchart:positions"))

    assert [d.path for d in tree.context["roots"]] == ["Globex HQ"]
    assert "Sales" not in tree.content.decode()
    assert [p.name for p in positions.context["positions"]] == ["Globex Clerk"]


# --- the tree page -----------------------------------------------------------------------------


def test_the_tree_shows_every_department_with_staff_counts_and_admins(
    owner_client, owner, org, east_admin, east_one_staff, west_staff
):
    staff_offboard(actor=owner, staff=west_staff)

    response = owner_client.get(reverse("orgchart:tree"))

    body = response.content.decode()
    for path in ("Sales", "Sales/East", "Sales/East/East One", "Sales/West", "Ops"):
        assert f'data-department="{path}"' in body
    nodes = {d.path: d for d in _walk(response.context["roots"])}
    assert (nodes["Sales/East"].staff_count, nodes["Sales/East"].subtree_count) == (1, 2)
    assert (nodes["Sales"].staff_count, nodes["Sales"].subtree_count) == (0, 2)  # resigned not counted
    assert nodes["Sales/East"].admin_names == ["East Admin"]
    assert "5 departments" in body


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.nodes)


def test_third_level_departments_offer_no_sub_department_link(owner_client, org):
    body = owner_client.get(reverse("orgchart:tree")).content.decode()

    assert f"?parent={org.east.pk}" in body
    assert f"?parent={org.east_one.pk}" not in body


@pytest.mark.parametrize("rows", [5, 30])
def test_tree_queries_do_not_grow_with_departments(owner_client, owner, rows, django_assert_max_num_queries):
    parents = [None]
    for i in range(rows):
        parent = parents[i % len(parents)]
        department = department_create(actor=owner, tenant=owner.tenant, name=f"Dept {i}", parent=parent)
        if fresh(department).level < 2:
            parents.append(department)
        StaffFactory(tenant=owner.tenant, department=department, is_department_admin=i % 3 == 0)

    with django_assert_max_num_queries(6):
        response = owner_client.get(reverse("orgchart:tree"))
    assert response.context["department_count"] == rows


# --- adding, editing and deleting departments --------------------------------------------------


def test_adding_a_department_through_the_page(owner_client, owner, org):
    response = owner_client.post(reverse("orgchart:department_add"), {"name": " South ", "parent": org.sales.pk})

    assert response.status_code == 302 and response["Location"] == reverse("orgchart:tree")
    assert Department.objects.get(tenant=owner.tenant, name="South").path == "Sales/South"


def test_the_add_form_preselects_the_parent_from_the_link(owner_client, org):
    response = owner_client.get(reverse("orgchart:department_add"), {"parent": org.east.pk})

    assert str(response.context["form"]["parent"].value()) == str(org.east.pk)


def test_the_add_form_preselects_a_third_level_parent_and_says_it_is_full(owner_client, org):
    """``?parent=`` of a third-level department once fell back silently to the top level."""
    response = owner_client.get(reverse("orgchart:department_add"), {"parent": org.east_one.pk})

    assert str(response.context["form"]["parent"].value()) == str(org.east_one.pk)
    body = response.content.decode()
    assert f'<option value="{org.east_one.pk}" selected>Sales/East/East One (third level: no sub-department possible)</option>' in body


def test_the_tree_adds_staff_from_a_department_row_and_folds_its_branches(owner_client, org):
    body = owner_client.get(reverse("orgchart:tree")).content.decode()
    assert f'href="{reverse("staff:add")}?department={org.east.pk}"' in body
    assert '<details class="branch" open>' in body and "<summary>2 sub-departments</summary>" in body

    form = owner_client.get(reverse("staff:add"), {"department": org.east.pk}).context["form"]
    assert str(form["department"].value()) == str(org.east.pk)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "East", "parent": "sales"}, "name", "already exists at this place"),
        ({"name": "Ops"}, "name", "already exists at this place"),
        ({"name": "Too Deep", "parent": "east_one"}, "parent", "at most 3 levels deep"),
        ({"name": "Spy", "parent": "other"}, "parent", "Select a valid choice"),
    ],
)
def test_bad_department_input_is_shown_next_to_the_field_and_stores_nothing(owner_client, owner, org, other_org, data, field, message):
    shape = tree_shape(owner.tenant)
    parents = {"sales": org.sales.pk, "east_one": org.east_one.pk, "other": other_org.hq.pk}
    data = {**data, "parent": parents.get(data.get("parent"), "")}

    response = owner_client.post(reverse("orgchart:department_add"), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'data-field="{field}"' in response.content.decode()
    assert tree_shape(owner.tenant) == shape
    assert Department.objects.filter(tenant=other_org.hq.tenant).count() == 1


def test_editing_a_department_renames_moves_and_sets_admins(owner_client, owner, org, plain_staff, east_admin):
    url = reverse("orgchart:department_edit", args=[org.east.pk])

    response = owner_client.post(url, {"name": "East China", "parent": org.ops.pk, "admins": [plain_staff.pk]})

    assert response.status_code == 302
    assert fresh(org.east_one).path == "Ops/East China/East One"
    assert not fresh(east_admin).is_department_admin and fresh(plain_staff).is_department_admin
    assert set(fresh(org.east_one).admin_group.user_set.values_list("account_name", flat=True)) == {"plain_staff"}
    actions = set(AuditEntry.objects.filter(target_id=str(org.east.pk)).values_list("action", flat=True))
    assert {"department.rename", "department.move", "department.set_admins"} <= actions


def test_the_edit_form_offers_no_parent_inside_the_department_itself(owner_client, org):
    response = owner_client.get(reverse("orgchart:department_edit", args=[org.sales.pk]))

    offered = {d.pk for d in response.context["form"].fields["parent"].queryset}
    assert offered == {org.ops.pk}

    posted = owner_client.post(
        reverse("orgchart:department_edit", args=[org.sales.pk]), {"name": "Sales", "parent": org.east.pk}
    )
    assert "Select a valid choice" in " ".join(posted.context["form"].errors["parent"])


def test_an_edit_that_breaks_the_depth_limit_changes_nothing(owner_client, owner, org):
    shape = tree_shape(owner.tenant)

    response = owner_client.post(
        reverse("orgchart:department_edit", args=[org.sales.pk]), {"name": "Sales Renamed", "parent": org.ops.pk}
    )

    assert response.status_code == 200
    assert "deeper than 3 levels" in " ".join(response.context["form"].errors["parent"])
    assert tree_shape(owner.tenant) == shape  # the rename did not land either


def test_deleting_a_department_that_is_not_empty_says_why(owner_client, org, west_staff):
    response = owner_client.post(reverse("orgchart:department_delete", args=[org.sales.pk]), follow=True)

    body = response.content.decode()
    assert "Sales cannot be deleted" in body and "2 sub-departments" in body
    assert Department.objects.filter(pk=org.sales.pk).exists()

    response = owner_client.post(reverse("orgchart:department_delete", args=[org.west.pk]), follow=True)
    assert "1 staff account" in response.content.decode()


def test_deleting_an_empty_department_through_the_page(owner_client, org):
    confirm = owner_client.get(reverse("orgchart:department_delete", args=[org.ops.pk]))
    assert confirm.status_code == 200 and "Ops" in confirm.content.decode()

    response = owner_client.post(reverse("orgchart:department_delete", args=[org.ops.pk]))

    assert response.status_code == 302
    assert not Department.objects.filter(pk=org.ops.pk).exists()


# --- positions ---------------------------------------------------------------------------------


def test_the_positions_page_lists_permissions_and_holders(owner_client, owner, org, plain_staff, east_one_staff, west_staff):
    staff_offboard(actor=owner, staff=west_staff)

    response = owner_client.get(reverse("orgchart:positions"))

    positions = {p.name: p for p in response.context["positions"]}
    assert positions["Clerk"].holders == 2
    assert positions["Publisher"].holders == 0  # resigned holders are not counted
    assert set(positions["Publisher"].labels) == {"View campaigns only", "Publish campaigns"}
    row = response.content.decode().split('data-position="Publisher"')[1].split("</tr>")[0]
    assert "View campaigns only" in row and "Publish campaigns" in row


@pytest.mark.parametrize("rows", [5, 30])
def test_positions_queries_do_not_grow_with_rows(owner_client, owner, rows, django_assert_max_num_queries):
    for i in range(rows):
        position = position_create(
            actor=owner, tenant=owner.tenant, name=f"Position {i}",
            permissions=catalogue("view_campaigns", "review_enrollments"),
        )
        StaffFactory(tenant=owner.tenant, position=position)

    with django_assert_max_num_queries(5):
        response = owner_client.get(reverse("orgchart:positions"))
    assert len(response.context["positions"]) == rows


def test_adding_and_editing_a_position_through_the_page(owner_client, owner):
    perms = catalogue("review_enrollments", "view_effect_data")

    response = owner_client.post(
        reverse("orgchart:position_add"),
        {"name": "Reviewer", "description": "Checks products", "permissions": [p.pk for p in perms]},
    )

    assert response.status_code == 302
    position = Position.objects.get(tenant=owner.tenant, name="Reviewer")
    assert set(position.permissions.values_list("codename", flat=True)) == {"review_enrollments", "view_effect_data"}

    owner_client.post(
        reverse("orgchart:position_edit", args=[position.pk]),
        {"name": "Reviewer", "description": "", "permissions": [perms[0].pk]},
    )
    assert set(fresh(position).permissions.values_list("codename", flat=True)) == {perms[0].codename}


@pytest.mark.parametrize(
    "name, field, message",
    [
        ("", "name", "This field is required."),
        ("Clerk", None, "already exists"),
    ],
)
def test_bad_position_input_is_shown_and_stores_nothing(owner_client, owner, org, name, field, message):
    response = owner_client.post(reverse("orgchart:position_add"), {"name": name, "description": "x"})

    assert response.status_code == 200
    errors = response.context["form"].errors[field] if field else response.context["form"].non_field_errors()
    assert message in " ".join(errors)
    assert message in response.content.decode()
    assert position_names(owner.tenant) == ["Clerk", "Publisher"]


def test_a_permission_outside_the_catalogue_is_not_a_choice(owner_client, owner):
    from django.contrib.auth.models import Permission

    outside = Permission.objects.get(codename="add_user")

    response = owner_client.post(reverse("orgchart:position_add"), {"name": "Sneaky", "permissions": [outside.pk]})

    assert "permissions" in response.context["form"].errors
    assert not Position.objects.filter(name="Sneaky").exists()


def test_deleting_positions_through_the_page(owner_client, owner, org, west_staff):
    held = owner_client.post(reverse("orgchart:position_delete", args=[org.publisher.pk]), follow=True)
    assert "Publisher cannot be deleted" in held.content.decode()
    assert Position.objects.filter(pk=org.publisher.pk).exists()

    unused = position_create(actor=owner, tenant=owner.tenant, name="Unused")
    owner_client.post(reverse("orgchart:position_delete", args=[unused.pk]))
    assert not Position.objects.filter(pk=unused.pk).exists()
    assert owner_client.get(reverse("orgchart:position_delete", args=[org.clerk.pk])).status_code == 405


def test_renaming_a_position_through_its_page_is_audited_with_old_and_new_values(owner_client, owner, org):
    """The bound ModelForm wrote the new name into the instance before the service read "before":
    the change looked like no change and went unrecorded (issue 15)."""
    from accounts.models import AuditEntry

    position = org.clerk
    codes = list(position.permissions.values_list("pk", flat=True))

    response = owner_client.post(
        reverse("orgchart:position_edit", args=[position.pk]),
        {"name": "Senior clerk", "description": position.description, "permissions": codes},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="position.update").latest("created_at")
    assert entry.before["name"] == "Clerk" and entry.after["name"] == "Senior clerk"
