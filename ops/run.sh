#!/usr/bin/env bash
# `make run`: migrate, load the demo content (songs analysed), serve on http://$HOST:$PORT.
# Development by default (DEBUG=1, so no SECRET_KEY is needed); export DEBUG=0 and a
# SECRET_KEY to try production settings locally.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
$PY manage.py migrate --noinput
if $PY manage.py help load_demo >/dev/null 2>&1; then
  $PY manage.py load_demo
  # Every demo line's word timings (tap a word to hear it, the A-B loop, lyrics lit on
  # the beat) and the songs' key and starting note before the first take: about 25 s
  # once on 2 cores, nothing on later runs.
  $PY manage.py analyse_references
fi
exec $PY manage.py serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
