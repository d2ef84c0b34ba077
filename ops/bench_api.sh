#!/usr/bin/env bash
# The API benchmark (`make bench-api`, also part of `make bench`), side by side with the
# old FastAPI stack ("the peer", ../shared/peers/fastapi_seed): a fresh PostgreSQL
# database and Redis db for YouSync, the bench data (python -m bench fixture), the
# peer's virtualenv, role, database and tokens when they can be had, then
# python -m bench api: wrk against both, interleaved, and the server-rendered pages.
# Writes the "API throughput (wrk)" section of docs/benchmarks.md. Arguments go to
# python -m bench api (e.g. --only script,overview --repeat 1 --duration 5 --no-write).
#
# Environment (defaults in brackets), so that parallel checkouts do not collide:
#   BENCH_API_DB [yousync_apibench]  BENCH_REDIS_DB [12]  BENCH_PEER_DB [peer_apibench]
#   BENCH_PEER_DIR [../shared/peers/fastapi_seed]  BENCH_PEER_VENV [$HOME/peer-venv]
#   BENCH_PEER_PYTHON [python3.11]  BENCH_API_SERVER [uvicorn, 2 workers: bench/api.py]
#   BENCH_PEER_SERVER [the peer's uvicorn, 2 workers]  BENCH_API_LOG_LEVEL [INFO]
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/services.sh
mkdir -p var
ensure_packages psql:postgresql-client wrk:wrk
ensure_postgres
ensure_redis

DB="${BENCH_API_DB:-yousync_apibench}"
REDIS_DB="${BENCH_REDIS_DB:-12}"
PEER_DB="${BENCH_PEER_DB:-peer_apibench}"
PEER_DIR="${BENCH_PEER_DIR:-$(cd .. && pwd)/shared/peers/fastapi_seed}"
PEER_VENV="${BENCH_PEER_VENV:-$HOME/peer-venv}"
PEER_PYTHON="${BENCH_PEER_PYTHON:-python3.11}"
PEER_URL="postgresql+psycopg://app:app@127.0.0.1/$PEER_DB"
export VAR_DIR=var/apibench
mkdir -p "$VAR_DIR/bench"
PEER_TOKENS="$VAR_DIR/bench/peer-tokens.txt"
for name in "$DB" "$PEER_DB"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "database names are lower-case identifiers: $name"
done

say "PostgreSQL: max_connections $(psql "$PG_URL_DEFAULT/postgres" -Atqc 'show max_connections'), \
$(psql "$PG_URL_DEFAULT/postgres" -Atqc 'select count(*) from pg_stat_activity') in use"

# The peer: its virtualenv, role, database (seed.py) and one token per learner.
# Returns non-zero, with a message, when any of it cannot be had: YouSync is then
# measured alone and the report says there is no peer.
peer_setup() {
  [ -f "$PEER_DIR/app.py" ] || { echo "no peer at $PEER_DIR"; return 1; }
  if ! "$PEER_VENV/bin/python" -c 'import fastapi, uvicorn, sqlalchemy, psycopg, jwt' 2>/dev/null; then
    command -v "$PEER_PYTHON" >/dev/null || { echo "no $PEER_PYTHON for the peer's virtualenv"; return 1; }
    say "peer: virtualenv $PEER_VENV"
    "$PEER_PYTHON" -m venv "$PEER_VENV" || return 1
    "$PEER_VENV/bin/pip" install -q fastapi 'uvicorn[standard]' sqlalchemy 'psycopg[binary]' pyjwt \
      || return 1
  fi
  psql "$PG_URL_DEFAULT/postgres" -Atqc "select 1 from pg_roles where rolname='app'" | grep -q 1 \
    || psql "$PG_URL_DEFAULT/postgres" -qc "create role app login password 'app'" || return 1
  psql "$PG_URL_DEFAULT/postgres" -qc "drop database if exists $PEER_DB with (force)" || return 1
  psql "$PG_URL_DEFAULT/postgres" -qc "create database $PEER_DB owner app" || return 1
  say "peer: seed.py into $PEER_DB"
  (cd "$PEER_DIR" && env -u SECRET_KEY PYTHONDONTWRITEBYTECODE=1 DATABASE_URL="$PEER_URL" "$PEER_VENV/bin/python" seed.py) \
    >/dev/null || return 1
  # seed.py prints learner 1's token; wrk rotates over all 100 learners on both sides.
  (cd "$PEER_DIR" && env -u SECRET_KEY PYTHONDONTWRITEBYTECODE=1 DATABASE_URL="$PEER_URL" "$PEER_VENV/bin/python" -c '
import jwt
from sqlalchemy import select
from app import SECRET_KEY, SessionLocal, User
with SessionLocal() as db:
    for uid in db.scalars(select(User.id).order_by(User.id)):
        print(jwt.encode({"sub": str(uid)}, SECRET_KEY, algorithm="HS256"))
') >"$PEER_TOKENS" || return 1
}
PEER_ARGS=()
if peer_output=$(peer_setup 2>&1); then
  PEER_ARGS=(--peer-dir "$PEER_DIR" --peer-venv "$PEER_VENV" --peer-database-url "$PEER_URL"
    --peer-tokens "$PEER_TOKENS")
else
  printf '%s\n' "$peer_output" | tail -n 5
  say "the peer could not be set up: YouSync is measured alone (no ratios)"
fi

say "YouSync: database $DB, Redis db $REDIS_DB"
psql "$PG_URL_DEFAULT/postgres" -qc "drop database if exists $DB with (force)"
psql "$PG_URL_DEFAULT/postgres" -qc "create database $DB"
export DATABASE_URL="$PG_URL_DEFAULT/$DB"
export REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export CACHE_PREFIX="$DB" CHANNELS_PREFIX="$DB" DRAMATIQ_NAMESPACE="$DB"
export SECRET_KEY="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0
export ACCOUNT_EMAIL_VERIFICATION=none
# The server logs every request as in production (INFO, JSON lines, to var/apibench).
export LOG_LEVEL="${BENCH_API_LOG_LEVEL:-INFO}"
# Rate limits high enough never to answer 429 (they are still checked on each request).
for scope in ANON USER USER_IP AUTH UPLOAD WEBHOOK; do
  export "API_THROTTLE_$scope=100000000/min"
done
redis-cli -n "$REDIS_DB" flushdb >/dev/null 2>&1 || .venv/bin/python - <<PY
import redis; redis.Redis.from_url("$REDIS_URL").flushdb()
PY
.venv/bin/python manage.py migrate --noinput -v 0
LOG_LEVEL=WARNING .venv/bin/python -m bench fixture
say "API benchmark: wrk, peer and YouSync interleaved; server-rendered pages"
# The harness logs warnings only; the server it starts logs at BENCH_API_LOG_LEVEL.
LOG_LEVEL=WARNING .venv/bin/python -m bench api "${PEER_ARGS[@]}" "$@"
