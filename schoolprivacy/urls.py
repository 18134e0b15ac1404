from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

account_patterns = [
    path("", views.account, name="account"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("confirm/", views.reauthenticate, name="reauthenticate"),
    path("two-step/", views.two_step_setup, name="two_step_setup"),
    path("two-step/verify/", views.two_step_verify, name="two_step_verify"),
    path("two-step/recovery-codes/", views.recovery_codes_new, name="recovery_codes_new"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("notices/read/", views.notices_read, name="notices_read"),
    path("account/", include(account_patterns)),
    path("sign-in/", include("signin.urls")),
    path("language/", views.choose_language, name="set_language"),
    path("health/", views.health, name="health"),
    path("metrics/", views.metrics, name="metrics"),
    path("pupils/", include("pupils.urls")),
    path("portal/", include("pupils.portal_urls")),
    path("consents/", include("consents.urls")),
    path("suppliers/", include("suppliers.urls")),
    path("requests/", include("requests.urls")),
    path("sync/", include("sync.urls")),
    path("staff/", include("staff.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "django.views.defaults.page_not_found"
