"""Org-chart services: departments (R-3, R-4), department admins (R-5) and positions (R-6)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEntry, User
from accounts.services.staff import staff_offboard, staff_update
from orgchart import services
from orgchart.management.commands.check_tree import tree_problems
from orgchart.models import Department, Position
from tests.personas import catalogue, fresh, hire

pytestmark = pytest.mark.django_db


def paths(tenant):
    return sorted(d.path for d in Department.objects.filter(tenant=tenant))


def admins_of(department):
    """Account names in the department's admin group, read from the database."""
    group = fresh(department).admin_group
    return set(group.user_set.values_list("account_name", flat=True))


def last_entry(action):
    return AuditEntry.objects.filter(action=action).latest("id")


# --- creating ----------------------------------------------------------------------------------


def test_departments_nest_three_levels_deep(owner):
    sales = services.department_create(actor=owner, tenant=owner.tenant, name="Sales")
    east = services.department_create(actor=owner, tenant=owner.tenant, name="East", parent=sales)
    east_one = services.department_create(actor=owner, tenant=owner.tenant, name="East One", parent=east)

    assert [fresh(d).level for d in (sales, east, east_one)] == [0, 1, 2]
    assert fresh(east_one).path == "Sales/East/East One"
    assert fresh(east_one).parent == east
    assert tree_problems() == []


def test_a_fourth_level_is_refused_with_the_limit_in_the_message(owner, org):
    with pytest.raises(ValidationError) as excinfo:
        services.department_create(actor=owner, tenant=owner.tenant, name="Too Deep", parent=org.east_one)

    assert "at most 3 levels deep" in " ".join(excinfo.value.message_dict["parent"])
    assert not Department.objects.filter(name="Too Deep").exists()


@pytest.mark.parametrize("where", ["top level", "under Sales"])
def test_sibling_names_are_unique(owner, org, where):
    parent = None if where == "top level" else org.sales
    taken = "Ops" if parent is None else "East"
    before = paths(owner.tenant)

    with pytest.raises(ValidationError) as excinfo:
        services.department_create(actor=owner, tenant=owner.tenant, name=taken, parent=parent)

    assert "already exists at this place" in " ".join(excinfo.value.message_dict["name"])
    assert paths(owner.tenant) == before


def test_the_same_name_may_sit_under_different_parents(owner, org):
    services.department_create(actor=owner, tenant=owner.tenant, name="Team A", parent=org.east)
    services.department_create(actor=owner, tenant=owner.tenant, name="Team A", parent=org.west)
    services.department_create(actor=owner, tenant=owner.tenant, name="East")  # East also exists under Sales

    assert {"Sales/East/Team A", "Sales/West/Team A", "East"} <= set(paths(owner.tenant))


def test_another_tenant_may_use_the_same_top_level_name(owner, other_owner, org):
    services.department_create(actor=other_owner, tenant=other_owner.tenant, name="Sales")

    assert Department.objects.filter(name="Sales").count() == 2


def test_a_parent_from_another_tenant_is_refused(owner, org, other_org):
    with pytest.raises(ValidationError) as excinfo:
        services.department_create(actor=owner, tenant=owner.tenant, name="Spy", parent=other_org.hq)

    assert "your own organisation" in " ".join(excinfo.value.message_dict["parent"])
    assert not Department.objects.filter(name="Spy").exists()


# --- renaming ----------------------------------------------------------------------------------


def test_rename_changes_the_name_and_is_audited(owner, org):
    services.department_rename(actor=owner, department=org.east, name="East China")

    assert fresh(org.east_one).path == "Sales/East China/East One"
    entry = last_entry("department.rename")
    assert entry.before == {"name": "East"} and entry.after == {"name": "East China"}
    assert entry.actor == owner and entry.tenant == owner.tenant


def test_rename_to_a_siblings_name_is_refused(owner, org):
    with pytest.raises(ValidationError) as excinfo:
        services.department_rename(actor=owner, department=org.west, name="East")

    assert "already exists at this place" in " ".join(excinfo.value.message_dict["name"])
    assert fresh(org.west).name == "West"


# --- moving ------------------------------------------------------------------------------------


def test_a_move_carries_the_whole_subtree(owner, org, east_one_staff):
    services.department_move(actor=owner, department=org.east, new_parent=org.ops)

    east, east_one = fresh(org.east), fresh(org.east_one)
    assert east.parent == org.ops and east.path == "Ops/East"
    assert east_one.path == "Ops/East/East One" and east_one.level == 2
    assert fresh(east_one_staff).department == east_one  # staff stay with their department
    assert set(fresh(org.sales).get_children().values_list("name", flat=True)) == {"West"}
    assert tree_problems() == []
    entry = last_entry("department.move")
    assert entry.before == {"path": "Sales/East"} and entry.after == {"path": "Ops/East"}


@pytest.mark.parametrize(
    "moving, target",
    [
        ("sales", "ops"),  # three levels under a top-level department would make four
        ("east", "west"),  # East + East One under a second-level department would make four
    ],
)
def test_a_move_that_would_break_the_depth_limit_is_refused(owner, org, moving, target):
    before = paths(owner.tenant)

    with pytest.raises(ValidationError) as excinfo:
        services.department_move(actor=owner, department=getattr(org, moving), new_parent=getattr(org, target))

    assert "deeper than 3 levels" in " ".join(excinfo.value.message_dict["parent"])
    assert paths(owner.tenant) == before
    assert not AuditEntry.objects.filter(action="department.move").exists()


@pytest.mark.parametrize("target", ["sales", "east", "east_one"])
def test_a_department_cannot_move_under_itself_or_its_own_descendants(owner, org, target):
    before = paths(owner.tenant)

    with pytest.raises(ValidationError) as excinfo:
        services.department_move(actor=owner, department=org.sales, new_parent=getattr(org, target))

    assert "under itself or one of its own sub-departments" in " ".join(excinfo.value.message_dict["parent"])
    assert paths(owner.tenant) == before
    assert tree_problems() == []


def test_a_department_can_move_to_the_top_level(owner, org):
    services.department_move(actor=owner, department=org.east, new_parent=None)

    east, east_one = fresh(org.east), fresh(org.east_one)
    assert east.parent is None and east.level == 0 and east.path == "East"
    assert east_one.level == 1 and east_one.path == "East/East One"
    assert tree_problems() == []


def test_a_move_into_a_name_clash_is_refused(owner, org):
    services.department_create(actor=owner, tenant=owner.tenant, name="West", parent=org.ops)

    with pytest.raises(ValidationError) as excinfo:
        services.department_move(actor=owner, department=org.west, new_parent=org.ops)

    assert "already exists at this place" in " ".join(excinfo.value.message_dict["name"])
    assert fresh(org.west).parent == org.sales


def test_a_move_under_another_tenants_department_is_refused(owner, org, other_org):
    with pytest.raises(ValidationError) as excinfo:
        services.department_move(actor=owner, department=org.west, new_parent=other_org.hq)

    assert "your own organisation" in " ".join(excinfo.value.message_dict["parent"])
    assert fresh(org.west).parent == org.sales
    assert tree_problems() == []


def test_department_update_is_all_or_nothing(owner, org):
    """Rename and an impossible move in one edit: the rename does not land alone."""
    with pytest.raises(ValidationError):
        services.department_update(
            actor=owner, department=org.sales, name="Sales Renamed", parent=org.east_one, admins=[]
        )

    assert fresh(org.sales).name == "Sales"
    assert not AuditEntry.objects.filter(action="department.rename").exists()


# --- deleting ----------------------------------------------------------------------------------


def test_delete_is_refused_while_sub_departments_exist_and_says_which(owner, org):
    with pytest.raises(ValidationError) as excinfo:
        services.department_delete(actor=owner, department=org.sales)

    message = " ".join(excinfo.value.messages)
    assert "Sales cannot be deleted" in message
    assert "2 sub-departments" in message and "East" in message and "West" in message
    assert Department.objects.filter(pk=org.sales.pk).exists()


def test_delete_is_refused_while_staff_belong_to_it_but_resigned_ones_do_not_count(owner, org, west_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.department_delete(actor=owner, department=org.west)

    message = " ".join(excinfo.value.messages)
    assert "1 staff account" in message
    assert west_staff.label in message
    assert "sub-department" not in message
    assert Department.objects.filter(pk=org.west.pk).exists()

    staff_offboard(actor=owner, staff=west_staff)
    services.department_delete(actor=owner, department=org.west)

    assert not Department.objects.filter(pk=org.west.pk).exists()
    west_staff.refresh_from_db()
    assert west_staff.department is None and west_staff.status == west_staff.Status.RESIGNED
    assert last_entry("department.delete").before["resigned_staff"] == [west_staff.account_name]


def test_an_empty_department_is_deleted_with_its_scope_groups(owner, org):
    admin_group_id = org.west.admin_group_id

    services.department_delete(actor=owner, department=org.west)

    assert not Department.objects.filter(pk=org.west.pk).exists()
    assert not Group.objects.filter(pk=admin_group_id).exists()
    assert paths(owner.tenant) == ["Ops", "Sales", "Sales/East", "Sales/East/East One"]
    assert tree_problems() == []
    entry = last_entry("department.delete")
    assert entry.before == {"path": "Sales/West"} and entry.actor == owner


def test_creating_a_department_is_audited(owner, org):
    services.department_create(actor=owner, tenant=owner.tenant, name="South", parent=org.sales)

    entry = last_entry("department.create")
    assert entry.after == {"name": "South", "parent": "Sales"}
    assert entry.actor == owner and entry.tenant == owner.tenant and entry.target_label == "South"


# --- who may change the org chart --------------------------------------------------------------

ORG_WRITES = {
    "create": lambda actor, org: services.department_create(actor=actor, tenant=org.sales.tenant, name="X"),
    "rename": lambda actor, org: services.department_rename(actor=actor, department=org.west, name="X"),
    "move": lambda actor, org: services.department_move(actor=actor, department=org.west, new_parent=org.ops),
    "delete": lambda actor, org: services.department_delete(actor=actor, department=org.west),
    "set_admins": lambda actor, org: services.department_set_admins(actor=actor, department=org.west, admins=[]),
    "position_create": lambda actor, org: services.position_create(actor=actor, tenant=org.sales.tenant, name="X"),
    "position_update": lambda actor, org: services.position_update(actor=actor, position=org.clerk, name="X"),
    "position_delete": lambda actor, org: services.position_delete(actor=actor, position=org.publisher),
}


@pytest.mark.parametrize("persona", ["east_admin", "plain_staff", "other_owner", "operator"])
@pytest.mark.parametrize("write", list(ORG_WRITES))
def test_only_the_tenants_main_account_changes_the_org_chart(request, owner, org, persona, write):
    actor = request.getfixturevalue(persona)
    entries = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        ORG_WRITES[write](actor, org)

    assert paths(owner.tenant) == ["Ops", "Sales", "Sales/East", "Sales/East/East One", "Sales/West"]
    assert sorted(Position.objects.filter(tenant=owner.tenant).values_list("name", flat=True)) == [
        "Clerk",
        "Publisher",
    ]
    assert AuditEntry.objects.count() == entries


# --- department admins: each admin group holds the admins at or above it (R-5) -----------------


def test_admin_groups_hold_the_admins_at_or_above_each_department(org, sales_admin, east_admin, plain_staff):
    assert admins_of(org.sales) == {"sales_admin"}
    assert admins_of(org.east) == {"sales_admin", "east_admin"}
    assert admins_of(org.east_one) == {"sales_admin", "east_admin"}
    assert admins_of(org.west) == {"sales_admin"}
    assert admins_of(org.ops) == set()


def test_set_admins_rewrites_the_groups_and_is_audited(owner, org, east_admin, plain_staff):
    services.department_set_admins(actor=owner, department=org.east, admins=[plain_staff])

    assert fresh(east_admin).is_department_admin is False
    assert fresh(plain_staff).is_department_admin is True
    assert admins_of(org.east) == {"plain_staff"}
    assert admins_of(org.east_one) == {"plain_staff"}
    entry = last_entry("department.set_admins")
    assert entry.before == {"admins": ["east_admin"]} and entry.after == {"admins": ["plain_staff"]}


def test_admins_must_belong_to_the_department(owner, org, east_admin, west_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.department_set_admins(actor=owner, department=org.east, admins=[west_staff])

    assert "must be staff of that department" in " ".join(excinfo.value.message_dict["admins"])
    assert fresh(west_staff).is_department_admin is False
    assert admins_of(org.east) == {"east_admin"}


def test_a_department_may_have_several_admins(owner, org, east_admin, plain_staff):
    services.department_set_admins(actor=owner, department=org.east, admins=[east_admin, plain_staff])

    assert admins_of(org.east_one) == {"east_admin", "plain_staff"}


def test_flipping_the_admin_flag_in_staff_update_rewrites_the_groups(owner, org, east_admin, plain_staff):
    def update(staff, **changes):
        values = {
            "display_name": staff.display_name,
            "mobile": staff.mobile,
            "department": staff.department,
            "position": staff.position,
            "is_department_admin": staff.is_department_admin,
        }
        staff_update(actor=owner, staff=staff, **{**values, **changes})

    update(plain_staff, is_department_admin=True)
    update(east_admin, is_department_admin=False)
    assert admins_of(org.east) == {"plain_staff"}
    assert admins_of(org.east_one) == {"plain_staff"}

    update(fresh(plain_staff), department=org.west)  # an admin moved to West oversees West only
    assert admins_of(org.east) == set()
    assert admins_of(org.west) == {"plain_staff"}


def test_moving_a_department_moves_who_oversees_it(owner, org, sales_admin, east_admin, ops_staff):
    services.department_set_admins(actor=owner, department=org.ops, admins=[ops_staff])
    assert admins_of(org.east_one) == {"sales_admin", "east_admin"}

    services.department_move(actor=owner, department=org.east, new_parent=org.ops)

    assert admins_of(org.east) == {"ops_staff", "east_admin"}
    assert admins_of(org.east_one) == {"ops_staff", "east_admin"}
    assert admins_of(org.sales) == {"sales_admin"}


def test_an_offboarded_admin_leaves_every_admin_group(owner, org, sales_admin, east_admin):
    staff_offboard(actor=owner, staff=sales_admin)

    assert admins_of(org.sales) == set()
    assert admins_of(org.east) == {"east_admin"}
    assert admins_of(org.west) == set()


def test_new_departments_start_with_the_admins_above_them(owner, org, east_admin):
    team = services.department_create(actor=owner, tenant=owner.tenant, name="Team", parent=org.east)

    assert admins_of(team) == {"east_admin"}


# --- positions (R-6) ---------------------------------------------------------------------------


def test_position_create_update_delete_are_audited(owner):
    position = services.position_create(
        actor=owner, tenant=owner.tenant, name="Reviewer", description="Checks products",
        permissions=catalogue("review_enrollments"),
    )
    assert last_entry("position.create").after == {
        "name": "Reviewer",
        "description": "Checks products",
        "requires_2fa": False,
        "permissions": ["review_enrollments"],
    }

    services.position_update(
        actor=owner, position=position, name="Senior Reviewer", description="Checks products",
        permissions=catalogue("review_enrollments", "view_effect_data"),
    )
    entry = last_entry("position.update")
    assert entry.before["name"] == "Reviewer" and entry.after["name"] == "Senior Reviewer"
    assert entry.after["permissions"] == ["review_enrollments", "view_effect_data"]

    services.position_delete(actor=owner, position=fresh(position))
    assert not Position.objects.filter(pk=position.pk).exists()
    assert last_entry("position.delete").before["name"] == "Senior Reviewer"


def test_a_held_position_cannot_be_deleted_but_resigned_holders_do_not_count(owner, org, west_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.position_delete(actor=owner, position=org.publisher)

    assert "Publisher cannot be deleted: 1 staff account holds it" in " ".join(excinfo.value.messages)
    assert Position.objects.filter(pk=org.publisher.pk).exists()

    staff_offboard(actor=owner, staff=west_staff)
    services.position_delete(actor=owner, position=org.publisher)

    assert not Position.objects.filter(pk=org.publisher.pk).exists()
    west_staff.refresh_from_db()
    assert west_staff.position is None
    assert last_entry("position.delete").before["resigned_staff"] == [west_staff.account_name]


def test_position_names_are_unique_in_the_tenant_only(owner, other_owner, org):
    with pytest.raises(ValidationError) as excinfo:
        services.position_create(actor=owner, tenant=owner.tenant, name="Clerk")
    assert "already exists" in " ".join(excinfo.value.messages)

    services.position_create(actor=other_owner, tenant=other_owner.tenant, name="Clerk")
    assert Position.objects.filter(name="Clerk").count() == 2


def test_positions_hold_catalogue_permissions_only(owner):
    from django.contrib.auth.models import Permission

    outside = Permission.objects.get(codename="add_user")

    with pytest.raises(ValidationError) as excinfo:
        services.position_create(actor=owner, tenant=owner.tenant, name="Sneaky", permissions=[outside])

    assert "catalogue only" in " ".join(excinfo.value.message_dict["permissions"])
    assert not Position.objects.filter(name="Sneaky").exists()


def test_position_and_supplementary_permissions_combine_as_a_union(owner, org):
    """'View campaigns only' from the position plus supplementary 'publish' still publishes."""
    staff = hire(owner, "lisi", org.east, org.clerk, supplementary=["publish_campaigns"])

    user = fresh(staff)
    assert user.has_perm("orgchart.view_campaigns")  # from the position
    assert user.has_perm("orgchart.publish_campaigns")  # supplementary
    assert not user.has_perm("orgchart.review_enrollments")
    assert user.get_all_permissions() == {"orgchart.view_campaigns", "orgchart.publish_campaigns"}


def test_a_change_to_a_position_reaches_its_holders_on_their_next_fetch(owner, org):
    staff = hire(owner, "lisi", org.east, org.clerk, supplementary=["publish_campaigns"])
    assert fresh(staff).has_perm("orgchart.view_campaigns")

    services.position_update(actor=owner, position=org.clerk, name="Clerk", permissions=[])

    user = fresh(staff)
    assert not user.has_perm("orgchart.view_campaigns")
    assert user.has_perm("orgchart.publish_campaigns")  # the personal grant is untouched

    services.position_update(
        actor=owner, position=org.clerk, name="Clerk", permissions=catalogue("view_effect_data")
    )
    assert fresh(staff).has_perm("orgchart.view_effect_data")


def test_staff_without_a_position_hold_only_their_supplementary_permissions(owner, org):
    staff = hire(owner, "lisi", org.east, org.clerk, supplementary=["customer_chat"])
    User.objects.filter(pk=staff.pk).update(position=None)

    assert fresh(staff).get_all_permissions() == {"orgchart.customer_chat"}


def test_the_main_account_holds_the_whole_catalogue(owner):
    assert fresh(owner).has_perm("orgchart.manage_operation_accounts")
    assert fresh(owner).has_perm("orgchart.publish_campaigns")


# --- check_tree --------------------------------------------------------------------------------


def test_check_tree_reports_a_damaged_tree_and_fails(owner, org):
    from django.core.management import CommandError, call_command

    Department.objects.filter(pk=org.east_one.pk).update(lft=100, rght=101)

    assert any("not nested inside its parent" in p for p in tree_problems())
    with pytest.raises(CommandError, match="problems found"):
        call_command("check_tree")
