"""Data scope (R-5, R-8, R-24, R-28): who oversees whom, kept as auth-group memberships.

Three kinds of group, all recomputed together by ``sync_scope_groups`` after any change of tree
shape, department, admin flag or status (a tenant has at most ~100 departments and 50 staff):

* ``Department.admin_group`` — the admins of the department and of every department above it.
* ``Department.member_group`` — the staff of the department and of every department below it.
* ``User.overseer_group`` — the admins at or above that staff account's department.

Object grants for campaigns and contact persons (django-guardian) point at these groups, so
moving a department or flipping an admin flag rewrites a few memberships, never millions of
grants. ``scope_groups_synced`` is sent after every sync so that apps granting to these groups
(``campaigns.visibility.contact_grants_sync``) can follow new staff accounts.
"""

import uuid

from django.contrib.auth.models import Group
from django.db.models import Q
from django.dispatch import Signal

from accounts.models import User

from .models import Department

# Sent with ``tenant`` at the end of every ``sync_scope_groups``, inside the caller's transaction.
scope_groups_synced = Signal()


def new_scope_group(tenant, kind):
    return Group.objects.create(name=f"{kind}:{tenant.pk}:{uuid.uuid4().hex}")


def follow_staff_placement(sender, *, tenant, **kwargs):
    """``accounts.signals.staff_placement_changed``: staff changed place, so the groups follow."""
    sync_scope_groups(tenant)


def admin_root_id(user):
    """The pk of the department whose subtree ``user`` oversees as department admin, or ``None``
    (not a department admin). No query: pages that hold the tenant's departments as tuples cut the
    subtree themselves from this root."""
    if not (user.is_staff_account and user.is_department_admin and user.department_id):
        return None
    return user.department_id


def admin_departments(user):
    """Return the departments whose subtree ``user`` oversees as department admin (0 or 1 root)."""
    root_id = admin_root_id(user)
    if root_id is None:
        return Department.objects.none()
    return Department.objects.filter(pk=root_id)


def _contains(outer, inner):
    return outer.tree_id == inner.tree_id and outer.lft <= inner.lft and outer.rght >= inner.rght


def sync_scope_groups(tenant):
    """Make every scope group of ``tenant`` hold exactly the people it should; return (added, removed)."""
    departments = list(
        Department.objects.filter(tenant=tenant).only(
            "pk", "tree_id", "lft", "rght", "admin_group_id", "member_group_id"
        )
    )
    # Resigned accounts stay placed (their products stay overseen until handed over) but oversee nobody.
    staff = list(
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)
        .select_related("department")
        .only(
            "pk",
            "status",
            "is_department_admin",
            "overseer_group_id",
            "department__tree_id",
            "department__lft",
            "department__rght",
        )
    )
    missing_groups = [s for s in staff if s.overseer_group_id is None]
    for person in missing_groups:
        person.overseer_group = new_scope_group(tenant, "overseers")
        User.objects.filter(pk=person.pk).update(overseer_group=person.overseer_group)
    placed = [s for s in staff if s.department_id]
    admins = [s for s in placed if s.is_department_admin and s.status != User.Status.RESIGNED]
    wanted = set()
    for department in departments:
        for admin in admins:
            if department.admin_group_id and _contains(admin.department, department):
                wanted.add((admin.pk, department.admin_group_id))
        for person in placed:
            if department.member_group_id and _contains(department, person.department):
                wanted.add((person.pk, department.member_group_id))
    for person in placed:
        for admin in admins:
            if _contains(admin.department, person.department):
                wanted.add((admin.pk, person.overseer_group_id))
    group_ids = [g for d in departments for g in (d.admin_group_id, d.member_group_id) if g]
    group_ids += list(
        User.objects.filter(tenant=tenant, overseer_group__isnull=False).values_list("overseer_group_id", flat=True)
    )
    through = User.groups.through
    existing = set(through.objects.filter(group_id__in=group_ids).values_list("user_id", "group_id"))
    stale = existing - wanted
    if stale:
        condition = Q()
        for user_id, group_id in stale:
            condition |= Q(user_id=user_id, group_id=group_id)
        through.objects.filter(condition).delete()
    missing = wanted - existing
    if missing:
        through.objects.bulk_create([through(user_id=u, group_id=g) for u, g in missing])
    scope_groups_synced.send(sender=Department, tenant=tenant)
    return len(missing), len(stale)


def describe_scope(user):
    """Explain a staff account's data scope in words for the permission preview (R-8)."""
    from django.utils.translation import gettext as _

    if user.is_owner:
        return _("Everything in the organisation (main account).")
    department = admin_departments(user).first()
    if department is None:
        return _("Own items only: products and campaigns where they are the contact person or creator.")
    below = department.get_descendant_count()
    return _(
        "As admin of %(department)s: own items plus those of everyone in %(department)s "
        "and its %(count)d sub-departments."
    ) % {"department": department.path, "count": below}
