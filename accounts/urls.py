from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signup/", views.sign_up, name="signup"),
    path("signup/individual/", views.sign_up_individual, name="signup_individual"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/code/", views.login_verify, name="login_verify"),
    path("password/", views.password_change, name="password_change"),
    path("security/two-factor/", views.two_factor_status, name="two_factor"),
    path("security/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("security/two-factor/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("security/two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("account/verification/", views.verification, name="verification"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/end-others/", views.session_end_others_view, name="sessions_end_others"),
    path("sessions/<str:public_id>/end/", views.session_end_view, name="session_end"),
    path("settings/dingtalk/", views.dingtalk_info, name="dingtalk"),
    path("settings/deliveries/", views.delivery_list, name="deliveries"),
    path("settings/deliveries/<int:pk>/retry/", views.delivery_retry_view, name="delivery_retry"),
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("settings/audit/export.csv", views.audit_log_export, name="audit_log_export"),
    path("staff/<int:pk>/sessions/end-all/", views.staff_sessions_end_all, name="staff_sessions_end_all"),
    path("staff/<int:pk>/sessions/<str:public_id>/end/", views.staff_session_end, name="staff_session_end"),
    path("bind/<str:token>/", views.bind, name="bind"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
]
