"""/api/docs/ works offline: Swagger UI comes from drf-spectacular-sidecar's static files."""

import json
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SIDECAR = f"{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/"


def referenced_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


def test_api_docs_load_swagger_ui_from_the_sites_own_static_files(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    urls = referenced_urls(html)
    assert response.status_code == 200
    assert f"{SIDECAR}swagger-ui-bundle.js" in urls
    assert f"{SIDECAR}swagger-ui.css" in urls
    assert all(url.startswith((settings.STATIC_URL, "/api/docs/?")) for url in urls), urls
    # Nothing from another host anywhere in the page (its script: the test below).
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html)


def test_api_docs_static_files_are_found_by_the_staticfiles_finders(client):
    html = client.get("/api/docs/").content.decode()

    for url in referenced_urls(html):
        if not url.startswith(settings.STATIC_URL):
            continue  # the start-up script, served by the view
        path = url.removeprefix(settings.STATIC_URL)
        assert finders.find(path), f"{path} is not among the static files"


def test_static_manifest_setting_selects_hashed_names(tmp_path):
    probe = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yousync.settings",
        "STATIC_MANIFEST": "1",
        "SECRET_KEY": "x" * 50,
        "VAR_DIR": str(tmp_path),
    }

    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_collectstatic_with_hashed_names_collects_swagger_ui_and_pages_name_them(
    settings, tmp_path, client
):
    # As the Docker image builds it (STATIC_MANIFEST=1): hashed names, references inside
    # the files rewritten, a manifest. Without whitenoise's compression, which takes
    # minutes and has no say in which files are found or how pages name them.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    call_command("collectstatic", "--noinput", stdout=StringIO())
    html = client.get("/").content.decode()  # the catalogue, rendered with the manifest

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        hashed = manifest[f"drf_spectacular_sidecar/swagger-ui-dist/{name}"]
        assert (tmp_path / hashed).is_file()
    # Every stylesheet and script the page loads is named by its hashed, collected file
    # (a file missing from the manifest would be a 500 in production).
    static = [u for u in referenced_urls(html) if u.startswith(settings.STATIC_URL)]
    assert static
    for url in static:
        name = url.removeprefix(settings.STATIC_URL)
        assert name in manifest.values(), f"{url} is not a hashed name"
        assert (tmp_path / name).is_file()


def test_swagger_ui_starts_from_a_script_file_with_no_inline_script(client):
    html = client.get("/api/docs/").content.decode()
    (script_url,) = [url for url in referenced_urls(html) if "script" in url]
    script = client.get(script_url)

    assert "<script>" not in html  # CSP: script-src 'self', no inline scripts
    assert re.search(r'<style nonce="[^"]+">', html)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    # Swagger UI's validator badge is an image from validator.swagger.io unless switched off.
    assert '"validatorUrl": null' in script.content.decode()
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", script.content.decode())


def test_in_production_the_schema_and_docs_are_for_staff_only(client, settings):
    from accounts.tests.factories import UserFactory

    settings.API_DOCS_PUBLIC = False

    anonymous = [client.get("/api/schema/").status_code, client.get("/api/docs/").status_code]
    client.force_login(UserFactory(is_staff=False))
    learner = [client.get("/api/schema/").status_code, client.get("/api/docs/").status_code]
    client.force_login(UserFactory(is_staff=True))
    staff = [client.get("/api/schema/").status_code, client.get("/api/docs/").status_code]

    assert all(status in (401, 403) for status in anonymous + learner)
    assert staff == [200, 200]


def test_production_serves_no_browsable_html_api(client, settings):
    assert settings.API_BROWSABLE is False  # DEBUG is off in tests, as in production

    response = client.get(
        "/api/scripts/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )

    assert response["Content-Type"] == "application/json"
    assert b"<html" not in response.content
