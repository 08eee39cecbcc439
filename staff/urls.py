from django.urls import path

import utilities.converters  # noqa: F401  (registers the table_format converter)

from . import views

app_name = "staff"

urlpatterns = [
    path("staff/", views.staff_list, name="list"),
    path("staff/resigned/", views.staff_resigned, name="resigned"),
    path("staff/add/", views.staff_add, name="add"),
    path("staff/temporary/add/", views.temporary_add, name="temporary_add"),
    path("staff/import/", views.staff_import_upload, name="import"),
    path("staff/import/preview/", views.staff_import_preview, name="import_preview"),
    path("staff/import/commit/", views.staff_import_commit, name="import_commit"),
    path("staff/import/template.<table_format:fmt>", views.staff_import_template, name="import_template"),
    path("staff/contacts.<table_format:fmt>", views.staff_contacts_export, name="contacts_export"),
    path("staff/<int:pk>/", views.staff_detail, name="detail"),
    path("staff/<int:pk>/permissions/", views.staff_permissions, name="permissions"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="edit"),
    path("staff/<int:pk>/window/", views.temporary_window_edit, name="temporary_window"),
    path("staff/<int:pk>/rebind/", views.staff_rebind, name="rebind"),
    path("staff/<int:pk>/hand-over/", views.staff_hand_over, name="hand_over"),
    path("staff/<int:pk>/<str:action>/", views.staff_action, name="action"),
]
