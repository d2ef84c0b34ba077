"""Shared fixtures for the scoring-engine tests: models load once per session."""

from __future__ import annotations

import pytest

from analysis import engine
from analysis.engine import synth

LINE = "Are you really going to leave me here all alone tonight?"
OTHER_LINE = "The weather was lovely so we walked along the river to the station."
# espeak-ng's Klatt voices are the ones pocketsphinx's acoustic model follows best.
VOICE = "en-us+klatt4"

needs_espeak = pytest.mark.skipif(
    not synth.espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


@pytest.fixture(scope="session")
def warm_engine():
    engine.warm_up()
    return engine


@pytest.fixture(scope="session")
def speech():
    """speech(text, **kw) -> padded float32 samples; memoised for the session."""
    if not synth.espeak_available():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    cache: dict = {}

    def make(text: str = LINE, voice: str = VOICE, rate: int = 160, pitch: int = 50, before=0.3):
        key = (text, voice, rate, pitch, before)
        if key not in cache:
            cache[key] = synth.pad(synth.speak(text, voice, rate, pitch), before=before)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def reference_clip(speech):
    return synth.to_wav_bytes(speech())


@pytest.fixture(scope="session")
def reference_analysis(warm_engine, reference_clip):
    return warm_engine.analyse_reference(reference_clip, LINE)


@pytest.fixture(scope="session")
def score(warm_engine, reference_analysis):
    """score(samples, text=LINE) -> Assessment against the cached reference."""
    cache: dict = {}

    def run(samples, text: str = LINE, kind: str = "movie"):
        key = (samples.tobytes(), text, kind)
        if key not in cache:
            cache[key] = warm_engine.assess(
                None,
                synth.to_wav_bytes(samples),
                text,
                kind,
                reference_analysis=reference_analysis,
            )
        return cache[key]

    return run
