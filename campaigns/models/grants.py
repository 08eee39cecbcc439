"""django-guardian's direct-foreign-key permission tables (never the generic ones, STYLE 6)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .campaigns import Campaign

class CampaignUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Campaign, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("campaign grant to a person")
        verbose_name_plural = _("campaign grants to people")


class CampaignGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Campaign, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("campaign grant to a group")
        verbose_name_plural = _("campaign grants to groups")


class ContactPersonUserObjectPermission(UserObjectPermissionBase):
    """``accounts.view_contact_products`` on a staff account, held by that person (R-28)."""

    content_object = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="contact_person_grants",
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("contact-person grant to a person")
        verbose_name_plural = _("contact-person grants to people")


class ContactPersonGroupObjectPermission(GroupObjectPermissionBase):
    """``accounts.view_contact_products`` on a staff account, held by its overseer group (R-28)."""

    content_object = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.CASCADE,
        related_name="contact_person_group_grants",
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("contact-person grant to a group")
        verbose_name_plural = _("contact-person grants to groups")
