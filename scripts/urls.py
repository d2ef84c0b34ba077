from django.urls import path

from scripts import views

app_name = "scripts"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("scripts/<int:pk>/", views.script_detail, name="detail"),
]
