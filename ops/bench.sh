#!/usr/bin/env bash
# `make bench`: every benchmark; each writes its own section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/services.sh
ensure_packages espeak-ng:espeak-ng
export DEBUG="${DEBUG:-1}"
if [ -f analysis/bench.py ]; then
  .venv/bin/python -m analysis.bench "$@"
fi
