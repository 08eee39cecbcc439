"""The rights that open campaigns and the permission ids grants are stored under."""

from functools import lru_cache

from django.contrib.auth.models import Permission

from accounts import permissions as catalogue



VIEW_CAMPAIGN = ("campaigns", "view_campaign")
IN_SCOPE = ("campaigns", "campaign_in_scope")
VIEW_CONTACT_PRODUCTS = ("accounts", "view_contact_products")

CAMPAIGN_RIGHTS = (catalogue.VIEW_CAMPAIGNS, catalogue.PUBLISH_CAMPAIGNS)
ANY_CAMPAIGN_RIGHT = (*CAMPAIGN_RIGHTS, catalogue.REVIEW_ENROLLMENTS)


@lru_cache(maxsize=None)
def _permission_id(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename).pk


def permission_id(permission):
    """The ``auth_permission`` id of ``(app_label, codename)``, cached for the process."""
    try:
        return _permission_id(*permission)
    except Permission.DoesNotExist:  # the test database may have been flushed and refilled
        _permission_id.cache_clear()
        return _permission_id(*permission)


def forget_permission_ids(**kwargs):
    """Drop the cached permission ids (a ``post_migrate`` receiver).

    ``flush`` (run after every transactional test) recreates the permission rows under new ids;
    a cached old id would otherwise be written into new grants and break their foreign key.
    """
    _permission_id.cache_clear()


def has_right(user, code):
    return user.has_perm(catalogue.perm(code))


def holds_campaign_right(user):
    """Whether ``user`` may see campaigns at all: the campaign menus and official campaigns (R-7, R-25)."""
    return user.is_authenticated and (user.is_owner or any(has_right(user, c) for c in ANY_CAMPAIGN_RIGHT))


def _counts_in_scope(user):
    return user.is_department_admin or any(has_right(user, c) for c in CAMPAIGN_RIGHTS)
