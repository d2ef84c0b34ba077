import io
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from practice.learner_stats import learner_stats_refresh
from practice.models import Attempt
from scripts.models import AudioStatus, Line, Script


def espeak_wav(text: str, *, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is required (make test installs it)")
    return subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout


def silence_wav(seconds: float = 1.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).normal(0, 1e-4, int(seconds * rate)).astype(np.float32)
    sf.write(buffer, noise, rate, format="WAV")
    return buffer.getvalue()


def saved_attempt(user, line, **fields) -> Attempt:
    """An Attempt row in any state, for tests that don't need a real recording."""
    defaults = {
        "content_type": "audio/wav",
        "size_bytes": 10,
        "duration": 2.0,
        "recording": "attempts/take.wav",
    }
    attempt = Attempt.objects.create(user=user, line=line, **{**defaults, **fields})
    learner_stats_refresh(attempt=attempt)  # what the services do on every change
    return attempt


def api_client(user=None) -> APIClient:
    """An API client signed in as `user` with a JWT bearer, as the app is."""
    client = APIClient()
    if user is not None:
        token = RefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def upload(data: bytes, name: str = "take.webm", content_type: str = "audio/webm"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def learner(db):
    return User.objects.create_user("learner@example.com", "a-long-password-1")


@pytest.fixture
def other_learner(db):
    return User.objects.create_user("other@example.com", "a-long-password-2")


LINE_TEXT = "I never said she stole my money"


@pytest.fixture
def line(db):
    script = Script.objects.create(
        title="Scene one", work_title="Test Movie", kind="movie", language="en", is_published=True
    )
    line = Line(
        script=script,
        position=1,
        text=LINE_TEXT,
        translation="나는 그녀가 내 돈을 훔쳤다고 말한 적 없어",
        start_time=0.0,
        end_time=2.5,
        audio_status=AudioStatus.OK,
    )
    line.reference_audio.save("ref.wav", ContentFile(espeak_wav(LINE_TEXT)), save=False)
    line.save()
    return line
