"""Evaluation of the scoring engine on a validation corpus with known answers.

    python -m analysis.evaluate [--quick] [--output docs/benchmarks.md]
                                [--speechocean DIR] [--speechocean-limit N]

Scores the development and held-out parts of analysis/bench/validation.py (many
synthetic voices and real people; correct takes and copies wrong in one known way)
and a few correct Korean takes, and prints: the scores of correct takes, the actor
against itself, word-level mispronunciation precision/recall, ranking per dimension,
how far off-dimension changes move each score, latency and memory, and a PASS/FAIL
line per target. With speechocean762 on disk (--speechocean or SPEECHOCEAN762_DIR),
also the phone-, word- and utterance-level correlations with its expert scores.
Generated audio is kept in --cache (var/eval-cache) so a rerun only scores.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from analysis import engine
from analysis.bench import speechocean
from analysis.bench.corpus import latency_5s
from analysis.bench.evaluation import (
    engine_takes_language,
    score_lines,
    summarise,
    summarise_korean,
)
from analysis.bench.evaluation_report import render
from analysis.bench.report import write_section
from analysis.bench.takes import AudioCache, build_korean, build_split
from analysis.bench.validation import splits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="2 lines x 3 voices per part")
    parser.add_argument("--output", type=Path, help="write the section into this markdown file")
    parser.add_argument("--cache", type=Path, default=Path("var/eval-cache"))
    parser.add_argument("--speechocean", type=Path, default=os.environ.get("SPEECHOCEAN762_DIR"))
    parser.add_argument("--speechocean-split", default="test")
    parser.add_argument("--speechocean-limit", type=int, help="first N utterances only")
    args = parser.parse_args(argv)
    for tool in ("espeak-ng", "sox"):
        if not shutil.which(tool):
            parser.error(f"{tool} is required (apt-get install {tool})")
    started = time.perf_counter()
    engine.warm_up()
    cache = AudioCache(args.cache)
    parts = {}
    for split in splits():
        print(f"{split.name}: building and scoring ...", flush=True)
        parts[split.name] = summarise(score_lines(build_split(split, cache, args.quick)))
    korean = None
    if engine_takes_language():
        print("korean: scoring ...", flush=True)
        korean = summarise_korean(score_lines(build_korean(cache, args.quick)))
    so = None
    if args.speechocean:
        print(f"speechocean762: scoring {args.speechocean} ...", flush=True)
        utterances = speechocean.load(
            args.speechocean, args.speechocean_split, args.speechocean_limit
        )
        so = speechocean.evaluate(utterances, cache)
        so.update(root=str(args.speechocean), split=args.speechocean_split)
    latency = latency_5s(5 if args.quick else 20)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    command = "python -m analysis.evaluate" + (" --quick" if args.quick else "")
    section = render(parts, korean, so, latency, peak_mb, command, time.perf_counter() - started)
    print(section)
    if args.output:
        write_section(args.output, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
