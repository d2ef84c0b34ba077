import io

import factory
import numpy as np
import soundfile
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from scripts.models import Actor, AudioStatus, Kind, Language, Line, Script


def tone(seconds: float, *, rate: int = 16_000, freq: float = 220.0, fmt: str = "WAV") -> bytes:
    """A quiet sine tone encoded as WAV or FLAC: real, decodable audio of a known length."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=fmt, subtype="PCM_16")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("correct-horse-battery")


class ScriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Script

    title = factory.Sequence(lambda n: f"Scene {n}")
    work_title = factory.Sequence(lambda n: f"Work {n}")
    kind = Kind.MOVIE
    language = Language.ENGLISH
    difficulty = 2
    description = "A scene to practise."
    is_published = True


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    character_name = factory.Sequence(lambda n: f"Character {n}")


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line

    script = factory.SubFactory(ScriptFactory)
    actor = factory.SubFactory(ActorFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"This is line number {n}.")
    translation = "번역된 대사입니다."
    start_time = factory.Sequence(lambda n: n * 3.0)
    end_time = factory.LazyAttribute(lambda line: line.start_time + 1.0)
    reference_audio = factory.LazyFunction(
        lambda: ContentFile(tone(1.0, fmt="FLAC"), name="clip.flac")
    )
    duration = 1.0
    audio_status = AudioStatus.OK
