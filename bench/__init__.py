"""Benchmarks of the whole service, kept outside the apps (the scoring engine's own
benchmarks live in analysis/bench): `python -m bench fixture|api|pages`, run by
`make bench-api` (ops/bench_api.sh). Results go to docs/benchmarks.md."""
