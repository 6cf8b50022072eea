from django.urls import path

from .views import api_keys, auth, mfa, profile

app_name = "accounts"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("register/", auth.register, name="register"),
    path("register/done/", auth.register_done, name="register_done"),
    path("confirm/resend/", auth.confirm_email_resend, name="confirm_email_resend"),
    path("confirm/<str:token>/", auth.confirm_email, name="confirm_email"),
    path("profile/", profile.profile, name="profile"),
    path(
        "sessions/logout-others/",
        profile.logout_other_sessions,
        name="logout_other_sessions",
    ),
    path("mfa/", mfa.mfa_setup, name="mfa"),
    path("mfa/verify/", mfa.mfa_verify, name="mfa_verify"),
    path("mfa/backup-codes/", mfa.mfa_backup_codes, name="mfa_backup_codes"),
    path("mfa/disable/", mfa.mfa_disable, name="mfa_disable"),
    path("api-keys/", api_keys.api_keys, name="api_keys"),
    path(
        "api-keys/<str:key_id>/revoke/", api_keys.api_key_revoke, name="api_key_revoke"
    ),
    path(
        "password_change/",
        auth.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("password_reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
