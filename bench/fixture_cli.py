"""Build the benchmark data (bench/fixture.py) and the learners' access tokens."""

import argparse
from pathlib import Path

from bench.fixture import PAGE_LEARNER_ATTEMPTS, build, default_tokens_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scripts", type=int, default=200)
    parser.add_argument("--lines", type=int, default=20, help="lines per script")
    parser.add_argument("--actors", type=int, default=100)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--attempts", type=int, default=100, help="attempts per learner")
    parser.add_argument(
        "--page-learners",
        default=",".join(map(str, PAGE_LEARNER_ATTEMPTS)),
        help="attempts of each of the pages' learners, comma-separated",
    )
    parser.add_argument("--days", type=int, default=60, help="attempts spread over days")
    parser.add_argument("--tokens", type=Path, default=default_tokens_path())
    parser.add_argument("--token-hours", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)


def main(o: argparse.Namespace) -> int:
    print(
        build(
            scripts=o.scripts,
            lines=o.lines,
            actors=o.actors,
            learners=o.learners,
            attempts=o.attempts,
            page_learners=tuple(int(n) for n in o.page_learners.split(",") if n),
            days=o.days,
            tokens=o.tokens,
            token_hours=o.token_hours,
            seed=o.seed,
        )
    )
    return 0
