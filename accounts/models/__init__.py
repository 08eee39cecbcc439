"""Tenants, users, audit log and notifications."""

from .audit import AuditEntry
from .audit_actions import AuditAction
from .generations import DataChange, DataGeneration
from .identity import IdentityVerification
from .invitations import Invitation
from .notifications import Delivery, Notification
from .tenants import Tenant
from .users import User

__all__ = ["AuditAction", "AuditEntry", "DataChange", "DataGeneration", "IdentityVerification", "Invitation", "Delivery", "Notification", "Tenant", "User"]
