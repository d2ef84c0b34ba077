#!/usr/bin/env bash
# `make bench`: every benchmark; each writes its own section of docs/benchmarks.md.
#   1. the scoring engine alone: python -m analysis.bench (synthetic pairs, speed) and
#      python -m analysis.evaluate (validation corpus, targets; EVALUATE_ARGS, default
#      --quick: a few minutes; EVALUATE_ARGS= runs the whole corpus)
#   2. the practice loop end to end in service mode (uvicorn, rundramatiq workers,
#      PostgreSQL, Redis): python -m bench practice; scene dubbing's reels: python -m bench dubbing
#   3. the API under wrk, side by side with the old FastAPI stack, and the server-rendered
#      pages: ops/bench_api.sh (python -m bench fixture, python -m bench api)
# BENCH=engine, BENCH=practice or BENCH=api runs only that one (`make bench-api`).
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/services.sh
mkdir -p var
BENCH="${BENCH:-all}"
case "$BENCH" in all | engine | practice | api) ;; *) die "BENCH must be engine, practice or api" ;; esac
ensure_packages espeak-ng:espeak-ng flite:flite sox:sox text2wave:festival
# The evaluation's real people read from pocketsphinx's test recordings (a data package).
[ -d /usr/share/pocketsphinx/test/data ] || apt_install pocketsphinx-testdata

if [ "$BENCH" = all ] || [ "$BENCH" = engine ]; then
  say "scoring engine benchmark"
  DEBUG=1 .venv/bin/python -m analysis.bench "$@"
  say "scoring engine evaluation"
  # shellcheck disable=SC2086  # EVALUATE_ARGS is a list of options
  DEBUG=1 .venv/bin/python -m analysis.evaluate ${EVALUATE_ARGS---quick} --output docs/benchmarks.md
fi

[ "$BENCH" = engine ] && exit 0

ensure_packages psql:postgresql-client wrk:wrk
ensure_postgres
ensure_redis

if [ "$BENCH" = api ]; then
  exec bash ops/bench_api.sh "$@"
fi

say "practice loop benchmark (service mode)"
psql "$PG_URL_DEFAULT/postgres" -Atqc "select 1 from pg_database where datname='yousync_bench'" \
  | grep -q 1 || psql "$PG_URL_DEFAULT/postgres" -qc "create database yousync_bench"
export DATABASE_URL="$PG_URL_DEFAULT/yousync_bench"
export REDIS_URL="redis://127.0.0.1:6379/13"
export SECRET_KEY="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 VAR_DIR=var/bench LOG_LEVEL=WARNING
export ACCOUNT_EMAIL_VERIFICATION=none
# The burst uploads faster than a learner may (API_THROTTLE_UPLOAD): no limit here.
export API_THROTTLE_UPLOAD=off API_THROTTLE_USER=off API_THROTTLE_USER_IP=off
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_demo
.venv/bin/python -m bench practice
say "scene dubbing benchmark (service mode)"
.venv/bin/python -m bench dubbing
[ "$BENCH" = practice ] && exit 0

# Its own database and environment (production settings, 2 uvicorn workers).
env -u DATABASE_URL -u REDIS_URL bash ops/bench_api.sh
