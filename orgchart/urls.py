from django.urls import path

from . import views

app_name = "orgchart"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("departments/add/", views.department_add, name="department_add"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("positions/", views.position_list, name="positions"),
    path("positions/add/", views.position_form, name="position_add"),
    path("positions/<int:pk>/edit/", views.position_form, name="position_edit"),
    path("positions/<int:pk>/delete/", views.position_delete, name="position_delete"),
]
