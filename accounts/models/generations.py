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


class DataChange(models.Model):
    """One committed write (a statement, per tenant) to a table the dashboard reads, on PostgreSQL:
    appended by database triggers, never updated by them, so writers do not wait on each other
    (``accounts.data_generation``). ``changes`` is 1, or after a prune the number of the tenant's
    rows it stands for, so the tenant's sum never goes back."""

    # No foreign key, as above.
    tenant_id = models.BigIntegerField(
        verbose_name=_("tenant"),
    )
    changes = models.BigIntegerField(
        verbose_name=_("changes"),
        default=1,
    )

    class Meta:
        verbose_name = _("data change")
        verbose_name_plural = _("data changes")
        # The generation's read (sum of changes, max id) is an index-only scan of the tenant's rows.
        indexes = [models.Index(fields=["tenant_id", "id", "changes"], name="accounts_datachange_tenant")]

    def __str__(self):
        return f"{self.tenant_id}: #{self.id} ({self.changes})"
