from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("lines/<int:line_id>/practice/", views.practice_line, name="line"),
    path("lines/<int:line_id>/attempts", views.upload_recording, name="upload"),
    path("lines/<int:line_id>/upload-url", views.direct_upload_offer, name="upload-url"),
    path("attempts/<uuid:job_id>/confirm", views.direct_upload_confirm, name="confirm"),
    path("attempts/<uuid:job_id>/", views.attempt_result, name="attempt"),
]
