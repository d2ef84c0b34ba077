"""A small two-role scene made of tones (no synthesiser needed), its learners, and takes
that are real uploads through practice's attempt pipeline, completed without the engine."""

import io
from dataclasses import dataclass, field

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from dubbing import services
from dubbing.models import SceneSession
from practice.models import Attempt
from practice.services import attempt_fail, attempt_finish
from scripts.models import Actor, AudioStatus, Line, Script

RATE = 48_000
SCENE_SECONDS = 7.5
# (speaker, start, end, tone Hz, text): A and B take turns, as in a dialogue.
LINES = [
    ("Mara", 0.5, 1.7, 220.0, "Wait! Hold the door, please!"),
    ("Leo", 2.2, 3.4, 330.0, "Too late. That was the last train."),
    ("Mara", 3.9, 5.1, 247.0, "Then I guess we are walking."),
    ("Leo", 5.6, 6.8, 370.0, "Lead the way, stranger."),
]
TAKE_LEAD = 0.3  # silence before the learner's voice in each take (seconds)
TAKE_VOICE = 0.45  # how long the learner's voice lasts (seconds)


def wav_bytes(samples: np.ndarray, rate: int = RATE) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def voiced(seconds: float, tone: float, rate: int = RATE) -> np.ndarray:
    """A 'voice': a tone with harmonics and a syllable-like amplitude swell."""
    t = np.arange(int(seconds * rate)) / rate
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    wave = sum(np.sin(2 * np.pi * tone * k * t) / k for k in (1, 2, 3))
    return (0.3 * swell * wave / 1.8).astype(np.float32)


def scene_samples() -> np.ndarray:
    out = np.random.default_rng(0).normal(0, 1e-4, int(SCENE_SECONDS * RATE)).astype(np.float32)
    for _speaker, start, end, tone, _text in LINES:
        part = voiced(end - start, tone)
        first = round(start * RATE)
        out[first : first + len(part)] += part
    return out


def take_samples(seed: int) -> np.ndarray:
    """A take: quiet room, then TAKE_VOICE s of band-limited noise (sharp under
    cross-correlation), then quiet again."""
    rng = np.random.default_rng(seed)
    total = int((TAKE_LEAD + TAKE_VOICE + 0.4) * RATE)
    out = rng.normal(0, 2e-4, total).astype(np.float32)
    voice = rng.normal(0, 1, int(TAKE_VOICE * RATE))
    voice = np.convolve(voice, np.ones(8) / 8, mode="same")  # below ~6 kHz, as a voice
    envelope = np.minimum(
        1, np.minimum(np.arange(len(voice)), len(voice) - np.arange(len(voice))) / 480
    )
    first = int(TAKE_LEAD * RATE)
    out[first : first + len(voice)] += (0.05 * voice * envelope).astype(np.float32)
    return out


@dataclass
class Scene:
    script: Script
    mara: Actor
    leo: Actor
    lines: list[Line] = field(default_factory=list)

    def role_lines(self, actor: Actor) -> list[Line]:
        return [line for line in self.lines if line.actor_id == actor.pk]


def make_scene(*, with_scene_audio: bool = True, title: str = "The Last Train") -> Scene:
    script = Script.objects.create(
        title=title, work_title="Midnight Station", kind="movie", language="en", is_published=True
    )
    samples = scene_samples()
    if with_scene_audio:
        script.scene_audio.save("scene.wav", ContentFile(wav_bytes(samples)), save=True)
    mara = Actor.objects.create(name="Mara Kim", character_name="Mara")
    leo = Actor.objects.create(name="Leo Park", character_name="Leo")
    scene = Scene(script=script, mara=mara, leo=leo)
    for position, (speaker, start, end, _tone, text) in enumerate(LINES, start=1):
        clip_from = max(0.0, start - 0.15)
        clip = samples[round(clip_from * RATE) : round((end + 0.15) * RATE)]
        line = Line(
            script=script,
            actor=mara if speaker == "Mara" else leo,
            position=position,
            text=text,
            start_time=start,
            end_time=end,
            duration=len(clip) / RATE,
            audio_status=AudioStatus.OK,
        )
        line.reference_audio.save(f"line{position}.wav", ContentFile(wav_bytes(clip)), save=False)
        line.save()
        scene.lines.append(line)
    return scene


@dataclass(frozen=True)
class Assessment:
    """What practice.services.attempt_finish stores (its Scored protocol), as the engine
    would report it; the tests choose the scores."""

    timing: float = 80.0
    pronunciation: float | None = 70.0
    intonation: float = 60.0
    emotion: float | None = 50.0
    overall: float = 68.0
    onset_offset: float = 0.0
    warnings: list = field(default_factory=list)
    stage_seconds: dict = field(default_factory=dict)

    @property
    def detailed_feedback(self) -> dict:
        return {"version": 3, "timing": {"onset_offset": self.onset_offset}, "tips": []}


def upload_take(session: SceneSession, line: Line, seed: int = 1) -> Attempt:
    upload = SimpleUploadedFile("take.wav", wav_bytes(take_samples(seed)), "audio/wav")
    attempt, _created = services.scene_take_create(session=session, line=line, upload=upload)
    return attempt


def score(attempt: Attempt, **scores) -> Attempt:
    return attempt_finish(attempt=attempt, assessment=Assessment(**scores))


def fail(attempt: Attempt) -> Attempt:
    return attempt_fail(attempt=attempt, code="no_speech", message="We could not hear you.")


def api_client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        token = RefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(request, settings, tmp_path):
    if not settings.AWS_STORAGE_BUCKET_NAME and not request.node.get_closest_marker("browser"):
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def learner(db):
    return User.objects.create_user("dubber@example.com", "a-long-password-1")


@pytest.fixture
def other_learner(db):
    return User.objects.create_user("other@example.com", "a-long-password-2")


@pytest.fixture
def scene(db):
    return make_scene()


@pytest.fixture
def session(scene, learner):
    return services.scene_session_create(user=learner, script=scene.script, actor=scene.mara)


@pytest.fixture
def stub_worker(transactional_db):
    """A Dramatiq worker thread on the configured broker (StubBroker in unit runs)."""
    import dramatiq
    from dramatiq import Worker

    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = Worker(broker, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()
