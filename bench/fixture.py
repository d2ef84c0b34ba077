"""The API and page benchmarks' data: a catalogue of published scripts and learners with
scored attempts spread over the last weeks, plus JWT access tokens for wrk.

The same volume as the FastAPI peer's seed (../shared/peers/fastapi_seed/seed.py): 200
scripts x 20 lines, 100 actors, 100 learners x 100 attempts. Two more learners, outside
the tokens wrk uses, are for the server-rendered pages: one with 1,000 attempts and one
with 10, so that a page's queries can be compared between them.

Rows are bulk-created, so no service runs for them: the cache is cleared and the
learners' statistics are rebuilt at the end, as the services would have kept them.
Idempotent: earlier bench rows (import keys "bench-…", learners "bench-learner-…" and
"bench-pages-…@example.com") are replaced. Run by ops/bench_api.sh
(`python -m bench fixture`).
"""

import random
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from practice.learner_stats import learner_stats_rebuild
from practice.models import Attempt, AttemptStatus, PracticeSession
from scripts.models import Actor, AudioStatus, Kind, Language, Line, Script
from scripts.tests.factories import tone

KEY_PREFIX = "bench-"
EMAIL_PATTERN = "bench-learner-{}@example.com"
# The pages' learners, by number of attempts: bench-pages-1000@example.com, ...
PAGE_EMAIL_PATTERN = "bench-pages-{}@example.com"
PAGE_LEARNER_ATTEMPTS = (1000, 10)
ACTOR_PREFIX = "Bench actor "
REFERENCE_AUDIO = "lines/bench/reference.flac"

WORDS = " ".join(
    [
        "never said she stole my money you know what I mean there is no way back home",
        "tonight we fight for the light of the city and I will find you wherever you go",
        "tell me the truth about the night it happened because the door was open again",
    ]
).split()
TRANSLATIONS = (
    "번역된 대사입니다.",
    "그건 말도 안 돼.",
    "오늘 밤 우리는 싸운다.",
    "진실을 말해 줘.",
)
# Benchmark data, not secrets: a seeded generator makes every run build the same rows.
# ruff: noqa: S311
PHONES = ("AA", "AE", "AH", "DH", "ER", "IH", "L", "R", "TH", "V", "W", "Z")


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 10))
    return (" ".join(words) + rng.choice(".!?")).capitalize()


def _feedback(text: str, overall: float, kind: str, rng: random.Random) -> dict:
    """detailed_feedback shaped like the engine's (analysis/engine/feedback.py)."""
    words, phones = [], {}
    for index, raw in enumerate(text.split()):
        score = max(0.0, min(100.0, rng.gauss(overall + 5, 14)))
        omitted = score < 15
        status = "omitted" if omitted else ("mispronounced" if score < 60 else "ok")
        start = None if omitted else round(0.35 * index, 3)
        words.append(
            {
                "index": index,
                "text": raw,
                "start": start,
                "end": None if start is None else round(start + 0.3, 3),
                "ref_start": round(0.35 * index, 3),
                "ref_end": round(0.35 * index + 0.3, 3),
                "score": round(0.0 if omitted else score, 1),
                "status": status,
            }
        )
        if not omitted and score < 80:
            phones[str(index)] = [
                {"phone": rng.choice(PHONES), "score": round(rng.uniform(20, 95), 1)}
                for _ in range(rng.randint(2, 4))
            ]
    times = [round(0.05 * i, 2) for i in range(60)]
    reference = [round(2 * ((i % 20) / 10 - 1), 2) for i in range(60)]
    attempt = [round(v + rng.gauss(0, 0.8), 2) for v in reference]
    return {
        "version": 1,
        "kind": kind,
        "words": words,
        "phones": phones,
        "pitch": {"unit": "semitones", "times": times, "reference": reference, "attempt": attempt},
        "tips": ["Stress the key word more."] if overall < 70 else [],
        "warnings": [],
    }


def default_tokens_path() -> Path:
    return Path(settings.VAR_DIR) / "bench" / "api-tokens.txt"


def build(
    *,
    scripts: int = 200,
    lines: int = 20,
    actors: int = 100,
    learners: int = 100,
    attempts: int = 100,
    page_learners: tuple[int, ...] = PAGE_LEARNER_ATTEMPTS,
    days: int = 60,
    tokens: Path | None = None,
    token_hours: int = 12,
    seed: int = 7,
) -> str:
    """Replace the bench rows, write one access token per learner to `tokens` (the
    pages' learners have none) and say what was built."""
    tokens = tokens or default_tokens_path()
    started = time.perf_counter()
    rng = random.Random(seed)
    _clear()
    if not default_storage.exists(REFERENCE_AUDIO):
        default_storage.save(REFERENCE_AUDIO, ContentFile(tone(1.0, fmt="FLAC")))
    with transaction.atomic():
        catalogue = _catalogue(rng, scripts, lines, actors)
        users = _learners([EMAIL_PATTERN.format(i + 1) for i in range(learners)])
        rows = _attempts(rng, users, catalogue, attempts, days)
        for count in page_learners:
            page_user = _learners([PAGE_EMAIL_PATTERN.format(count)])
            rows += _attempts(rng, page_user, catalogue, count, days)
            users += page_user
    # Rows written past the services: nothing cached about them may be served.
    caches["default"].clear()
    rows_done = time.perf_counter()
    for user in users:
        learner_stats_rebuild(user_id=user.pk)
    written = _tokens(users[:learners], tokens, token_hours)
    if connection.vendor == "postgresql":
        # As autovacuum would soon: planner statistics for the freshly bulk-written
        # tables, so the first measurements do not run on plans for empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return (
        f"Bench data: {scripts} scripts x {lines} lines, {actors} actors, {learners} learners x "
        f"{attempts} attempts and page learners with {', '.join(map(str, page_learners))} "
        f"({rows} attempts) in {rows_done - started:.1f} s; statistics rebuilt for "
        f"{len(users)} learners in {time.perf_counter() - rows_done:.1f} s; "
        f"{written} tokens in {tokens}."
    )


def page_learner(attempts: int):
    """The pages' learner with that many attempts (built by `build`)."""
    return get_user_model().objects.get(email=PAGE_EMAIL_PATTERN.format(attempts))


def _bench_users():
    users = get_user_model().objects
    return users.filter(email__startswith="bench-learner-") | users.filter(
        email__startswith="bench-pages-"
    )


def _clear() -> None:
    users = _bench_users()
    Attempt.objects.filter(user__in=users).delete()
    PracticeSession.objects.filter(user__in=users).delete()
    users.delete()
    scripts = Script.objects.filter(import_key__startswith=KEY_PREFIX)
    Line.objects.filter(script__in=scripts).delete()
    scripts.delete()
    Actor.objects.filter(name__startswith=ACTOR_PREFIX, lines__isnull=True).delete()


def _catalogue(rng: random.Random, scripts: int, per_script: int, actors: int) -> list[Line]:
    cast_pool = Actor.objects.bulk_create(
        Actor(name=f"{ACTOR_PREFIX}{i}", character_name=f"Character {i}") for i in range(actors)
    )
    kinds, languages = Kind.values, Language.values
    rows = Script.objects.bulk_create(
        Script(
            title=f"Scene {i + 1}: {_sentence(rng)[:60]}",
            work_title=f"Bench work {i // 4 + 1}",
            kind=kinds[i % len(kinds)],
            language=languages[i % len(languages)],
            difficulty=i % 5 + 1,
            description=f"Practice scene {i + 1}. {_sentence(rng)}",
            is_published=True,
            import_key=f"{KEY_PREFIX}{i + 1}",
        )
        for i in range(scripts)
    )
    lines = []
    for script in rows:
        cast = rng.sample(cast_pool, min(2, len(cast_pool)))
        start = 0.0
        for position in range(1, per_script + 1):
            length = round(rng.uniform(1.2, 4.5), 2)
            lines.append(
                Line(
                    script=script,
                    actor=cast[position % len(cast)],
                    position=position,
                    text=_sentence(rng),
                    translation=rng.choice(TRANSLATIONS),
                    start_time=round(start, 2),
                    end_time=round(start + length, 2),
                    reference_audio=REFERENCE_AUDIO,
                    duration=length,
                    audio_status=AudioStatus.OK,
                )
            )
            start += length + rng.uniform(0.2, 1.5)
    Line.objects.bulk_create(lines, batch_size=2000)
    return list(Line.objects.filter(script__in=rows).select_related("script"))


def _learners(emails: list[str]) -> list:
    User = get_user_model()
    password = make_password("bench-password-not-for-login")
    User.objects.bulk_create(User(email=email, password=password) for email in emails)
    return list(User.objects.filter(email__in=emails).order_by("pk"))


def _attempts(rng: random.Random, users, lines, per_learner: int, days: int) -> int:
    now = timezone.now()
    by_script: dict[int, list[Line]] = {}
    for line in lines:
        by_script.setdefault(line.script_id, []).append(line)
    script_ids = list(by_script)
    attempts, sessions = [], []
    for user in users:
        skill = rng.uniform(55, 88)
        favourites = rng.sample(script_ids, min(len(script_ids), 12))
        made = 0
        while made < per_learner:
            # A sitting: 5-15 attempts on one script, minutes apart, on one day.
            script_id = rng.choice(favourites)
            sitting_start = now - timedelta(days=rng.uniform(0, days), minutes=rng.uniform(0, 30))
            count = min(per_learner - made, rng.randint(5, 15))
            session = PracticeSession(
                user=user,
                script_id=script_id,
                started_at=sitting_start,
                last_activity_at=sitting_start + timedelta(minutes=count),
            )
            sessions.append(session)
            for k in range(count):
                line = rng.choice(by_script[script_id])
                overall = max(5.0, min(99.0, rng.gauss(skill, 9)))
                dims = {
                    name: round(max(0.0, min(100.0, rng.gauss(overall, 8))), 1)
                    for name in ("pronunciation", "intonation", "timing", "emotion")
                }
                at = sitting_start + timedelta(minutes=k)
                attempts.append(
                    Attempt(
                        user=user,
                        line=line,
                        session=session,
                        recording=f"attempts/bench/{user.pk}-{made}.webm",
                        content_type="audio/webm",
                        size_bytes=rng.randint(20_000, 80_000),
                        duration=round(line.duration + rng.uniform(-0.3, 0.6), 2),
                        status=AttemptStatus.COMPLETED,
                        stage="done",
                        progress=100,
                        tries=1,
                        overall=round(overall, 1),
                        detailed_feedback=_feedback(line.text, overall, line.script.kind, rng),
                        started_at=at,
                        finished_at=at + timedelta(seconds=1),
                        **dims,
                    )
                )
                made += 1
    PracticeSession.objects.bulk_create(sessions, batch_size=1000)
    for attempt in attempts:
        attempt.session_id = attempt.session.pk
    Attempt.objects.bulk_create(attempts, batch_size=1000)
    # created_at/updated_at are stamped on insert: put each attempt back in its day
    # (started_at and finished_at already are).
    Attempt.objects.filter(user__in=users).update(
        created_at=F("started_at"), updated_at=F("finished_at")
    )
    return len(attempts)


def _tokens(users, path: Path, hours: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for user in users:
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=timedelta(hours=hours))
        lines.append(str(token))
    path.write_text("\n".join(lines) + "\n")
    return len(lines)
