from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScimConfig(AppConfig):
    name = "scim"
    verbose_name = _("SCIM provisioning")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from accounts import audit_words, navigation
        from accounts.signals import account_names_checked as account_names_checked_signal
        from orgchart.models import Department
        from orgchart.signals import delete_checked

        from .signals import account_names_checked, department_or_position_delete_checked, department_saved, staff_saved

        post_save.connect(staff_saved, sender=get_user_model(), dispatch_uid="scim.staff_saved")
        post_save.connect(department_saved, sender=Department, dispatch_uid="scim.department_saved")
        account_names_checked_signal.connect(account_names_checked, dispatch_uid="scim.account_names_checked")
        delete_checked.connect(department_or_position_delete_checked, dispatch_uid="scim.delete_checked")
        # The audit log names a SCIM token acting, in the reader's language.
        audit_words.register_actor_kind(
            "scim_token", _("SCIM token “%(name)s”"), model="scim.scimactor", name_attribute="token_name"
        )
        navigation.register(
            navigation.MenuItem("scim:tokens", _("SCIM provisioning"), lambda user: user.is_owner, _("Settings")),
            before="accounts:audit_log",
        )
