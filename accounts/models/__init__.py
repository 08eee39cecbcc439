"""Tenants, users, audit log and notifications."""

from .audit import AuditEntry
from .notifications import Delivery, Notification
from .tenants import Tenant
from .users import User

__all__ = ["AuditEntry", "Delivery", "Notification", "Tenant", "User"]
