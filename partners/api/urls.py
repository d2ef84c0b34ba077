"""Included at /api/v1/: the partner scoring API."""

from django.urls import path

from partners.api import views

app_name = "partners-api"

urlpatterns = [
    path("assess", views.AssessApi.as_view(), name="assess"),
    path("jobs/<uuid:job_id>", views.JobApi.as_view(), name="job"),
    path("usage", views.UsageApi.as_view(), name="usage"),
    path("lines", views.LineListApi.as_view(), name="lines"),
]
