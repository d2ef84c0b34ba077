from django.urls import path

from practice import views, views_catalogue, views_learner

app_name = "practice"

urlpatterns = [
    path("scripts/<int:pk>/", views_catalogue.script_detail, name="script"),
    path("lines/<int:line_id>/practice/", views.practice_line, name="line"),
    path("attempts/<uuid:job_id>/", views.attempt_result, name="attempt"),
    # The learner's own pages (views_learner).
    path("me/history/", views_learner.history, name="history"),
    path("me/bookmarks/", views_learner.bookmarks, name="bookmarks"),
    path("me/overview/", views_learner.overview, name="overview"),
    path("me/sessions/", views_learner.sessions, name="sessions"),
    path("me/export/", views_learner.data_export, name="export"),
    path("lines/<int:line_id>/bookmark", views_learner.bookmark_toggle, name="bookmark-toggle"),
]
