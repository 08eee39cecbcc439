"""The permission catalogue (R-7): the only list of rights a position can hold.

Each entry is a real Django permission on ``orgchart.Position`` (``orgchart.<code>``), so
``user.has_perm("orgchart.publish_campaigns")`` answers for staff; main accounts hold all of them.
The list lives here, in the bottom domain app, because login (``backends``), menus and every app
above check these rights; the org chart's positions are what grant them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

APP_LABEL = "orgchart"


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    label: str
    description: str

    @property
    def perm(self):
        """The ``app_label.codename`` string that ``has_perm`` takes."""
        return f"{APP_LABEL}.{self.code}"


VIEW_CAMPAIGNS = "view_campaigns"
PUBLISH_CAMPAIGNS = "publish_campaigns"
REVIEW_ENROLLMENTS = "review_enrollments"
VIEW_EFFECT_DATA = "view_effect_data"
COMMISSION_ALERTS = "commission_alerts"
CUSTOMER_CHAT = "customer_chat"
MANAGE_OPERATION_ACCOUNTS = "manage_operation_accounts"

CATALOGUE = (
    CatalogueEntry(VIEW_CAMPAIGNS, _("View campaigns only"), _("See campaigns in one's scope, read-only.")),
    CatalogueEntry(PUBLISH_CAMPAIGNS, _("Publish campaigns"), _("Create and edit campaigns.")),
    CatalogueEntry(REVIEW_ENROLLMENTS, _("Review enrolled products"), _("Approve or reject enrolled products.")),
    CatalogueEntry(VIEW_EFFECT_DATA, _("Campaign effect data"), _("See effect reports within one's data scope.")),
    CatalogueEntry(
        COMMISSION_ALERTS,
        _("Receive commission alerts on DingTalk"),
        _("Receive commission alerts for products one is contact person of."),
    ),
    CatalogueEntry(CUSTOMER_CHAT, _("Customer chat reception"), _("Take part in customer-chat distribution.")),
    CatalogueEntry(
        MANAGE_OPERATION_ACCOUNTS,
        _("Manage operation accounts"),
        _("Manage bound operation accounts (main account only by default)."),
    ),
)

BY_CODE = {entry.code: entry for entry in CATALOGUE}
CODES = tuple(BY_CODE)

# Names stored in auth_permission; the UI shows the translated labels above instead.
META_PERMISSIONS = [
    (VIEW_CAMPAIGNS, "View campaigns only"),
    (PUBLISH_CAMPAIGNS, "Publish campaigns"),
    (REVIEW_ENROLLMENTS, "Review enrolled products"),
    (VIEW_EFFECT_DATA, "Campaign effect data"),
    (COMMISSION_ALERTS, "Receive commission alerts on DingTalk"),
    (CUSTOMER_CHAT, "Customer chat reception"),
    (MANAGE_OPERATION_ACCOUNTS, "Manage operation accounts"),
]


def perm(code):
    """Return the ``has_perm`` string for a catalogue code."""
    return BY_CODE[code].perm


def catalogue_permissions():
    """Return the queryset of ``auth.Permission`` rows of the catalogue."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label=APP_LABEL, codename__in=CODES)
