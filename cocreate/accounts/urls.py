from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.resident_login, name="login"),
    path("login/code/", views.resident_login_code, name="login-code"),
    path("staff/login/", views.staff_login, name="staff-login"),
    path("staff/verify/", views.staff_verify, name="staff-verify"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("elder-mode/", views.elder_mode, name="elder-mode"),
    path("staff/authenticator/", views.totp_setup, name="totp-setup"),
    path("language/", views.set_language, name="set-language"),
]
