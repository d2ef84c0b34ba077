import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()


def test_deploy_check_with_production_settings_is_clean(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "yousync.settings",
        "SECRET_KEY": "k8Qx2-Vb7Nm4Lp9Zr6Ty3Wu1Es5Ad8Fg0Hj2Kl4Zx6Cv8Bn1Mq3Wr5Ty7Ui9Op0",
        "ALLOWED_HOSTS": "yousync.example.com",
        "VAR_DIR": str(tmp_path),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_site_pages_speak_korean_to_korean_browsers(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다." in response.text
    assert "카탈로그" in response.text  # navigation, from the shared layout
