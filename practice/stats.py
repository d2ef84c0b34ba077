"""Pure computations behind the learner pages: streaks, weak words and sounds, and the
geometry of the server-rendered SVG charts. No database access here (see selectors)."""

import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Same threshold as the engine's weak-word list (analysis/engine/feedback.py), which
# stores per-phone scores only for words below it.
WEAK_BELOW = 80.0
WEAK_STATUSES = {"mispronounced", "omitted"}
TOP_WEAK = 8

# pocketsphinx's en-US phone set (ARPAbet) to IPA, which learners' dictionaries use.
ARPABET_IPA = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b",
    "CH": "tʃ", "D": "d", "DH": "ð", "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f",
    "G": "ɡ", "HH": "h", "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k", "L": "l",
    "M": "m", "N": "n", "NG": "ŋ", "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "r",
    "S": "s", "SH": "ʃ", "T": "t", "TH": "θ", "UH": "ʊ", "UW": "u", "V": "v",
    "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}  # fmt: skip

_STRIP = string.punctuation + "“”‘’«»…。、，！？"


# --- streak ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    current: int  # consecutive days up to today (or up to yesterday, still alive today)
    longest: int
    practised_today: bool


def run_is_alive(last_day: date | None, *, today: date) -> bool:
    """The streak rule: a run of days that reached today or yesterday still counts today
    (the learner has until midnight to keep it)."""
    return last_day is not None and (today - last_day).days in (0, 1)


def streak(days: Iterable[date], *, today: date) -> Streak:
    """The runs of consecutive days with practice: the longest, and the last one while
    run_is_alive says it still counts."""
    active = sorted(set(days))
    longest = run = 0
    previous = None
    for day in active:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return Streak(
        current=run if run_is_alive(previous, today=today) else 0,
        longest=longest,
        practised_today=today in active,
    )


# --- weak words and sounds ------------------------------------------------------------------


@dataclass
class WeakWord:
    text: str
    weak: int = 0  # attempts in which it was weak
    seen: int = 0  # attempts in which the line had it
    omitted: int = 0  # of the weak ones, left out altogether
    scores: list[float] = field(default_factory=list)  # when weak and spoken

    @property
    def average(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


@dataclass
class WeakSound:
    phone: str
    weak: int = 0
    scores: list[float] = field(default_factory=list)
    words: Counter = field(default_factory=Counter)

    @property
    def ipa(self) -> str:
        return ARPABET_IPA.get(self.phone.upper(), self.phone.lower())

    @property
    def average(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def examples(self) -> list[str]:
        return [word for word, _ in self.words.most_common(3)]


@dataclass(frozen=True)
class WeakSpots:
    words: list[WeakWord]
    sounds: list[WeakSound]
    attempts: int  # scored attempts looked at


def _word_key(text: str) -> str:
    return text.strip().strip(_STRIP).lower()


def weak_spots(rows: Iterable[tuple], *, top: int = TOP_WEAK) -> WeakSpots:
    """Aggregate (words, phones) pairs of detailed_feedback, as the engine stores them:
    words = [{"index", "text", "score", "status", ...}], phones = {"<word index>":
    [{"phone", "score"}]} for the words it found weak."""
    words: dict[str, WeakWord] = {}
    sounds: dict[str, WeakSound] = {}
    attempts = 0
    for feedback_words, feedback_phones in rows:
        attempts += 1
        text_by_index = {}
        weak_here: set[str] = set()
        seen_here: set[str] = set()
        for entry in feedback_words or []:
            if not isinstance(entry, dict) or entry.get("status") == "inserted":
                continue
            key = _word_key(entry.get("text") or "")
            if not key:
                continue
            text_by_index[str(entry.get("index"))] = key
            word = words.setdefault(key, WeakWord(key))
            score = entry.get("score")
            weak = entry.get("status") in WEAK_STATUSES or (
                score is not None and score < WEAK_BELOW
            )
            if key not in seen_here:
                word.seen += 1
                seen_here.add(key)
            if weak and key not in weak_here:
                word.weak += 1
                weak_here.add(key)
                if entry.get("status") == "omitted":
                    word.omitted += 1
            if weak and score is not None and entry.get("status") != "omitted":
                word.scores.append(float(score))
        for index, phones in (feedback_phones or {}).items():
            for phone in phones or []:
                score = phone.get("score") if isinstance(phone, dict) else None
                name = (phone.get("phone") or "") if isinstance(phone, dict) else ""
                # Version 1 named sounds in ARPAbet (any case), version 2 in IPA, whose
                # letters must keep their case ("ɹ".upper() is another letter).
                name = name.upper() if name.isascii() else name
                if score is None or not name or name == "SIL" or score >= WEAK_BELOW:
                    continue
                sound = sounds.setdefault(name, WeakSound(name))
                sound.weak += 1
                sound.scores.append(float(score))
                if str(index) in text_by_index:
                    sound.words[text_by_index[str(index)]] += 1
    weak_words = sorted(
        (w for w in words.values() if w.weak),
        key=lambda w: (-w.weak, w.average if w.average is not None else 0, w.text),
    )
    weak_sounds = sorted(sounds.values(), key=lambda s: (-s.weak, s.average or 0, s.phone))
    return WeakSpots(words=weak_words[:top], sounds=weak_sounds[:top], attempts=attempts)


# --- charts ---------------------------------------------------------------------------------


def sparkline(
    scores: Sequence[float | None], *, width: int = 96, height: int = 28, pad: int = 3
) -> dict[str, Any]:
    """Polyline points for scores 0-100, oldest left; the last point is marked."""
    values = [v for v in scores if v is not None]
    if not values:
        return {}
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0
    points = [
        (round(pad + (i * step if len(values) > 1 else inner_w / 2), 1),
         round(pad + (1 - max(0.0, min(100.0, v)) / 100) * inner_h, 1))
        for i, v in enumerate(values)
    ]  # fmt: skip
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1],
        "values": [round(v) for v in values],
    }


@dataclass(frozen=True)
class WeekAverages:
    week: date  # Monday
    count: int
    scores: dict[str, float | None]


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: float


@dataclass
class ChartSeries:
    name: str
    segments: list[list[ChartPoint]]
    label: "StrOrPromise" = ""  # the dimension's name for people, set by the page

    @property
    def points(self) -> list[ChartPoint]:
        return [p for segment in self.segments for p in segment]

    @property
    def polylines(self) -> list[str]:
        return [" ".join(f"{p.x},{p.y}" for p in s) for s in self.segments if len(s) > 1]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    grid: list[tuple[int, float]]  # (score, y)
    columns: list[tuple[date, float, int]]  # (week, x, attempts)
    series: list[ChartSeries]

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def baseline(self) -> int:
        return self.height - self.bottom

    @property
    def has_data(self) -> bool:
        return any(s.points for s in self.series)


def score_chart(
    weeks: Sequence[WeekAverages],
    dimensions: Sequence[str],
    *,
    width: int = 640,
    height: int = 240,
    left: int = 54,
    right: int = 34,
    top: int = 12,
    bottom: int = 30,
) -> Chart:
    """One line per dimension over weekly buckets; a week without scores breaks the line."""
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / (len(weeks) - 1) if len(weeks) > 1 else 0

    def y_of(value: float) -> float:
        return round(top + (1 - value / 100) * plot_h, 1)

    columns = [
        (w.week, round(left + (i * step if len(weeks) > 1 else plot_w / 2), 1), w.count)
        for i, w in enumerate(weeks)
    ]
    series = []
    for name in dimensions:
        segments: list[list[ChartPoint]] = [[]]
        for (_, x, _), week in zip(columns, weeks, strict=True):
            value = week.scores.get(name)
            if value is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append(ChartPoint(x=x, y=y_of(value), value=round(value)))
        series.append(ChartSeries(name=name, segments=[s for s in segments if s]))
    grid = [(score, y_of(score)) for score in (0, 25, 50, 75, 100)]
    return Chart(width, height, left, right, top, bottom, grid, columns, series)
