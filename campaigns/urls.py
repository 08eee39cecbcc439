from django.urls import path

import utilities.converters  # noqa: F401  (registers the table_format converter)

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("official/", views.official_list, name="official"),
    path("add/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("products/", views.product_list, name="products"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/attention/", views.product_attention, name="product_attention"),
    path("products/<int:pk>/<str:decision>/", views.product_review, name="product_review"),
    path("reports/", views.report, name="report"),
    path("reports/export.<table_format:fmt>", views.report_export, name="report_export"),
    path("reports/upload/", views.effect_upload, name="effect_upload"),
    path("reports/template.csv", views.effect_template, name="effect_template"),
    path("enroll/<str:token>/", views.enroll, name="enroll"),
]
