"""URL configuration: the product pages, the Django admin and the language switcher."""

from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path, reverse


def admin_login(request):
    """Send the admin's login to the site's own, which asks for the second factor (R-21).

    A logged-in user without admin rights gets the admin's own "not authorised" page instead of
    a redirect loop.
    """
    if request.user.is_authenticated:
        return admin.site.login(request)
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.GET.get('next') or '/admin/'})}")


urlpatterns = [
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgchart/", include("orgchart.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("chat/", include("chat.urls")),
    path("settings/scim/", include("scim.urls")),
    path("scim/v2/", include("scim.api_urls")),
    path("operations/", include("operations.urls")),
    path("", include("staff.urls")),
    path("", include("accounts.urls")),
]

# Every error page in the layout and both languages (utilities/errors.py); the 500 page without
# the database.
handler400 = "utilities.errors.bad_request"
handler403 = "utilities.errors.permission_denied"
handler404 = "utilities.errors.page_not_found"
handler500 = "utilities.errors.server_error"

admin.site.site_header = "Staffdesk"
admin.site.site_title = "Staffdesk"
