"""Every write of the org chart: departments, admins and positions (R-3 … R-6)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.services.audit import audit_record
from utilities.names import clean_name

from .locks import lock_new_root, lock_tenant
from .signals import delete_blockers
from .models import MAX_DEPTH, Department, Position
from accounts.permissions import catalogue_permissions
from .scope import new_scope_group, sync_scope_groups


DEPARTMENT_NAME = gettext_lazy("department name")
POSITION_NAME = gettext_lazy("position name")


def _department_name(name):
    return clean_name(name, what=DEPARTMENT_NAME, field="name", max_length=Department._meta.get_field("name").max_length)


def _position_name(name):
    return clean_name(name, what=POSITION_NAME, field="name", max_length=Position._meta.get_field("name").max_length)


def _require_owner(actor, tenant):
    if not (actor.is_owner and actor.tenant_id == tenant.pk):
        raise PermissionDenied


def _check_parent(tenant, parent):
    if parent is not None and parent.tenant_id != tenant.pk:
        raise ValidationError({"parent": _("Choose a department of your own organisation.")})


def _check_sibling_name(tenant, parent, name, exclude_pk=None):
    siblings = Department.objects.filter(tenant=tenant, parent=parent, name=name)
    if exclude_pk:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.exists():
        raise ValidationError({"name": _("A department with this name already exists at this place.")})


def _subtree_height(department):
    """Levels below ``department`` (0 for a leaf)."""
    deepest = (
        department.get_descendants().order_by("-level").values_list("level", flat=True).first()
    )
    return (deepest - department.level) if deepest is not None else 0


@transaction.atomic
def department_create(*, actor, tenant, name, parent=None):
    """Add a department under ``parent`` (or at the top), at most three levels deep (R-3)."""
    _require_owner(actor, tenant)
    name = _department_name(name)
    lock_tenant(tenant)
    _check_parent(tenant, parent)
    if parent is not None:
        parent = Department.objects.get(pk=parent.pk)  # fresh lft/rght after taking the lock
        if parent.level + 1 >= MAX_DEPTH:
            raise ValidationError(
                {"parent": _("Departments can be at most %(max)d levels deep.") % {"max": MAX_DEPTH}}
            )
    else:
        lock_new_root()
    _check_sibling_name(tenant, parent, name)
    department = Department(
        tenant=tenant,
        name=name,
        parent=parent,
        admin_group=new_scope_group(tenant, "admins"),
        member_group=new_scope_group(tenant, "members"),
    )
    department.full_clean(exclude=["lft", "rght", "tree_id", "level"])
    department.save()
    sync_scope_groups(tenant)
    audit_record(
        actor=actor,
        tenant=tenant,
        action="department.create",
        target=department,
        after={"name": name, "parent": parent.path if parent else None},
    )
    return department


@transaction.atomic
def department_rename(*, actor, department, name):
    _require_owner(actor, department.tenant)
    name = _department_name(name)
    lock_tenant(department.tenant)
    department = Department.objects.get(pk=department.pk)
    if name == department.name:
        return department
    _check_sibling_name(department.tenant, department.parent, name, exclude_pk=department.pk)
    before = {"name": department.name}
    department.name = name
    department.full_clean(exclude=["lft", "rght", "tree_id", "level"])
    department.save(update_fields=["name"])
    audit_record(actor=actor, action="department.rename", target=department, before=before, after={"name": name})
    return department


@transaction.atomic
def department_move(*, actor, department, new_parent):
    """Move a department (with its whole subtree) under ``new_parent`` or to the top (R-3)."""
    tenant = department.tenant
    _require_owner(actor, tenant)
    lock_tenant(tenant)
    _check_parent(tenant, new_parent)
    department = Department.objects.get(pk=department.pk)
    old_path = department.path
    if new_parent is not None:
        new_parent = Department.objects.get(pk=new_parent.pk)
        if new_parent.pk == department.pk or new_parent.is_descendant_of(department):
            raise ValidationError(
                {"parent": _("A department cannot move under itself or one of its own sub-departments.")}
            )
        if new_parent.pk == department.parent_id:
            return department
        new_level = new_parent.level + 1
    else:
        if department.parent_id is None:
            return department
        new_level = 0
    if new_level + _subtree_height(department) >= MAX_DEPTH:
        raise ValidationError(
            {
                "parent": _(
                    "Moving %(name)s there would make the org chart deeper than %(max)d levels."
                )
                % {"name": department.name, "max": MAX_DEPTH}
            }
        )
    _check_sibling_name(tenant, new_parent, department.name, exclude_pk=department.pk)
    if new_parent is None:
        lock_new_root()
    department.move_to(new_parent, "last-child")
    department = Department.objects.get(pk=department.pk)
    sync_scope_groups(tenant)
    audit_record(
        actor=actor,
        action="department.move",
        target=department,
        before={"path": old_path},
        after={"path": department.path},
    )
    return department


@transaction.atomic
def department_delete(*, actor, department):
    """Delete an empty department; the error names what blocks it (R-4)."""
    tenant = department.tenant
    _require_owner(actor, tenant)
    lock_tenant(tenant)
    department = Department.objects.get(pk=department.pk)
    problems = []
    children = list(department.get_children().values_list("name", flat=True))
    if children:
        problems.append(
            ngettext(
                "it has %(count)d sub-department: %(names)s",
                "it has %(count)d sub-departments: %(names)s",
                len(children),
            )
            % {"count": len(children), "names": "、".join(children)}
        )
    # Resigned accounts hold no seat and are nobody's colleague: they do not keep a
    # department alive. They leave it with the delete (department emptied, audited) and get one
    # again when re-bound.
    placed = User.objects.filter(department=department)
    staff = list(placed.exclude(status=User.Status.RESIGNED).order_by("account_name"))
    if staff:
        names = "、".join(s.label for s in staff[:5]) + ("…" if len(staff) > 5 else "")
        problems.append(
            ngettext(
                "it has %(count)d staff account: %(names)s",
                "it has %(count)d staff accounts: %(names)s",
                len(staff),
            )
            % {"count": len(staff), "names": names}
        )
    problems.extend(delete_blockers(department))
    if problems:
        raise ValidationError(
            _("%(name)s cannot be deleted: %(reasons)s.") % {"name": department.name, "reasons": "; ".join(problems)}
        )
    resigned = sorted(placed.values_list("account_name", flat=True))
    placed.update(department=None, is_department_admin=False)
    before = {"path": department.path, **({"resigned_staff": resigned} if resigned else {})}
    audit_record(actor=actor, action="department.delete", target=department, before=before)
    groups = [g for g in (department.admin_group, department.member_group) if g is not None]
    department.delete()
    for group in groups:
        group.delete()
    return None


@transaction.atomic
def department_set_admins(*, actor, department, admins):
    """Make exactly ``admins`` (staff of this department) its department admins (R-5)."""
    tenant = department.tenant
    _require_owner(actor, tenant)
    lock_tenant(tenant)
    admin_ids = {a.pk for a in admins}
    # Resigned accounts keep their settings: the form does not offer them, so leave them be.
    members = User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, department=department).exclude(
        status=User.Status.RESIGNED
    )
    outsiders = admin_ids - set(members.values_list("pk", flat=True))
    if outsiders:
        raise ValidationError({"admins": _("Department admins must be staff of that department.")})
    before = sorted(members.filter(is_department_admin=True).values_list("account_name", flat=True))
    members.filter(pk__in=admin_ids).update(is_department_admin=True)
    members.exclude(pk__in=admin_ids).update(is_department_admin=False)
    after = sorted(members.filter(is_department_admin=True).values_list("account_name", flat=True))
    sync_scope_groups(tenant)
    if before != after:
        audit_record(
            actor=actor,
            action="department.set_admins",
            target=department,
            before={"admins": before},
            after={"admins": after},
        )
    return after


def _clean_permissions(permissions):
    allowed = set(catalogue_permissions().values_list("pk", flat=True))
    chosen = list(permissions)
    if any(p.pk not in allowed for p in chosen):
        raise ValidationError({"permissions": _("Choose permissions from the catalogue only.")})
    return chosen


def _position_snapshot(position):
    return {
        "name": position.name,
        "description": position.description,
        "requires_2fa": position.requires_2fa,
        "permissions": sorted(position.permissions.values_list("codename", flat=True)),
    }


@transaction.atomic
def position_create(*, actor, tenant, name, description="", permissions=(), requires_2fa=False):
    _require_owner(actor, tenant)
    permissions = _clean_permissions(permissions)
    name = _position_name(name)
    position = Position(tenant=tenant, name=name, description=description, requires_2fa=requires_2fa)
    position.full_clean()
    position.save()
    position.permissions.set(permissions)
    audit_record(actor=actor, action="position.create", target=position, after=_position_snapshot(position))
    return position


@transaction.atomic
def position_update(*, actor, position, name, description="", permissions=(), requires_2fa=None):
    """Change a position; its holders get the new rights on their next request (R-14).

    ``requires_2fa`` left ``None`` keeps the stored value. The "before" values are read here, from
    the row locked for this change: a caller's instance may already carry the new values (a bound
    ModelForm writes them into it while validating).
    """
    _require_owner(actor, position.tenant)
    permissions = _clean_permissions(permissions)
    position = Position.objects.select_for_update().get(pk=position.pk, tenant_id=position.tenant_id)
    before = _position_snapshot(position)
    position.name = _position_name(name)
    position.description = description
    if requires_2fa is not None:
        # Holders without a second factor are sent to enrolment on their next request.
        position.requires_2fa = requires_2fa
    position.full_clean()
    position.save(update_fields=["name", "description", "requires_2fa"])
    position.permissions.set(permissions)
    after = _position_snapshot(position)
    if before != after:
        audit_record(actor=actor, action="position.update", target=position, before=before, after=after)
    return position


@transaction.atomic
def position_delete(*, actor, position):
    _require_owner(actor, position.tenant)
    # Resigned accounts hold no seat: they do not keep a position alive; they let go of it
    # with the delete (audited) and get one again when re-bound.
    placed = User.objects.filter(position=position)
    holders = placed.exclude(status=User.Status.RESIGNED).count()
    if holders:
        raise ValidationError(
            ngettext(
                "%(name)s cannot be deleted: %(count)d staff account holds it.",
                "%(name)s cannot be deleted: %(count)d staff accounts hold it.",
                holders,
            )
            % {"name": position.name, "count": holders}
        )
    blockers = delete_blockers(position)
    if blockers:
        raise ValidationError(
            _("%(name)s cannot be deleted: %(reasons)s.") % {"name": position.name, "reasons": "; ".join(blockers)}
        )
    resigned = sorted(placed.values_list("account_name", flat=True))
    placed.update(position=None)
    before = _position_snapshot(position)
    if resigned:
        before["resigned_staff"] = resigned
    audit_record(actor=actor, action="position.delete", target=position, before=before)
    position.delete()


@transaction.atomic
def department_update(*, actor, department, name, parent, admins):
    """Rename, move and set admins in one step: all of it happens or none of it does."""
    department = department_rename(actor=actor, department=department, name=name)
    department = department_move(actor=actor, department=department, new_parent=parent)
    department_set_admins(actor=actor, department=department, admins=admins)
    return department
