from django.urls import path

import utilities.converters  # noqa: F401  (registers the table_format converter)

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
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/resigned/", views.staff_resigned, name="staff_resigned"),
    path("staff/add/", views.staff_add, name="staff_add"),
    path("staff/temporary/add/", views.temporary_add, name="temporary_add"),
    path("staff/import/", views.staff_import_upload, name="staff_import"),
    path("staff/import/preview/", views.staff_import_preview, name="staff_import_preview"),
    path("staff/import/commit/", views.staff_import_commit, name="staff_import_commit"),
    path("staff/import/template.<table_format:fmt>", views.staff_import_template, name="staff_import_template"),
    path("staff/contacts.<table_format:fmt>", views.staff_contacts_export, name="staff_contacts_export"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/permissions/", views.staff_permissions, name="staff_permissions"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/window/", views.temporary_window_edit, name="temporary_window"),
    path("staff/<int:pk>/rebind/", views.staff_rebind, name="staff_rebind"),
    path("staff/<int:pk>/hand-over/", views.staff_hand_over, name="staff_hand_over"),
    path("staff/<int:pk>/sessions/end-all/", views.staff_sessions_end_all, name="staff_sessions_end_all"),
    path("staff/<int:pk>/sessions/<str:public_id>/end/", views.staff_session_end, name="staff_session_end"),
    path(
        "staff/<int:pk>/<str:action>/",
        views.staff_action,
        name="staff_action",
    ),
    path("bind/<str:token>/", views.bind, name="bind"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
]
