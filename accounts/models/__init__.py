"""Tenants, users, audit log and notifications."""

from .audit import AuditEntry
from .invitations import Invitation
from .notifications import Delivery, Notification
from .tenants import Tenant
from .users import User

__all__ = ["AuditEntry", "Invitation", "Delivery", "Notification", "Tenant", "User"]
