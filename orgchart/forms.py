from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import MAX_DEPTH, Department, Position
from accounts.permissions import BY_CODE, catalogue_permissions


class CatalogueField(forms.ModelMultipleChoiceField):
    """Checkboxes over the permission catalogue, labelled in the user's language."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=catalogue_permissions().order_by("id"), **kwargs)

    def label_from_instance(self, obj):
        entry = BY_CODE.get(obj.codename)
        return f"{entry.label} — {entry.description}" if entry else obj.name


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.path


def departments_with_paths(tenant):
    """All departments of a tenant in tree order, each with ``path`` set, in one query."""
    departments = list(Department.objects.filter(tenant=tenant).order_by("tree_id", "lft"))
    by_id = {d.pk: d for d in departments}
    for department in departments:
        names, node = [], department
        while node is not None:
            names.append(node.name)
            node = by_id.get(node.parent_id)
        department._path = "/".join(reversed(names))
    return departments


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = DepartmentChoiceField(
        label=_("Parent department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— top level —"),
    )

    def __init__(self, *args, tenant, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every department is listed, the third level too: ``?parent=`` of one must preselect it
        # rather than fall back silently to the top level; the service then says, next to this
        # field, that departments are at most three levels deep.
        parents = Department.objects.filter(tenant=tenant)
        if department is not None:
            parents = parents.exclude(tree_id=department.tree_id, lft__gte=department.lft, rght__lte=department.rght)
        self.fields["parent"].queryset = parents.order_by("tree_id", "lft")
        paths = {d.pk: d.path for d in departments_with_paths(tenant)}
        full = _("%(path)s (third level: no sub-department possible)")
        self.fields["parent"].label_from_instance = lambda obj: (
            full % {"path": paths.get(obj.pk, obj.name)} if obj.level >= MAX_DEPTH - 1 else paths.get(obj.pk, obj.name)
        )
        if department is not None:
            self.fields["admins"] = forms.ModelMultipleChoiceField(
                label=_("Department admins"),
                queryset=User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, department=department)
                .exclude(status=User.Status.RESIGNED)
                .order_by("account_name"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Admins see the data of this department and every department below it."),
            )


class PositionForm(forms.ModelForm):
    permissions = CatalogueField(label=_("Permissions"))

    class Meta:
        model = Position
        fields = ["name", "description", "permissions", "requires_2fa"]
