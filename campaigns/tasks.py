from django_tasks import task


@task()
def rebuild_effect_windows(tenant_id):
    """Recompute a tenant's 7/30/90-day totals per campaign for today (``campaigns.windows``)."""
    from .windows import rebuild

    rebuild(tenant_id)
