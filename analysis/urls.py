"""Included at /api/: the analysis server's webhook."""

from django.urls import path

from analysis import api

app_name = "analysis-api"

urlpatterns = [
    path(
        "tokens/webhook/analysis-complete",
        api.AnalysisWebhookApi.as_view(),
        name="analysis-webhook",
    ),
]
