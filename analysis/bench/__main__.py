"""Entry point: python -m analysis.bench"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from analysis import engine
from analysis.engine import synth

from . import __doc__ as DESCRIPTION
from . import boundaries
from .corpus import latency_5s, run_corpus, summarise
from .report import render, write_section
from .trackers import measure_pitch_trackers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.bench", description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="3 voice pairs x 3 texts (~2 min)")
    parser.add_argument("--pitch-trackers", action="store_true", help="also compare trackers")
    parser.add_argument("--output", default="docs/benchmarks.md")
    args = parser.parse_args(argv)
    if not synth.espeak_available():
        parser.error("espeak-ng is required (apt-get install espeak-ng)")
    started = time.perf_counter()
    engine.warm_up()
    engine_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("building and scoring the corpus ...")
    corpus = run_corpus(args.quick)
    summary = summarise(corpus)
    latency = latency_5s(10 if args.quick else 30)
    trackers = measure_pitch_trackers() if args.pitch_trackers else []
    took = time.perf_counter() - started
    section = render(summary, latency, trackers, args.quick, corpus, took, engine_mb)
    write_section(Path(args.output), section)
    print(section)
    print("word boundaries with a known answer ...")
    timing = boundaries.render(boundaries.measure())
    write_section(Path(args.output), timing)
    print(timing)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
