"""The org chart's first steps on a new tenant's dashboard (``accounts.dashboard``, issue 26)."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts.dashboard import FirstStep

from .models import Department, Position


def _has(model):
    return lambda tenant: Exists(model.objects.filter(tenant=OuterRef("pk")))


FIRST_STEPS = (
    FirstStep("departments", _("Add your departments"), "orgchart:department_add", _has(Department), order=20),
    FirstStep("positions", _("Add positions and their rights"), "orgchart:position_add", _has(Position), order=30),
)
