"""Departments (a django-mptt tree per tenant) and positions."""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey

from accounts.permissions import CODES, META_PERMISSIONS

MAX_DEPTH = 3  # at most three levels; mptt levels 0, 1 and 2.


class Department(MPTTModel):
    """A department (部门) in a tenant's org chart."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField(
        verbose_name=_("name"),
        # Room for the generated names identity providers send (Entra's validator: 53 characters).
        max_length=100,
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("parent department"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    admin_group = models.OneToOneField(
        Group,
        verbose_name=_("admin group"),
        on_delete=models.PROTECT,
        related_name="admin_of_department",
        null=True,
        blank=True,
        editable=False,
        help_text=_("Holds the admins of this department and of every department above it."),
    )
    member_group = models.OneToOneField(
        Group,
        verbose_name=_("member group"),
        on_delete=models.PROTECT,
        related_name="members_of_department",
        null=True,
        blank=True,
        editable=False,
        help_text=_("Holds the staff of this department and of every department below it."),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    # No order_insertion_by: sorted root inserts would renumber every later tenant's tree_id.

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "parent", "name"],
                name="orgchart_department_unique_sibling_name",
                violation_error_message=_("A department with this name already exists at this place."),
            ),
            models.UniqueConstraint(
                fields=["tenant", "name"],
                condition=Q(parent__isnull=True),
                name="orgchart_department_unique_root_name",
                violation_error_message=_("A department with this name already exists at this place."),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "tree_id", "lft"], name="orgchart_dept_tenant_tree"),
        ]

    def __str__(self):
        return self.name

    @property
    def path(self):
        """The slash-separated names from the root, e.g. ``运营部/华东组/一组``."""
        if hasattr(self, "_path"):
            return self._path
        return "/".join(d.name for d in self.get_ancestors(include_self=True))


class Position(models.Model):
    """A position (岗位): a named set of permissions from the catalogue (R-6)."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=50,
    )
    description = models.CharField(
        verbose_name=_("description"),
        max_length=200,
        blank=True,
    )
    permissions = models.ManyToManyField(
        Permission,
        verbose_name=_("permissions"),
        related_name="positions",
        blank=True,
        limit_choices_to={"content_type__app_label": "orgchart", "codename__in": CODES},
    )
    requires_2fa = models.BooleanField(
        verbose_name=_("requires two-factor authentication"),
        default=False,
        help_text=_("Holders must set up an authenticator app before they can open any other page."),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]
        permissions = META_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                name="orgchart_position_unique_name",
                violation_error_message=_("A position with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name
