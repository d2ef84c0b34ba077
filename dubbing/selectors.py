"""Reads for scene dubbing: roles, sessions with their lines and takes, reels, shares."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from dubbing import scoring
from dubbing.models import Reel, ReelShare, ReelStatus, SceneSession, SceneTake
from practice.models import Attempt, AttemptStatus
from scripts.models import Actor, Line, Script
from scripts.selectors import visible_lines

# Fewer than this many actors and a script has no one to dub against.
MIN_ROLES = 2


@dataclass(frozen=True)
class Role:
    actor: Actor
    line_count: int


def script_roles(*, script: Script) -> list[Role]:
    """The script's roles (actors with visible lines) with their line counts, in the
    order they first speak; empty when fewer than MIN_ROLES. Two queries."""
    counts = (
        visible_lines()
        .filter(script=script, actor__isnull=False)
        .order_by()
        .values("actor")
        .annotate(count=Count("*"), first=Min("position"))
    )
    rows = sorted(counts, key=lambda row: row["first"])
    if len(rows) < MIN_ROLES:
        return []
    actors = Actor.objects.in_bulk([row["actor"] for row in rows])
    return [Role(actor=actors[row["actor"]], line_count=row["count"]) for row in rows]


def scene_session_for_owner(*, user: User, public_id: UUID | str) -> SceneSession | None:
    """The session if it exists and is `user`'s; None otherwise (no difference shown)."""
    return (
        SceneSession.objects.select_related("script", "actor", "reel")
        .filter(public_id=public_id, user=user)
        .first()
    )


def scene_session_list(*, user: User, script_id: int | None = None) -> QuerySet[SceneSession]:
    sessions = SceneSession.objects.filter(user=user).select_related("script", "actor", "reel")
    if script_id is not None:
        sessions = sessions.filter(script_id=script_id)
    return sessions.order_by("-updated_at", "-id")


@dataclass(frozen=True)
class SessionLine:
    """A line of the scene as the session sees it. Role lines have their takes (newest
    first) and the take that goes into the reel: the chosen one, else the newest scored."""

    line: Line
    is_role: bool
    takes: list[Attempt]
    chosen: Attempt | None

    @property
    def ready(self) -> bool:
        return self.chosen is not None


def session_lines(*, session: SceneSession) -> list[SessionLine]:
    """Every visible line of the session's script in order, with the role's takes.
    Two queries, whatever the number of lines and takes."""
    lines = list(
        visible_lines()
        .filter(script_id=session.script_id)
        .select_related("actor")
        .order_by("position")
    )
    takes: dict[int, list[SceneTake]] = {}
    for take in (
        SceneTake.objects.filter(session=session)
        .select_related("attempt")
        .order_by("line_id", "-attempt__created_at", "-id")
    ):
        takes.setdefault(take.line_id, []).append(take)
    out = []
    for line in lines:
        is_role = line.actor_id == session.actor_id
        line_takes = takes.get(line.pk, [])
        scored = [t for t in line_takes if t.attempt.status == AttemptStatus.COMPLETED]
        explicit = next((t for t in scored if t.chosen), None)
        chosen = explicit or (scored[0] if scored else None)
        out.append(
            SessionLine(
                line=line,
                is_role=is_role,
                takes=[t.attempt for t in line_takes],
                chosen=chosen.attempt if chosen else None,
            )
        )
    return out


def session_missing_lines(lines: list[SessionLine]) -> list[Line]:
    """The role's lines that have no scored take yet."""
    return [entry.line for entry in lines if entry.is_role and not entry.ready]


def session_scene_score(lines: list[SessionLine]) -> scoring.SceneScore:
    return scoring.scene_score(
        [
            scoring.LineScores(
                line_id=entry.line.pk,
                position=entry.line.position,
                text=entry.line.text,
                scores={
                    "timing": entry.chosen.timing,
                    "pronunciation": entry.chosen.pronunciation,
                    "intonation": entry.chosen.intonation,
                    "emotion": entry.chosen.emotion,
                },
                onset_offset=scoring.onset_offset(entry.chosen.detailed_feedback),
            )
            for entry in lines
            if entry.is_role and entry.chosen is not None
        ]
    )


def reel_takes(lines: list[SessionLine]) -> list[dict[str, object]]:
    """What a reel is built from: each role line's take, in line order."""
    return [
        {"line_id": entry.line.pk, "job_id": str(entry.chosen.job_id)}
        for entry in lines
        if entry.is_role and entry.chosen is not None
    ]


def reel_is_current(reel: Reel, lines: list[SessionLine]) -> bool:
    """Whether the reel was built (or is being built) from the takes chosen now."""
    return bool(reel.takes == reel_takes(lines))


def reel_for_owner(*, user: User, job_id: UUID | str) -> Reel | None:
    return Reel.objects.select_related("session").filter(job_id=job_id, session__user=user).first()


def share_is_active(share: ReelShare, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(share.revoked_at is None and (share.expires_at is None or share.expires_at > now))


def shared_reel(*, token: str, now: datetime | None = None) -> ReelShare | None:
    """A live share link's share, with its ready reel, session, script and role; None
    when the token is unknown, revoked, expired or its reel is not ready."""
    now = now or timezone.now()
    return (
        ReelShare.objects.select_related("reel__session__script", "reel__session__actor")
        .filter(token=token, revoked_at__isnull=True, reel__status=ReelStatus.READY)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )


def reel_share_list(*, reel: Reel) -> QuerySet[ReelShare]:
    return ReelShare.objects.filter(reel=reel).order_by("-created_at", "-id")


def dubbable_scripts() -> QuerySet[Script]:
    """Published scripts with MIN_ROLES roles or more, newest first (one query)."""
    return (
        Script.objects.filter(is_published=True)
        .annotate(
            role_count=Count(
                "lines__actor",
                distinct=True,
                filter=Q(lines__in=visible_lines(), lines__actor__isnull=False),
            )
        )
        .filter(role_count__gte=MIN_ROLES)
        .order_by("-created_at", "-id")
    )
