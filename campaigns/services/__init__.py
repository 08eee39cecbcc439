"""Every write of the campaigns app; each checks its actor and records an audit entry."""

from .alerts import campaign_ending_alerts, product_alert, product_set_attention
from .campaigns import campaign_create, campaign_update
from .effects import effect_generate_demo, effect_upload
from .enrollments import enrollment_approve, enrollment_reject, enrollment_submit

__all__ = [
    "campaign_create",
    "campaign_update",
    "campaign_ending_alerts",
    "effect_generate_demo",
    "effect_upload",
    "enrollment_approve",
    "enrollment_reject",
    "enrollment_submit",
    "product_alert",
    "product_set_attention",
]
