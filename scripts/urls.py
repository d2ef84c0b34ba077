from django.urls import path

from scripts import views

app_name = "scripts"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
]
