"""SRT and WebVTT parsing for scene imports, with one clear error per bad cue.

Speakers come from a leading "[JOEY]" or "JOEY:" tag, or a WebVTT voice span
("<v Joey>"). Everything here is plain Python so the parser is easy to test alone.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_CUES = 1000
MAX_LINE_SECONDS = 30.0
# Subtitle timing is rounded; a cue may end a hair after the audio does.
END_TOLERANCE_SECONDS = 0.25

_ARROW = re.compile(r"^\s*(?P<start>\S+)\s+-->\s+(?P<end>\S+)(?P<settings>.*)$")
_SRT_TIME = re.compile(r"^(?P<h>\d{1,3}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)[,.](?P<ms>\d{1,3})$")
_VTT_TIME = re.compile(r"^(?:(?P<h>\d{1,3}):)?(?P<m>[0-5]\d):(?P<s>[0-5]\d)\.(?P<ms>\d{3})$")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_BRACKET_SPEAKER = re.compile(r"^[\[(](?P<name>[^\])]{1,40})[\])]\s*(?P<rest>.*)$")
_COLON_SPEAKER = re.compile(r"^-?\s*(?P<name>[^\W\d_][\w.'’ -]{0,38}?)\s*:\s+(?P<rest>\S.*)$")


@dataclass(frozen=True)
class Cue:
    number: int  # 1-based order in the file, as curators count them
    start: float
    end: float
    text: str
    speaker: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class CueError:
    number: int | None  # None: about the whole file
    message: str
    line: int | None = None  # line number in the file

    def __str__(self) -> str:
        where = []
        if self.number is not None:
            where.append(_("Cue %(number)s") % {"number": self.number})
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class SubtitleError(ValueError):
    def __init__(self, errors: list[CueError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def decode_subtitles(data: bytes) -> str:
    """UTF-8 (with or without BOM), else the Korean legacy encoding many SRT files use."""
    for encoding in ("utf-8-sig", "utf-16", "cp949"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SubtitleError([CueError(None, _("The subtitles are not UTF-8 text."))])


def _seconds(match: re.Match) -> float:
    hours = int(match.group("h") or 0)
    millis = int(match.group("ms").ljust(3, "0"))
    return hours * 3600 + int(match.group("m")) * 60 + int(match.group("s")) + millis / 1000


def _speaker_and_text(lines: list[str]) -> tuple[str, str]:
    first = lines[0].strip()
    speaker = ""
    voice = _VOICE.match(first)
    if voice:
        speaker = voice.group("name").strip()
    else:
        bracket = _BRACKET_SPEAKER.match(first)
        colon = _COLON_SPEAKER.match(first)
        if bracket and not bracket.group("name")[0].islower():
            speaker, first = bracket.group("name").strip(), bracket.group("rest")
        elif colon and _looks_like_name(colon.group("name")):
            speaker, first = colon.group("name").strip(), colon.group("rest")
    text = " ".join([first, *(line.strip() for line in lines[1:])])
    text = re.sub(r"\s+", " ", _TAG.sub("", text)).strip()
    return speaker, text


def _looks_like_name(name: str) -> bool:
    """'JOEY', 'Mr. Kim', '조이' are names; 'Well, I said' and 'note' are not."""
    words = name.split()
    return 0 < len(words) <= 3 and all(not w[0].islower() for w in words) and "," not in name


def parse_subtitles(text: str, *, audio_duration: float | None = None) -> list[Cue]:
    """Parses SRT or WebVTT; raises SubtitleError listing every problem found."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    is_vtt = lines[0].strip().startswith("WEBVTT")
    time_pattern = _VTT_TIME if is_vtt else _SRT_TIME
    errors: list[CueError] = []
    cues: list[Cue] = []

    # Split into blocks of non-blank lines, remembering where each starts.
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start_line = 1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start_line = number
            current.append(line)
        elif current:
            blocks.append((start_line, current))
            current = []
    if current:
        blocks.append((start_line, current))
    if is_vtt and blocks:
        blocks = blocks[1:]  # the WEBVTT header block

    cue_number = 0
    for block_line, block in blocks:
        if is_vtt and block[0].split(maxsplit=1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        cue_number += 1
        arrow_at = next((i for i, line in enumerate(block[:2]) if "-->" in line), None)
        if arrow_at is None:
            errors.append(
                CueError(
                    cue_number, _("no timing line (00:00:01,000 --> 00:00:02,500)."), block_line
                )
            )
            continue
        timing_line = block_line + arrow_at
        arrow = _ARROW.match(block[arrow_at])
        start_match = arrow and time_pattern.match(arrow.group("start"))
        end_match = arrow and time_pattern.match(arrow.group("end"))
        if not (start_match and end_match):
            example = "00:00:01.000" if is_vtt else "00:00:01,000"
            errors.append(
                CueError(
                    cue_number,
                    _("bad timestamp %(value)r; write times like %(example)s.")
                    % {"value": block[arrow_at].strip(), "example": example},
                    timing_line,
                )
            )
            continue
        start, end = _seconds(start_match), _seconds(end_match)
        text_lines = block[arrow_at + 1 :]
        speaker, cue_text = _speaker_and_text(text_lines) if text_lines else ("", "")
        cue = Cue(cue_number, start, end, cue_text, speaker)
        errors.extend(_check_cue(cue, cues[-1] if cues else None, audio_duration, timing_line))
        cues.append(cue)

    if not blocks or (not cues and not errors):
        errors.append(CueError(None, _("The subtitles contain no cues.")))
    if len(cues) > MAX_CUES:
        errors.append(
            CueError(None, _("Too many cues (%(count)s); split the scene.") % {"count": len(cues)})
        )
    if errors:
        raise SubtitleError(errors)
    return cues


def _check_cue(
    cue: Cue, previous: Cue | None, audio_duration: float | None, line: int
) -> list[CueError]:
    errors = []

    def add(message: str) -> None:
        errors.append(CueError(cue.number, message, line))

    if cue.end <= cue.start:
        add(_("ends (%(end).3f s) before it starts (%(start).3f s).") % _times(cue))
    elif cue.duration > MAX_LINE_SECONDS:
        add(
            _("lasts %(duration).1f s; a line to practise may last at most %(max)d s.")
            % {"duration": cue.duration, "max": MAX_LINE_SECONDS}
        )
    if previous is not None and cue.start < previous.end:
        add(
            _("starts at %(start).3f s, before cue %(previous)s ends (%(end).3f s).")
            % {"start": cue.start, "previous": previous.number, "end": previous.end}
        )
    if audio_duration is not None and cue.end > audio_duration + END_TOLERANCE_SECONDS:
        add(
            _("ends at %(end).3f s, after the end of the audio (%(duration).3f s).")
            % {"end": cue.end, "duration": audio_duration}
        )
    if not cue.text:
        add(_("has no text."))
    return errors


def _times(cue: Cue) -> dict:
    return {"start": cue.start, "end": cue.end}
