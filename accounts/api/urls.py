"""Included at /api/: the mobile contract's paths have no trailing slash."""

from django.urls import path

from accounts.api import views

app_name = "accounts-api"

urlpatterns = [
    path("auth/google", views.GoogleSignInView.as_view(), name="google"),
    path("auth/login", views.LoginView.as_view(), name="login"),
    path("auth/refresh", views.RefreshView.as_view(), name="refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="logout"),
    path("me", views.MeView.as_view(), name="me"),
]
