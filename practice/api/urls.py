"""Included at /api/: the mobile contract's paths (no trailing slash)."""

from django.urls import path

from practice.api import export, mypage, stream, views

app_name = "practice-api"

urlpatterns = [
    path("tokens/<int:pk>/upload-audio", views.UploadAudioApi.as_view(), name="upload-audio"),
    path("tokens/<int:pk>/upload-url", views.UploadOfferApi.as_view(), name="upload-url"),
    path("attempts/<uuid:job_id>/confirm", views.UploadConfirmApi.as_view(), name="upload-confirm"),
    path(
        "tokens/analysis-result/<uuid:job_id>",
        views.AnalysisResultApi.as_view(),
        name="analysis-result",
    ),
    path(
        "tokens/analysis-progress/<uuid:job_id>",
        stream.analysis_progress,
        name="analysis-progress",
    ),
    path("mypage/bookmarks/", mypage.BookmarkListApi.as_view(), name="bookmarks"),
    path(
        "mypage/bookmarks/<int:token_id>/",
        mypage.BookmarkDetailApi.as_view(),
        name="bookmark-detail",
    ),
    path("mypage/my-dubbed-tokens", mypage.DubbedTokenListApi.as_view(), name="dubbed-tokens"),
    path("mypage/overview", mypage.OverviewApi.as_view(), name="overview"),
    path("mypage/sessions", mypage.PracticeSessionListApi.as_view(), name="sessions"),
    path("mypage/attempts", mypage.AttemptListApi.as_view(), name="attempts"),
    path("me/export", export.ExportApi.as_view(), name="me-export"),
]
