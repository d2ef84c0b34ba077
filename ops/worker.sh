#!/usr/bin/env bash
# `make worker`: the two worker groups that compose runs as `worker` and `media-worker`.
# Scoring (queue `default`) never waits behind a reel, a scene import or retention
# (queue `media`). Dramatiq stops a group when one of its processes dies (by design:
# dramatiq/cli.py); this then stops the other group too and exits with its code, so
# whatever supervises `make worker` restarts both. Ctrl-C or SIGTERM stops both cleanly.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py rundramatiq --processes 1 --threads 2 --queues default &
$PY manage.py rundramatiq --processes 1 --threads 1 --queues media &
trap 'kill -TERM $(jobs -p) 2>/dev/null' INT TERM
wait -n
status=$?
kill -TERM $(jobs -p) 2>/dev/null
wait
exit "$status"
