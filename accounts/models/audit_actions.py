"""The one registry of audit-log actions (R-22), with the label the owner's audit page shows.

Every ``audit_record`` names a member (or its value); an unregistered name is refused, so a new
kind of change cannot reach the log without a label in both languages.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Main account and settings
    TENANT_SIGN_UP = "tenant.sign_up", _("Main account signed up")
    INDIVIDUAL_SIGN_UP = "individual.sign_up", _("Individual signed up")
    TENANT_DINGTALK_UPDATE = "tenant.dingtalk_update", _("DingTalk info changed")
    USER_PASSWORD_CHANGE = "user.password_change", _("Password changed")
    NOTIFICATION_RETRY = "notification.retry", _("Notification delivery retried")
    DEMO_SEED = "demo.seed", _("Demo data created")
    DEMO_LEGACY_IMPORT = "demo.legacy_import", _("Legacy demo data imported")
    # Staff accounts
    STAFF_ADD = "staff.add", _("Staff account added")
    STAFF_IMPORT = "staff.import", _("Staff accounts imported")
    STAFF_UPDATE = "staff.update", _("Staff account changed")
    STAFF_INVITE = "staff.invite", _("Binding invitation sent")
    STAFF_INVITE_REVOKE = "staff.invite_revoke", _("Binding invitation revoked")
    STAFF_BIND = "staff.bind", _("Staff account bound")
    STAFF_DISABLE = "staff.disable", _("Staff account disabled")
    STAFF_ENABLE = "staff.enable", _("Staff account enabled")
    STAFF_OFFBOARD = "staff.offboard", _("Staff member offboarded")
    STAFF_REBIND = "staff.rebind", _("Staff account bound to a new person")
    STAFF_HAND_OVER = "staff.hand_over", _("Products and campaigns handed over")
    STAFF_UNLOCK = "staff.unlock", _("Staff login unlocked")
    # Real-person verification and freezing (R-17 … R-19)
    IDENTITY_SUBMIT = "identity.submit", _("Real-person verification submitted")
    IDENTITY_VERIFIED = "identity.verified", _("Real-person verification approved")
    IDENTITY_REJECTED = "identity.rejected", _("Real-person verification rejected")
    IDENTITY_REMOVE = "identity.remove", _("Real-person verification removed")
    STAFF_FREEZE = "staff.freeze", _("Staff account frozen")
    STAFF_UNFREEZE = "staff.unfreeze", _("Staff account unfrozen")
    # Temporary customer-service accounts
    TEMPORARY_ADD = "temporary.add", _("Temporary account added")
    TEMPORARY_WINDOW_UPDATE = "temporary.window_update", _("Temporary account's window changed")
    TEMPORARY_WINDOW_CLOSED = "temporary.window_closed", _("Temporary account's window closed")
    # Account safety
    STAFF_BIND_CODE_SEND = "staff.bind_code_send", _("Binding code sent by SMS")
    SESSION_END = "session.end", _("Session ended")
    SESSION_END_ALL = "session.end_all", _("Sessions ended")
    LOGIN_UNLOCK = "login.unlock", _("Login lockout lifted")
    TWO_FACTOR_ENABLE = "two_factor.enable", _("Two-factor authentication turned on")
    TWO_FACTOR_DISABLE = "two_factor.disable", _("Two-factor authentication turned off")
    TWO_FACTOR_RESET = "two_factor.reset", _("Two-factor authentication reset by an operator")
    TWO_FACTOR_BACKUP_CODES = "two_factor.backup_codes_regenerate", _("Backup codes regenerated")
    # SCIM provisioning
    SCIM_TOKEN_CREATE = "scim.token_create", _("SCIM token created")
    SCIM_TOKEN_REVOKE = "scim.token_revoke", _("SCIM token revoked")
    SCIM_READ = "scim.read", _("Read over SCIM")
    SCIM_REFUSED = "scim.refused", _("SCIM request refused")
    SCIM_EXTERNAL_ID_SET = "scim.external_id_set", _("Identity provider's external id changed")
    # Org chart
    DEPARTMENT_CREATE = "department.create", _("Department created")
    DEPARTMENT_RENAME = "department.rename", _("Department renamed")
    DEPARTMENT_MOVE = "department.move", _("Department moved")
    DEPARTMENT_DELETE = "department.delete", _("Department deleted")
    DEPARTMENT_SET_ADMINS = "department.set_admins", _("Department admins changed")
    POSITION_CREATE = "position.create", _("Position created")
    POSITION_UPDATE = "position.update", _("Position changed")
    POSITION_DELETE = "position.delete", _("Position deleted")
    # Campaigns, products and effect data
    CAMPAIGN_CREATE = "campaign.create", _("Campaign created")
    CAMPAIGN_UPDATE = "campaign.update", _("Campaign changed")
    CAMPAIGN_ENDING_ALERTS = "campaign.ending_alerts", _("Campaign-ending alerts sent")
    PRODUCT_ENROLL = "product.enroll", _("Product enrolled")
    PRODUCT_APPROVED = "product.approved", _("Enrolled product approved")
    PRODUCT_REJECTED = "product.rejected", _("Enrolled product rejected")
    PRODUCT_ATTENTION = "product.attention", _("Attention level changed")
    EFFECT_UPLOAD = "effect.upload", _("Effect data uploaded")
    # Operation accounts and their task orders (R-33 … R-35)
    OPERATION_INVITE = "operation.invite", _("Operation account invited")
    OPERATION_WITHDRAW = "operation.withdraw", _("Operation account invitation withdrawn")
    OPERATION_ACCEPT = "operation.accept", _("Operation account binding agreed")
    OPERATION_DECLINE = "operation.decline", _("Operation account binding declined")
    OPERATION_UNBIND = "operation.unbind", _("Operation account unbound")
    OPERATION_REPLACE = "operation.replace", _("Operation account replaced")
    OPERATION_TASK_CREATE = "operation_task.create", _("Operation task created")
    OPERATION_TASK_UPDATE = "operation_task.update", _("Operation task changed")
    OPERATION_ORDER_PLACE = "operation_order.place", _("Task order placed")
    OPERATION_ORDER_STATUS = "operation_order.status", _("Task order state changed")
    # Customer chat
    CHAT_GROUP_CREATE = "chat.group_create", _("Chat group created")
    CHAT_GROUP_UPDATE = "chat.group_update", _("Chat group changed")
    CHAT_MEMBER_ADD = "chat.member_add", _("Chat group member added")
    CHAT_MEMBER_ENABLE = "chat.member_enable", _("Chat group member enabled")
    CHAT_MEMBER_DISABLE = "chat.member_disable", _("Chat group member disabled")
    CHAT_MEMBER_REMOVE = "chat.member_remove", _("Chat group member removed")
    CHAT_PRESENCE = "chat.presence", _("Chat presence changed")
    CHAT_CONVERSATION_START = "chat.conversation_start", _("Buyer conversation started")
    CHAT_CONVERSATION_TRANSFER = "chat.conversation_transfer", _("Buyer conversation transferred")
    CHAT_CONVERSATION_CLOSE = "chat.conversation_close", _("Buyer conversation closed")
    # Platform operators in the Django admin
    TENANT_QUOTAS = "tenant.quotas", _("Seat quotas changed")
    ADMIN_USER_PASSWORD = "admin.user.password", _("Operator set a password")
    ADMIN_TENANT_ADD = "admin.tenant.add", _("Operator added a tenant")
    ADMIN_TENANT_CHANGE = "admin.tenant.change", _("Operator changed a tenant")
    ADMIN_TENANT_DELETE = "admin.tenant.delete", _("Operator deleted a tenant")
    ADMIN_USER_ADD = "admin.user.add", _("Operator added a user")
    ADMIN_USER_CHANGE = "admin.user.change", _("Operator changed a user")
    ADMIN_USER_DELETE = "admin.user.delete", _("Operator deleted a user")
    ADMIN_DEPARTMENT_ADD = "admin.department.add", _("Operator added a department")
    ADMIN_DEPARTMENT_CHANGE = "admin.department.change", _("Operator changed a department")
    ADMIN_DEPARTMENT_DELETE = "admin.department.delete", _("Operator deleted a department")
    ADMIN_POSITION_ADD = "admin.position.add", _("Operator added a position")
    ADMIN_POSITION_CHANGE = "admin.position.change", _("Operator changed a position")
    ADMIN_POSITION_DELETE = "admin.position.delete", _("Operator deleted a position")
    ADMIN_CAMPAIGN_ADD = "admin.campaign.add", _("Operator added a campaign")
    ADMIN_CAMPAIGN_CHANGE = "admin.campaign.change", _("Operator changed a campaign")
    ADMIN_CAMPAIGN_DELETE = "admin.campaign.delete", _("Operator deleted a campaign")


def audit_action_label(code):
    """Return the translated label of ``code``, or ``code`` itself for a name no longer registered."""
    try:
        return AuditAction(code).label
    except ValueError:
        return code
