#!/usr/bin/env bash
# `make test`: bring up what is missing, then lint and run every test.
#   1. unit + browser tests on the embedded default (SQLite, in-memory layer, StubBroker)
#   2. integration tests in service mode (PostgreSQL, Redis, S3 API on moto, processes)
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/services.sh
mkdir -p var test-artifacts

ensure_packages psql:postgresql-client chromium:chromium espeak-ng:espeak-ng ffmpeg:ffmpeg sox:sox
# The guide voice's synthesiser and its voice (scripts/tts.py); the voice has no command.
ensure_packages festival:festival
[ -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ] || apt_install festvox-us-slt-hts
# Korean text in the browser tests' pages and screenshots (Chromium draws boxes without it).
[ -d /usr/share/fonts/truetype/nanum ] || apt_install fonts-nanum
ensure_postgres
ensure_redis
start_moto
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT

if [ "${SKIP_LINT:-0}" != 1 ]; then  # SKIP_LINT=1: local iteration only; CI always lints
  say "ruff, mypy (django-stubs; strict on the engine, services and selectors)"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  DEBUG=1 .venv/bin/mypy  # django-stubs imports the settings: DEBUG=1 spares a SECRET_KEY
fi

# Integration tests must run here, never skip for want of a service.
export YOUSYNC_REQUIRE_SERVICES=1
export YOUSYNC_TEST_DATABASE_URL="${YOUSYNC_TEST_DATABASE_URL:-$PG_URL_DEFAULT/yousync}"
export YOUSYNC_TEST_REDIS_URL="${YOUSYNC_TEST_REDIS_URL:-redis://127.0.0.1:6379/14}"
export YOUSYNC_TEST_S3_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
export PLAYWRIGHT_CHROMIUM_EXECUTABLE=/usr/bin/chromium

# With a selection on the command line one phase may have nothing to run (exit 5).
run_pytest() {
  local rc=0
  .venv/bin/python -m pytest "$@" || rc=$?
  if [ "$rc" = 5 ] && [ "$SELECTED" = 1 ]; then rc=0; fi
  return "$rc"
}
SELECTED=$([ $# -gt 0 ] && echo 1 || echo 0)

say "pytest: unit tests (embedded default)"
run_pytest -m "not integration and not browser" "$@"

# Playwright's sync API holds an event loop in the test process: its own run.
say "pytest: browser tests (Chromium, embedded default)"
run_pytest -m "browser and not integration" "$@"

say "pytest: integration tests (PostgreSQL, Redis, S3, worker and server processes)"
DATABASE_URL="$YOUSYNC_TEST_DATABASE_URL" \
REDIS_URL="$YOUSYNC_TEST_REDIS_URL" \
AWS_STORAGE_BUCKET_NAME=yousync-test \
AWS_S3_ENDPOINT_URL="$YOUSYNC_TEST_S3_ENDPOINT" \
AWS_S3_REGION_NAME=us-east-1 \
AWS_ACCESS_KEY_ID=testing \
AWS_SECRET_ACCESS_KEY=testing \
  run_pytest -m integration "$@"
