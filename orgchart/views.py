from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import owner_required
from accounts.models import User
from utilities.forms import attach_errors

from . import services
from .forms import DepartmentForm, PositionForm
from .models import Department, Position
from accounts.permissions import CATALOGUE


def _departments(request):
    return Department.objects.filter(tenant_id=request.user.tenant_id)


class TreeNode:
    """One department of the org chart page: what ``org_tree.department_tree`` writes of it."""

    __slots__ = ("pk", "name", "path", "parent_id", "level", "staff_count", "subtree_count", "admin_names", "nodes")

    def __init__(self, pk, name, path, parent_id, level):
        self.pk, self.name, self.path, self.parent_id, self.level = pk, name, path, parent_id, level
        self.staff_count = self.subtree_count = 0
        self.admin_names = []
        self.nodes = []


def build_tree(tenant):
    """Return ``(roots, departments)``: the tenant's departments as nested ``TreeNode`` with direct
    and subtree staff counts and their admins' names, roots and children in tree order.

    Two queries of plain tuples: the departments, and the staff grouped by department with each
    admin apart (an admin's row keeps its id and names, everyone else's collapses into one count
    per department). Model instances and a third query cost about a third of the page.
    """
    departments, by_id = [], {}
    for pk, name, parent_id, level in (
        Department.objects.filter(tenant=tenant).order_by("tree_id", "lft").values_list("pk", "name", "parent_id", "level")
    ):
        parent = by_id.get(parent_id)
        node = TreeNode(pk, name, f"{parent.path}/{name}" if parent is not None else name, parent_id, level)
        by_id[pk] = node
        departments.append(node)
    admin = Q(is_department_admin=True)
    groups = (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)
        .exclude(status=User.Status.RESIGNED)
        .annotate(
            admin_pk=Case(When(admin, then="pk")),
            admin_label=Case(When(admin, then="display_name")),
            admin_name=Case(When(admin, then="account_name")),
        )
        .values_list("department_id", "admin_pk", "admin_label", "admin_name")
        .annotate(n=Count("pk"))
        .order_by("admin_pk")
    )
    for department_id, admin_pk, label, name, count in groups:
        node = by_id.get(department_id)
        if node is None:  # staff without a department
            continue
        node.staff_count += count
        if admin_pk is not None:
            node.admin_names.append(label or name)
    roots = []
    for node in departments:
        parent = by_id.get(node.parent_id)
        (parent.nodes if parent else roots).append(node)
    for department in departments:
        node = department
        while node is not None:
            node.subtree_count += department.staff_count
            node = by_id.get(node.parent_id)
    return roots, departments


@owner_required
def tree(request):
    roots, departments = build_tree(request.user.tenant)
    return render(request, "orgchart/department_tree.html", {"roots": roots, "department_count": len(departments)})


@owner_required
def department_add(request):
    tenant = request.user.tenant
    form = DepartmentForm(request.POST or None, tenant=tenant, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                actor=request.user,
                tenant=tenant,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Department %(name)s created.") % {"name": department.path})
            return redirect("orgchart:tree")
    return render(request, "orgchart/department_form.html", {"form": form})


@owner_required
def department_edit(request, pk):
    tenant = request.user.tenant
    department = get_object_or_404(_departments(request), pk=pk)
    admins = User.objects.filter(department=department, is_department_admin=True).exclude(status=User.Status.RESIGNED)
    form = DepartmentForm(
        request.POST or None,
        tenant=tenant,
        department=department,
        initial={"name": department.name, "parent": department.parent_id, "admins": list(admins)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.department_update(
                actor=request.user,
                department=department,
                name=data["name"],
                parent=data["parent"],
                admins=data["admins"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Department saved."))
            return redirect("orgchart:tree")
    return render(request, "orgchart/department_form.html", {"form": form, "department": department})


@owner_required
def department_delete(request, pk):
    department = get_object_or_404(_departments(request), pk=pk)
    if request.method == "POST":
        try:
            services.department_delete(actor=request.user, department=department)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Department %(name)s deleted.") % {"name": department.name})
        return redirect("orgchart:tree")
    return render(request, "orgchart/department_confirm_delete.html", {"department": department})


@owner_required
def position_list(request):
    positions = (
        Position.objects.filter(tenant_id=request.user.tenant_id)
        .annotate(holders=Count("staff", filter=~Q(staff__status=User.Status.RESIGNED)))
        .prefetch_related("permissions")
    )
    for position in positions:
        held = {p.codename for p in position.permissions.all()}
        position.labels = [entry.label for entry in CATALOGUE if entry.code in held]
    return render(request, "orgchart/position_list.html", {"positions": positions})


@owner_required
def position_form(request, pk=None):
    tenant = request.user.tenant
    position = get_object_or_404(Position.objects.filter(tenant=tenant), pk=pk) if pk else None
    form = PositionForm(request.POST or None, instance=position)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if position is None:
                position = services.position_create(
                    actor=request.user,
                    tenant=tenant,
                    name=data["name"],
                    description=data["description"],
                    permissions=data["permissions"],
                    requires_2fa=data["requires_2fa"],
                )
            else:
                services.position_update(
                    actor=request.user,
                    position=position,
                    name=data["name"],
                    description=data["description"],
                    permissions=data["permissions"],
                    requires_2fa=data["requires_2fa"],
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Position %(name)s saved.") % {"name": position.name})
            return redirect("orgchart:positions")
    return render(request, "orgchart/position_form.html", {"form": form, "position": position})


@owner_required
@require_POST
def position_delete(request, pk):
    position = get_object_or_404(Position.objects.filter(tenant_id=request.user.tenant_id), pk=pk)
    try:
        services.position_delete(actor=request.user, position=position)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Position %(name)s deleted.") % {"name": position.name})
    return redirect("orgchart:positions")
