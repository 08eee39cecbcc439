"""URL configuration: the product pages, the Django admin and the language switcher."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgchart/", include("orgchart.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("accounts.urls")),
]

admin.site.site_header = "Staffdesk"
admin.site.site_title = "Staffdesk"
