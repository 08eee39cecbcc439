from django.db import models
from django.utils.translation import gettext_lazy as _


class DataGeneration(models.Model):
    """How often a tenant's dashboard data changed: moved only by database triggers
    (``accounts.data_generation``), read by the dashboard's panel cache (issue 27)."""

    # No foreign key: a trigger fires while a tenant's rows are being deleted with it, and its
    # row (harmless once the tenant is gone) must not block that delete.
    tenant_id = models.BigIntegerField(
        verbose_name=_("tenant"),
        primary_key=True,
    )
    generation = models.BigIntegerField(
        verbose_name=_("generation"),
        default=0,
    )

    class Meta:
        verbose_name = _("data generation")
        verbose_name_plural = _("data generations")

    def __str__(self):
        return f"{self.tenant_id}: {self.generation}"
