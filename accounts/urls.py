from django.urls import path

from accounts import views

# Names follow allauth's ("account_login", "account_email", ...).
urlpatterns = [
    path("profile/", views.account_profile, name="account_profile"),
    path("delete/", views.account_delete, name="account_delete"),
    path(
        "resend-confirmation/",
        views.resend_email_verification,
        name="account_resend_email_verification",
    ),
]
