from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signup/", views.sign_up, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("settings/dingtalk/", views.dingtalk_info, name="dingtalk"),
    path("settings/deliveries/", views.delivery_list, name="deliveries"),
    path("settings/deliveries/<int:pk>/retry/", views.delivery_retry_view, name="delivery_retry"),
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("settings/audit/export.csv", views.audit_log_export, name="audit_log_export"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
]
