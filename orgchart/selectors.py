"""Reads of the org chart that answer "what may this person do" (R-6, R-8)."""

from django.contrib.auth.models import Permission
from django.db.models import IntegerField, Value
from django.utils.translation import gettext as _

from accounts.permissions import CATALOGUE


def effective_permissions(user):
    """Return ``[(catalogue entry, [source, …])]`` for every permission ``user`` holds.

    Sources name where each right comes from: the position, a supplementary grant, or the main
    account itself. The union of sources is what ``has_perm`` answers (R-6).
    """
    if user.is_owner:
        return [(entry, [_("Main account")]) for entry in CATALOGUE]
    # One query for both sources: the position's codenames tagged 1, the supplementary ones 2.
    supplementary_rows = (
        user.user_permissions.filter(content_type__app_label="orgchart")
        .annotate(source=Value(2, output_field=IntegerField()))
        .values_list("codename", "source")
        .order_by()
    )
    if user.position_id:
        position_rows = (
            Permission.objects.filter(positions=user.position_id)
            .annotate(source=Value(1, output_field=IntegerField()))
            .values_list("codename", "source")
            .order_by()
        )
        rows = position_rows.union(supplementary_rows, all=True)
    else:
        rows = supplementary_rows
    from_position, supplementary = set(), set()
    for codename, source in rows:
        (from_position if source == 1 else supplementary).add(codename)
    result = []
    for entry in CATALOGUE:
        sources = []
        if entry.code in from_position:
            sources.append(_("Position %(name)s") % {"name": user.position.name})
        if entry.code in supplementary:
            sources.append(_("Supplementary"))
        if sources:
            result.append((entry, sources))
    return result


def department_paths(tenant_id):
    """``[(pk, path, tree_id, lft, rght)]`` of every department of the tenant, in tree order, in one
    query of plain tuples (``path`` as ``Department.path`` writes it, e.g. ``运营部/华东组/一组``).

    For pages that show departments by name only (the staff list and its filter): 100 model
    instances and their paths cost about 1.5 ms a page where these tuples cost a tenth of it.
    """
    from .models import Department

    rows = list(
        Department.objects.filter(tenant_id=tenant_id)
        .order_by("tree_id", "lft")
        .values_list("pk", "name", "parent_id", "tree_id", "lft", "rght")
    )
    paths = {}
    result = []
    for pk, name, parent_id, tree_id, lft, rght in rows:  # tree order: a parent comes before its children
        parent_path = paths.get(parent_id)
        paths[pk] = path = f"{parent_path}/{name}" if parent_path is not None else name
        result.append((pk, path, tree_id, lft, rght))
    return result
