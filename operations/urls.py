from django.urls import path

import utilities.converters  # noqa: F401  (registers the table_format converter)

from . import views

app_name = "operations"

urlpatterns = [
    # The shop's side
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/invite/", views.invite, name="invite"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("accounts/<int:pk>/unbind/", views.unbind, name="unbind"),
    path("accounts/<int:pk>/replace/", views.replace, name="replace"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/add/", views.task_add, name="task_add"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("orders/", views.order_list, name="order_list"),
    # Both sides
    path("bindings/<int:pk>/statement/", views.statement, name="statement"),
    path("bindings/<int:pk>/statement.<table_format:fmt>", views.statement_export, name="statement_export"),
    path("orders/<int:pk>/<str:action>/", views.order_action, name="order_action"),
    # The operation account's side
    path("my/", views.my_shops, name="my_shops"),
    path("my/invitations/<int:pk>/<str:answer>/", views.invitation_answer, name="invitation_answer"),
    path("my/<int:pk>/", views.work, name="work"),
    path("my/<int:pk>/orders/", views.work_orders, name="work_orders"),
    path("my/<int:pk>/order/", views.order_place, name="order_place"),
]
