"""Staff management's first steps on a new tenant's dashboard (``accounts.dashboard``, issue 26):
add a staff account, then have one bind it (follow the invitation and set a password, R-12)."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts.dashboard import FirstStep
from accounts.models import User


def _staff(**conditions):
    return lambda tenant: Exists(User.objects.filter(tenant=OuterRef("pk"), kind=User.Kind.STAFF, **conditions))


FIRST_STEPS = (
    FirstStep("staff", _("Add staff accounts"), "staff:add", _staff(), order=40),
    FirstStep(
        "binding",
        _("Have a staff member bind their account"),
        "staff:list",
        _staff(bound_at__isnull=False),
        order=50,
    ),
)
