from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from scripts import views as catalogue_views
from yousync import metrics, views

urlpatterns = [
    path("", catalogue_views.catalogue, name="home"),
    path("", include("scripts.urls")),
    path("", include("practice.urls")),
    path("", include("dubbing.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("ops/probe/<uuid:probe_id>", views.pipeline_probe_start, name="pipeline-probe"),
    # Before Django's i18n URLs: also saves the choice on a signed-in learner's profile.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("partners.api.urls")),  # the partner scoring API
    path("api/", include("accounts.api.urls")),
    path("api/", include("scripts.api.urls")),
    path("api/", include("practice.api.urls")),
    path("api/", include("dubbing.api.urls")),
    path("api/", include("analysis.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

if not settings.AWS_STORAGE_BUCKET_NAME:
    # Embedded mode is one process with files on its own disk: it serves them itself.
    # With S3 the browser fetches presigned URLs from the bucket instead.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

# JSON errors under /api/ (yousync/views.py), the HTML pages elsewhere.
handler404 = "yousync.views.page_not_found"
handler500 = "yousync.views.server_error"
