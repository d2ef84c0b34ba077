"""What to tell a learner whose take could not be scored, in their language."""

from typing import TYPE_CHECKING, TypedDict

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the stubs' name for a lazy translation
    from django.utils.functional import _StrPromise as StrPromise

# What to do about a take that could not be scored, by the failure's code: the upload's
# checks (practice.uploads) and the engine's (analysis.engine.errors). `retry` says whether
# sending the same take again can help (it cannot when the take itself is unusable).
FAILURE_ADVICE: dict[str, tuple["StrPromise", "StrPromise", bool]] = {
    "no_speech": (
        _("We could not hear you"),
        _(
            "Check that the right microphone is chosen and not muted, come closer to it, "
            "and record again."
        ),
        False,
    ),
    "too_little_speech": (
        _("Too little speech to score"),
        _("Say the whole line, not only a part of it, then score the new take."),
        False,
    ),
    "too_short": (
        _("The take is too short"),
        _("Start speaking after the count-in and say the whole line before you stop."),
        False,
    ),
    "too_long": (
        _("The take is too long"),
        _("Record only this line: stop when you have said it."),
        False,
    ),
    "empty": (
        _("The take is empty"),
        _("Nothing was recorded. Check the microphone and record again."),
        False,
    ),
    "undecodable": (
        _("We could not read the take"),
        _("The recording was damaged. Record it again."),
        False,
    ),
    "undecodable_audio": (
        _("We could not read the take"),
        _("The recording was damaged. Record it again."),
        False,
    ),
    "unsupported_type": (
        _("This is not a recording we can read"),
        _("Record in the page, or send WAV, WebM, Ogg, MP3 or M4A."),
        False,
    ),
}
RETRY_ADVICE = (
    _("Scoring did not finish"),
    _("This was our fault, not your take's. Record again, or come back in a minute."),
    True,
)


class Advice(TypedDict):
    title: str
    what: str
    retry: bool  # whether sending the same take again can help
    known: bool  # whether the code is one of the take's own problems listed here


def failure_advice(code: str | None) -> Advice:
    title, what, retry = FAILURE_ADVICE.get(code or "", RETRY_ADVICE)
    return {"title": str(title), "what": str(what), "retry": retry, "known": code in FAILURE_ADVICE}


def all_failure_advice() -> dict[str, Advice]:
    """Every known code's advice, for the practice page's script (an upload refused)."""
    return {code: failure_advice(code) for code in FAILURE_ADVICE}
