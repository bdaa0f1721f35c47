#!/usr/bin/env bash
# Set up and run the whole test suite:
#   bash scripts/test.sh                      # SQLite, plus PostgreSQL when it is reachable
#   bash scripts/test.sh --require-services   # PostgreSQL, Redis and Chromium must be there (CI)
# Extra arguments after -- go to pytest, e.g. bash scripts/test.sh -- -k ledger
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh

REQUIRE=0
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --require-services) REQUIRE=1 ;;
    --) shift; PYTEST_ARGS=("$@"); break ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

POSTGRES_URL=${MORALBANK_TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/moralbank_test}
REDIS_URL=${MORALBANK_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
CHROMIUM=${MORALBANK_CHROMIUM:-/usr/bin/chromium}

setup_venv test
if ! install_debian_packages fonts-noto-cjk; then
  [ "$REQUIRE" = 1 ] && { echo "FAIL: fonts-noto-cjk is required (duty posters, ranking notices and pictures)." >&2; exit 1; }
  echo "!!!! WARNING: no fonts-noto-cjk: the poster and ranking print tests will be SKIPPED." >&2
fi
# Emoji (the bot's buttons on the try page, marks such as ⚠️ in the panel) in the pages the
# browser tests open and the pictures they take; without it they are empty boxes, no more.
install_debian_packages fonts-noto-color-emoji ||
  echo "!!!! no fonts-noto-color-emoji: emoji in the browser tests' pictures are boxes" >&2
# Reads deploy/'s Caddyfiles as Caddy does (systemd-analyze, for the units, comes with systemd).
if ! install_debian_packages caddy; then
  [ "$REQUIRE" = 1 ] && { echo "FAIL: caddy is required (the deploy Caddyfiles are checked with it)." >&2; exit 1; }
  echo "!!!! WARNING: no caddy: the Caddyfile checks will be SKIPPED." >&2
fi

install_chromium() {
  [ -x "$CHROMIUM" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x "$CHROMIUM" ]
}
if install_chromium; then
  export MORALBANK_CHROMIUM="$CHROMIUM"
elif [ "$REQUIRE" = 1 ]; then
  echo "FAIL: Chromium is required for the browser tests and could not be installed." >&2; exit 1
else
  echo "!!!! WARNING: no Chromium at $CHROMIUM and it cannot be installed here:" >&2
  echo "!!!! the browser tests will be SKIPPED. Install Debian's 'chromium' package." >&2
fi
if [ "$REQUIRE" = 1 ]; then export MORALBANK_REQUIRE_BROWSER=1 MORALBANK_REQUIRE_SERVICES=1; fi

reachable() { .venv/bin/python - "$1" <<'PY'
import asyncio, sys
url = sys.argv[1]
async def main() -> None:
    if url.startswith("redis"):
        from redis.asyncio import Redis
        client = Redis.from_url(url, socket_connect_timeout=3)
        await client.ping(); await client.aclose()
    else:
        import asyncpg
        from sqlalchemy.engine import make_url
        dsn = make_url(url).set(drivername="postgresql", database="postgres")
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=3)
        await conn.close()
try:
    asyncio.run(main())
except Exception as exc:
    print(f"{url.split('@')[-1]}: {exc}", file=sys.stderr); sys.exit(1)
PY
}

if reachable "$REDIS_URL"; then
  export MORALBANK_TEST_REDIS_URL="$REDIS_URL"
elif [ "$REQUIRE" = 1 ]; then
  echo "FAIL: Redis is required at $REDIS_URL" >&2; exit 1
else
  echo "note: no Redis at $REDIS_URL; its tests are skipped" >&2
fi

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
echo "==> mypy"
.venv/bin/mypy

# Each pass is spread over two processes (much of a test is waiting on a database, a
# browser or a child process); MORALBANK_TEST_PROCESSES=0 runs each in one.
PROCESSES=${MORALBANK_TEST_PROCESSES:-2}
run_pytest() {  # $1: label; the database comes from MORALBANK_TEST_DATABASE_URL
  local status=0 spread=()
  [ "$PROCESSES" != 0 ] && spread=(-n "$PROCESSES" --dist loadfile)
  # The slowest tests are listed at the end: the suite must stay under 20 minutes on a
  # two-core machine, and this is where to look when it grows.
  .venv/bin/python -m pytest "${spread[@]}" --durations=25 "${PYTEST_ARGS[@]}" || status=$?
  if [ "$status" = 5 ]; then
    echo "FAIL: pytest collected no tests on $1" >&2; return 1
  fi
  return "$status"
}

# The two passes run side by side (each mostly waits on its own database), each with its
# own Redis database; their output is shown whole, one after the other, when both end.
mkdir -p var
LOGS=(var/test-sqlite.log var/test-postgresql.log)
if reachable "$POSTGRES_URL"; then
  echo "==> pytest on SQLite and on PostgreSQL, side by side (${LOGS[*]})"
  (unset MORALBANK_TEST_DATABASE_URL; run_pytest SQLite) >"${LOGS[0]}" 2>&1 &
  SQLITE_PID=$!
  (export MORALBANK_TEST_DATABASE_URL="$POSTGRES_URL"
   [ -n "${MORALBANK_TEST_REDIS_URL:-}" ] && export MORALBANK_TEST_REDIS_URL="${REDIS_URL%/*}/14"
   run_pytest PostgreSQL) >"${LOGS[1]}" 2>&1 &
  POSTGRES_PID=$!
  SQLITE_STATUS=0; POSTGRES_STATUS=0
  wait "$SQLITE_PID" || SQLITE_STATUS=$?
  wait "$POSTGRES_PID" || POSTGRES_STATUS=$?
  echo "==> pytest on SQLite"; cat "${LOGS[0]}"
  echo "==> pytest on PostgreSQL"; cat "${LOGS[1]}"
  if [ "$SQLITE_STATUS" != 0 ] || [ "$POSTGRES_STATUS" != 0 ]; then
    echo "FAIL: SQLite pass exit $SQLITE_STATUS, PostgreSQL pass exit $POSTGRES_STATUS" >&2
    exit 1
  fi
elif [ "$REQUIRE" = 1 ]; then
  echo "FAIL: PostgreSQL is required at $POSTGRES_URL" >&2; exit 1
else
  echo "==> pytest on SQLite"
  (unset MORALBANK_TEST_DATABASE_URL; run_pytest SQLite)
  echo "!!!! PostgreSQL not reachable at $POSTGRES_URL: the suite ran on SQLite only." >&2
fi
echo "==> all tests passed"
