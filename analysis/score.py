"""Score takes from the command line.

    python -m analysis.score --reference REF --attempt TAKE --text "..." [--kind song]
                             [--language ko]
    python -m analysis.score --batch FILE.jsonl

A batch file holds one {"reference", "attempt", "text", "kind", "language"} object per
line ("kind" and "language" optional); each result line carries the scoring time. The
language defaults to what the text's script says (Hangul: ko, otherwise en). Models
load once, and each reference is analysed once however many takes use it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from analysis import engine


def _score(
    reference: str, attempt: str, text: str, kind: str, language: str | None, cache: dict
) -> dict:
    key = (reference, text, kind, language)
    started = time.perf_counter()
    try:
        if key not in cache:
            cache[key] = engine.analyse_reference(reference, text, kind, language=language)
        result = engine.assess(
            None, attempt, text, kind, reference_analysis=cache[key], language=language
        )
        out = {"ok": True, **result.to_dict()}
    except engine.EngineError as exc:
        out = {"ok": False, "error": exc.to_dict()}
    out["seconds"] = round(time.perf_counter() - started, 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.score", description=__doc__)
    parser.add_argument("--reference", help="the actor's clip")
    parser.add_argument("--attempt", help="the learner's take")
    parser.add_argument("--text", help="the line's text")
    parser.add_argument("--kind", default="movie", help="script kind; 'song' scores karaoke-style")
    parser.add_argument(
        "--language", help="the line's language (en, ko, ...); default: from the text's script"
    )
    parser.add_argument("--batch", help="JSON-lines file of takes to score")
    args = parser.parse_args(argv)
    cache: dict = {}
    if args.batch:
        engine.warm_up()
        failed = 0
        with open(args.batch, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                item = json.loads(line)
                out = _score(
                    item["reference"],
                    item["attempt"],
                    item["text"],
                    item.get("kind", "movie"),
                    item.get("language"),
                    cache,
                )
                failed += not out["ok"]
                print(json.dumps(out, ensure_ascii=False), flush=True)
        return 1 if failed else 0
    if not (args.reference and args.attempt and args.text):
        parser.error("--reference, --attempt and --text are required without --batch")
    out = _score(args.reference, args.attempt, args.text, args.kind, args.language, cache)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
