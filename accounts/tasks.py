from django_tasks import task


@task()
def deliver_notification(delivery_id):
    """Deliver one queued notification through its backend (retries reschedule themselves)."""
    from .services.notifications import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None
