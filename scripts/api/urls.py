from django.urls import path

from scripts.api import views

urlpatterns = [
    path("scripts/", views.ScriptListApi.as_view(), name="api-script-list"),
    path("scripts/<int:pk>/", views.ScriptDetailApi.as_view(), name="api-script-detail"),
    path("tokens/<int:pk>/", views.TokenDetailApi.as_view(), name="api-token-detail"),
]
