"""Included at /api/: scene dubbing (no trailing slash, as the rest of the app's API)."""

from django.urls import path

from dubbing.api import views

app_name = "dubbing-api"

S = "scene-sessions/<uuid:session_id>"

urlpatterns = [
    path("scripts/<int:pk>/roles", views.RolesApi.as_view(), name="roles"),
    path("scene-sessions", views.SceneSessionListApi.as_view(), name="sessions"),
    path(S, views.SceneSessionApi.as_view(), name="session"),
    path(
        f"{S}/tokens/<int:token_id>/upload-audio",
        views.TakeUploadApi.as_view(),
        name="take-upload",
    ),
    path(f"{S}/tokens/<int:token_id>/choice", views.TakeChoiceApi.as_view(), name="take-choice"),
    path(f"{S}/reel", views.ReelApi.as_view(), name="reel"),
    path(f"{S}/reel/subtitles.srt", views.ReelSubtitlesApi.as_view(kind="srt"), name="reel-srt"),
    path(f"{S}/reel/subtitles.vtt", views.ReelSubtitlesApi.as_view(kind="vtt"), name="reel-vtt"),
    path(f"{S}/reel/shares", views.ShareListApi.as_view(), name="shares"),
    path(f"{S}/reel/shares/<int:share_id>", views.ShareApi.as_view(), name="share"),
    path("shared-reels/<str:token>", views.SharedReelApi.as_view(), name="shared-reel"),
    path(
        "shared-reels/<str:token>/subtitles.srt",
        views.SharedSubtitlesApi.as_view(kind="srt"),
        name="shared-srt",
    ),
    path(
        "shared-reels/<str:token>/subtitles.vtt",
        views.SharedSubtitlesApi.as_view(kind="vtt"),
        name="shared-vtt",
    ),
]
