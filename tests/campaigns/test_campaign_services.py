"""Publishing and editing campaigns (R-23, R-24): rights, validation, audit, and how scope,
department moves, admin flags and staff moves change who sees a campaign without rewriting grants."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEntry, User
from accounts.services.staff import staff_update
from campaigns import services
from campaigns.models import (
    Campaign,
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
)
from campaigns.visibility import campaigns_visible_to, products_visible_to
from orgchart.services import department_move


def fresh(user):
    """Re-read an account: the admin flag, department and cached rights live on the instance."""
    return User.objects.get(pk=user.pk)


def sees(world, name, obj):
    user = world.owner if name == "owner" else fresh(getattr(world, name))
    selector = campaigns_visible_to if isinstance(obj, Campaign) else products_visible_to
    return selector(user).filter(pk=obj.pk).exists()


def grant_rows():
    """Every grant row, so a test can show that an org-chart change rewrote none of them."""
    return {
        model.__name__: set(model.objects.values_list("pk", "content_object_id", "permission_id", field))
        for model, field in (
            (CampaignUserObjectPermission, "user_id"),
            (CampaignGroupObjectPermission, "group_id"),
            (ContactPersonUserObjectPermission, "user_id"),
            (ContactPersonGroupObjectPermission, "group_id"),
        )
    }


def fields(**overrides):
    today = timezone.localdate()
    data = {
        "title": "Spring sale",
        "description": "",
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=30),
        "commission_rate": Decimal("20"),
        "service_fee_rate": Decimal("5"),
        "review_mode": Campaign.ReviewMode.MANUAL,
        "contact_person": None,
        "scope_whole_tenant": True,
    }
    data.update(overrides)
    return data


def move_staff(world, staff, *, department=None, admin=None):
    """Call ``staff_update`` the way the edit page does, changing only department or admin flag."""
    staff = fresh(staff)
    return staff_update(
        actor=world.owner,
        staff=staff,
        display_name=staff.display_name,
        mobile=staff.mobile,
        department=department or staff.department,
        position=staff.position,
        is_department_admin=staff.is_department_admin if admin is None else admin,
        supplementary_permissions=list(staff.user_permissions.all()),
    )


# Who may publish ------------------------------------------------------------------------------


def test_owner_and_publisher_may_create_and_the_creator_sees_it(world):
    by_owner = services.campaign_create(actor=world.owner, tenant=world.tenant, **fields(title="By owner"))
    by_publisher = services.campaign_create(
        actor=world.sibling_publisher,
        tenant=world.tenant,
        scope_departments=[world.departments.kefu],
        **fields(title="By publisher", scope_whole_tenant=False),
    )

    assert by_owner.creator == world.owner and by_owner.tenant == world.tenant
    assert by_publisher.creator == world.sibling_publisher
    # scoped to 客服部 only: the creator grant is what lets the publisher see it
    assert sees(world, "sibling_publisher", by_publisher)
    assert not sees(world, "sibling_viewer", by_publisher)


@pytest.mark.parametrize("name", ["viewer_in", "reviewer_in", "bare_in", "admin_l1"])
def test_staff_without_publish_right_cannot_create(world, name):
    before = Campaign.objects.count()

    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=getattr(world, name), tenant=world.tenant, **fields())

    assert Campaign.objects.count() == before


def test_nobody_publishes_into_another_tenant(world):
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=world.other_staff, tenant=world.tenant, **fields())
    with pytest.raises(PermissionDenied):
        services.campaign_update(actor=world.other_owner, campaign=world.c_whole, title="hijacked")
    assert Campaign.objects.get(pk=world.c_whole.pk).title == "C-whole"


def test_update_needs_publish_right_and_visibility(world):
    with pytest.raises(PermissionDenied):  # sees c_dept but may not publish
        services.campaign_update(actor=world.viewer_in, campaign=world.c_dept, title="x")
    with pytest.raises(PermissionDenied):  # may publish but does not see c_dept
        services.campaign_update(actor=world.sibling_publisher, campaign=world.c_dept, title="x")
    with pytest.raises(PermissionDenied):  # official campaigns are the platform's
        services.campaign_update(actor=world.owner, campaign=world.c_official, title="x")

    updated = services.campaign_update(actor=world.publisher_in, campaign=world.c_dept, title="C-dept renamed")

    assert updated.title == "C-dept renamed"


# Validation -----------------------------------------------------------------------------------


def _errors(excinfo):
    return {field: [str(m) for m in messages] for field, messages in excinfo.value.message_dict.items()}


@pytest.mark.parametrize(
    "overrides, scope, field, message",
    [
        (
            {"ends_on": timezone.localdate() - datetime.timedelta(days=1)},
            {},
            "ends_on",
            "The campaign cannot end before it starts.",
        ),
        (
            {"review_mode": Campaign.ReviewMode.AUTOMATIC, "contact_person": None},
            {},
            "contact_person",
            "Automatic approval needs a campaign contact person",
        ),
        (
            {"scope_whole_tenant": False},
            {},
            "scope_whole_tenant",
            "Choose who sees the campaign",
        ),
    ],
    ids=["end-before-start", "automatic-without-contact", "no-scope"],
)
def test_create_refuses_invalid_input_and_stores_nothing(world, overrides, scope, field, message):
    campaigns, audits = Campaign.objects.count(), AuditEntry.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.campaign_create(actor=world.owner, tenant=world.tenant, **scope, **fields(**overrides))

    assert any(message in m for m in _errors(excinfo)[field]), _errors(excinfo)
    assert Campaign.objects.count() == campaigns
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("field", ["scope_departments", "scope_staff", "contact_person"])
def test_create_refuses_another_tenants_departments_staff_and_contact_person(world, field):
    foreign = {
        "scope_departments": {"scope_departments": [world.other_staff.department]},
        "scope_staff": {"scope_staff": [world.other_staff]},
        "contact_person": {"contact_person": world.other_staff},
    }[field]
    campaigns, audits = Campaign.objects.count(), AuditEntry.objects.count()
    grants = grant_rows()

    with pytest.raises(ValidationError) as excinfo:
        services.campaign_create(actor=world.owner, tenant=world.tenant, **{**fields(), **foreign})

    assert field in _errors(excinfo)
    assert "your own organisation" in _errors(excinfo)[field][0]
    assert Campaign.objects.count() == campaigns
    assert AuditEntry.objects.count() == audits
    assert grant_rows() == grants


def test_failed_update_changes_nothing(world):
    before = Campaign.objects.get(pk=world.c_dept.pk)
    audits = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.campaign_update(
            actor=world.owner,
            campaign=world.c_dept,
            title="never stored",
            scope_departments=[],
            scope_staff=[world.other_staff],
        )

    assert "scope_staff" in _errors(excinfo)
    after = Campaign.objects.get(pk=world.c_dept.pk)
    assert after.title == before.title == "C-dept 服饰组"
    assert list(after.scope_departments.all()) == [world.departments.fushi]
    assert AuditEntry.objects.count() == audits
    assert sees(world, "viewer_in", world.c_dept)


def test_update_refuses_end_before_start(world):
    with pytest.raises(ValidationError) as excinfo:
        services.campaign_update(
            actor=world.owner, campaign=world.c_dept, ends_on=world.c_dept.starts_on - datetime.timedelta(days=1)
        )

    assert _errors(excinfo)["ends_on"] == ["The campaign cannot end before it starts."]
    assert Campaign.objects.get(pk=world.c_dept.pk).ends_on == world.c_dept.ends_on


# Audit ----------------------------------------------------------------------------------------


def test_create_and_update_are_audited_with_before_and_after(world):
    created = services.campaign_create(
        actor=world.owner,
        tenant=world.tenant,
        scope_departments=[world.departments.fushi],
        scope_staff=[world.sibling_viewer],
        **fields(title="Audited", scope_whole_tenant=False),
    )
    entry = AuditEntry.objects.get(action="campaign.create", target_id=str(created.pk))
    assert entry.actor == world.owner
    assert entry.tenant == world.tenant
    assert entry.after["title"] == "Audited"
    assert entry.after["scope_departments"] == ["招商部/服饰组"]
    assert entry.after["scope_staff"] == [world.sibling_viewer.username]

    services.campaign_update(
        actor=world.owner,
        campaign=created,
        title="Audited again",
        commission_rate=Decimal("15"),
        scope_departments=[world.departments.meizhuang],
        scope_staff=[],
    )

    update = AuditEntry.objects.get(action="campaign.update", target_id=str(created.pk))
    assert update.before["title"] == "Audited" and update.after["title"] == "Audited again"
    assert Decimal(update.before["commission_rate"]) == Decimal("20")
    assert Decimal(update.after["commission_rate"]) == Decimal("15")
    assert update.before["scope_departments"] == ["招商部/服饰组"]
    assert update.after["scope_departments"] == ["招商部/美妆组"]
    assert update.before["scope_staff"] == [world.sibling_viewer.username] and update.after["scope_staff"] == []


def test_an_update_that_changes_nothing_writes_no_entry(world):
    services.campaign_update(actor=world.owner, campaign=world.c_dept, title=world.c_dept.title)

    assert not AuditEntry.objects.filter(action="campaign.update", target_id=str(world.c_dept.pk)).exists()


# Scope edits ----------------------------------------------------------------------------------


def test_an_update_without_scope_arguments_keeps_the_scope(world):
    services.campaign_update(actor=world.owner, campaign=world.c_dept, commission_rate=Decimal("18"))

    c_dept = Campaign.objects.get(pk=world.c_dept.pk)
    assert c_dept.commission_rate == Decimal("18")
    assert list(c_dept.scope_departments.all()) == [world.departments.fushi]
    assert sees(world, "viewer_in", c_dept) and sees(world, "admin_l2", c_dept)


def test_removing_a_department_from_the_scope_hides_the_campaign(world):
    assert sees(world, "viewer_in", world.c_dept) and sees(world, "admin_l2", world.c_dept)

    services.campaign_update(
        actor=world.owner, campaign=world.c_dept, scope_departments=[world.departments.meizhuang], scope_staff=[]
    )

    assert not sees(world, "viewer_in", world.c_dept)
    assert not sees(world, "admin_l2", world.c_dept)
    assert sees(world, "sibling_viewer", world.c_dept)
    assert sees(world, "admin_l1", world.c_dept)  # 美妆组 is still below 招商部
    assert sees(world, "owner", world.c_dept)


def test_naming_staff_in_the_scope_shows_it_to_them_and_their_admins(world):
    services.campaign_update(
        actor=world.owner, campaign=world.c_dept, scope_departments=[world.departments.meizhuang], scope_staff=[]
    )
    assert not sees(world, "viewer_in", world.c_dept)

    services.campaign_update(
        actor=world.owner,
        campaign=world.c_dept,
        scope_departments=[world.departments.meizhuang],
        scope_staff=[world.viewer_in],
    )

    assert sees(world, "viewer_in", world.c_dept)
    assert sees(world, "admin_l2", world.c_dept)  # admin above the named viewer
    assert not sees(world, "publisher_in", world.c_dept)  # same department, not named
    assert not sees(world, "bare_in", world.c_dept)


def test_switching_to_the_whole_organisation(world):
    assert not sees(world, "outsider", world.c_dept)

    services.campaign_update(
        actor=world.owner, campaign=world.c_dept, scope_whole_tenant=True, scope_departments=[], scope_staff=[]
    )

    assert sees(world, "outsider", world.c_dept)
    assert not sees(world, "bare_in", world.c_dept)  # no campaign right
    assert not CampaignGroupObjectPermission.objects.filter(content_object=world.c_dept).exists()


# Org-chart changes move visibility, never grant rows ------------------------------------------


def test_moving_a_department_out_of_the_scope(world):
    grants = grant_rows()
    assert sees(world, "viewer_in", world.c_dept)
    assert sees(world, "admin_l2", world.c_named) and sees(world, "admin_l2", world.p_approved)

    department_move(actor=world.owner, department=world.departments.yizu, new_parent=world.departments.meizhuang)

    assert grant_rows() == grants
    assert not sees(world, "viewer_in", world.c_dept)  # 一组 is no longer below 服饰组
    assert not sees(world, "reviewer_in", world.p_pending)  # reviewer lost the campaign too
    assert sees(world, "reviewer_in", world.p_approved)  # still its contact person
    assert sees(world, "admin_l2", world.c_dept)  # admin of 服饰组 itself
    assert not sees(world, "admin_l2", world.c_named)  # no longer above bare_in
    assert not sees(world, "admin_l2", world.p_approved)  # no longer above the contact person
    assert sees(world, "admin_l1", world.p_approved) and sees(world, "admin_l1", world.c_named)


def test_moving_a_department_into_the_scope(world):
    grants = grant_rows()
    assert not sees(world, "sibling_viewer", world.c_dept)

    department_move(actor=world.owner, department=world.departments.meizhuang, new_parent=world.departments.fushi)

    assert grant_rows() == grants
    assert sees(world, "sibling_viewer", world.c_dept)
    assert sees(world, "sibling_publisher", world.c_dept)


def test_clearing_an_admin_flag(world):
    grants = grant_rows()

    move_staff(world, world.admin_l2, admin=False)

    assert grant_rows() == grants
    assert sees(world, "admin_l2", world.c_dept)  # still a viewer inside 服饰组
    assert not sees(world, "admin_l2", world.c_named)  # was only the admin above bare_in
    assert not sees(world, "admin_l2", world.p_approved)
    assert sees(world, "admin_l1", world.p_approved)


def test_setting_an_admin_flag(world):
    grants = grant_rows()
    assert not sees(world, "bare_in", world.c_dept)

    move_staff(world, world.bare_in, admin=True)

    assert grant_rows() == grants
    # an admin inside the scope counts as someone in scope, even without a campaign right
    assert sees(world, "bare_in", world.c_dept)
    assert sees(world, "bare_in", world.c_named)
    assert sees(world, "bare_in", world.p_approved)  # admin of 一组, above the contact person
    assert not sees(world, "bare_in", world.c_creator)


def test_a_staff_member_moved_to_another_department_leaves_its_scope(world):
    grants = grant_rows()

    move_staff(world, world.viewer_in, department=world.departments.kefu)
    move_staff(world, world.sibling_viewer, department=world.departments.yizu)

    assert grant_rows() == grants
    assert not sees(world, "viewer_in", world.c_dept)
    assert sees(world, "viewer_in", world.c_creator)  # 客服部 is in c_creator's scope
    assert sees(world, "sibling_viewer", world.c_dept)
    assert sees(world, "sibling_viewer", world.c_named)  # still named


def test_a_contact_person_moved_away_takes_their_admins_view_along(world):
    grants = grant_rows()

    move_staff(world, world.reviewer_in, department=world.departments.kefu)

    assert grant_rows() == grants
    assert sees(world, "reviewer_in", world.p_approved)
    assert not sees(world, "admin_l2", world.p_approved)
    assert not sees(world, "admin_l1", world.p_approved)
    assert sees(world, "owner", world.p_approved)



@pytest.mark.django_db(transaction=True)
def test_grants_use_the_current_permission_ids_after_a_flush(world):
    """``flush`` (after every transactional test) recreates permissions under new ids; grants
    written afterwards must not reuse a cached old id (a foreign-key error on PostgreSQL)."""
    from django.contrib.auth.models import Permission
    from django.core.management import call_command

    from campaigns.visibility import VIEW_CAMPAIGN, permission_id

    assert campaigns_visible_to(fresh(world.viewer_in)).filter(pk=world.c_dept.pk).exists()  # fills the cache
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)  # as TransactionTestCase does

    current = Permission.objects.get(content_type__app_label="campaigns", codename="view_campaign")
    assert permission_id(VIEW_CAMPAIGN) == current.pk


@pytest.mark.parametrize("smuggled", [{"tenant": None}, {"creator": None}, {"is_official": True}, {"titel": "typo"}])
def test_the_services_take_named_fields_only(world, smuggled):
    """``**fields`` once took any keyword and silently dropped what it did not know (issue 15)."""
    with pytest.raises(TypeError):
        services.campaign_update(actor=world.owner, campaign=world.c_dept, **smuggled)
    with pytest.raises(TypeError):
        services.campaign_create(actor=world.owner, tenant=world.tenant, **fields(), **smuggled)
    assert Campaign.objects.get(pk=world.c_dept.pk).tenant_id == world.tenant.pk
