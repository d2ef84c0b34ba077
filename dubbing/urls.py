from django.urls import path

from dubbing import views

app_name = "dubbing"

urlpatterns = [
    path("scenes/", views.scene_list, name="scenes"),
    path("scenes/<int:script_id>/", views.roles, name="roles"),
    path("scenes/sessions/<uuid:session_id>/", views.session_page, name="session"),
    path("scenes/sessions/<uuid:session_id>/result/", views.result_page, name="result"),
    path("scenes/shared/<str:token>/", views.shared_page, name="shared"),
]
