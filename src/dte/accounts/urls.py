from django.urls import path

from dte.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("home/", views.home, name="home"),
    path("password/", views.password_change, name="password_change"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:pk>/", views.manage_account, name="manage_account"),
]
