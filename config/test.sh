#!/usr/bin/env bash
# Install everything and run the whole test suite in three passes: on SQLite, then on the PostgreSQL
# at 127.0.0.1:5432 ($TEST_POSTGRES_URL), then the scale pass (a throwaway primary with a streaming
# replica and PgBouncer, config/throwaway_scale.sh). Each pass runs in parallel, one pytest-xdist worker per
# core ($TEST_WORKERS, default auto), each worker with a test database of its own. A test runs in
# both passes when the database can change its outcome; a test that touches no database runs in
# the SQLite pass, and the browser tests run in the PostgreSQL pass plus a short SQLite smoke set
# (tests/suite_passes.py; docs/testing.md lists what runs where and why).
# Browser tests drive Debian's chromium (installed here when missing). Under CI=true an
# unreachable PostgreSQL or Redis fails the run. Outside CI, when one is unreachable and its
# programs are installed, a throwaway server is started in a temp folder and removed on exit;
# without them the PostgreSQL pass is skipped (or the tests that need Redis skip, with a reason),
# and the script says so, early, and how to get one.
# Extra arguments go to pytest in every pass, e.g. `bash config/test.sh -k staff`.
# The time of each pass is printed at the end and, when $TEST_PASS_TIMES names a file, written
# there as "<pass> <seconds> <passed|FAILED|skipped>" lines (.ci/run prints them).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash config/setup.sh || exit 1
source config/throwaway_pg.sh
source config/throwaway_redis.sh
source config/throwaway_scale.sh

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { echo "Could not install chromium; browser tests cannot run. Install it: apt-get install chromium" >&2; exit 1; }
fi

# nginx (the reverse-proxy test) and PgBouncer (the pooler pass) from Debian, the same way.
missing_pkgs=()
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing_pkgs+=(nginx)
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing_pkgs+=(pgbouncer)
if [ ${#missing_pkgs[@]} -gt 0 ]; then
  echo "==> Installing Debian's ${missing_pkgs[*]} for the proxy and pooler tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null \
    || { echo "Could not install ${missing_pkgs[*]}. Install it: apt-get install ${missing_pkgs[*]}" >&2; exit 1; }
  # Debian starts the packages' own services on install; the tests start their own copies.
  for service in "${missing_pkgs[@]}"; do $sudo_cmd systemctl disable --now "$service" >/dev/null 2>&1 || true; done
fi
export PATH=$PATH:/usr/sbin

export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}
unset DJANGO_ENV DEBUG
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/staffdesk}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}

pg_reachable() {
  PG_PROBE_URL=$1 .venv/bin/python -c "
import environ, os, psycopg
cfg = environ.Env.db_url_config(os.environ['PG_PROBE_URL'])
psycopg.connect(host=cfg['HOST'], port=cfg['PORT'] or 5432, user=cfg['USER'], password=cfg['PASSWORD'] or None, dbname='postgres', connect_timeout=5).close()
" 2>/dev/null
}

redis_reachable() {
  REDIS_PROBE_URL=$1 .venv/bin/python -c "
import os, redis
redis.Redis.from_url(os.environ['REDIS_PROBE_URL'], socket_connect_timeout=3).ping()
" 2>/dev/null
}

cleanup() { scale_servers_stop; throwaway_pg_stop; throwaway_redis_stop; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# Settle the PostgreSQL pass first, so a missing server is reported before the long SQLite pass.
status=0
pg_plan=skip
if pg_reachable "$PG_URL"; then
  pg_plan=run
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $PG_URL is unreachable: under CI that is a failure." >&2
  pg_plan=fail
  status=1
elif throwaway_pg_bin >/dev/null; then
  echo "==> PostgreSQL at $PG_URL is unreachable: starting a throwaway server with $(throwaway_pg_bin)"
  if throwaway_pg_start; then
    echo "    PostgreSQL $THROWAWAY_PG_VERSION at $THROWAWAY_PG_URL (data in $THROWAWAY_PG_DIR, removed on exit)"
    PG_URL=$THROWAWAY_PG_URL
    pg_plan=run
  else
    echo "Could not start a throwaway PostgreSQL (see above): the PostgreSQL pass fails." >&2
    pg_plan=fail
    status=1
  fi
else
  {
    echo "WARNING: the PostgreSQL pass will be SKIPPED. Nothing answers at $PG_URL, and PostgreSQL's"
    echo "programs (pg_ctl, initdb) are not installed, so no throwaway server can be started."
    echo "CI runs it (under CI=true this is a failure). To run it here, either:"
    echo "  - install PostgreSQL (Debian/Ubuntu: apt-get install postgresql); this script then starts"
    echo "    a throwaway server by itself when none answers, or"
    echo "  - point TEST_POSTGRES_URL at a server where you may create databases, e.g."
    echo "    TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/staffdesk bash config/test.sh"
  } >&2
fi

# Redis: the chat's doorbell and the shared cache's round trip are tested against a real one.
if redis_reachable "$REDIS_URL"; then
  :
elif [ "${CI:-}" = "true" ]; then
  echo "Redis at $REDIS_URL is unreachable: under CI that is a failure." >&2
  status=1
elif command -v redis-server >/dev/null 2>&1; then
  echo "==> Redis at $REDIS_URL is unreachable: starting a throwaway redis-server"
  if throwaway_redis_start; then
    echo "    Redis at $THROWAWAY_REDIS_URL (stopped on exit)"
    REDIS_URL=$THROWAWAY_REDIS_URL
  else
    echo "Could not start a throwaway Redis (see above): the tests that need Redis will skip." >&2
  fi
else
  echo "WARNING: nothing answers at $REDIS_URL and redis-server is not installed: the tests that need" >&2
  echo "Redis will SKIP, each saying so (apt-get install redis-server, or set TEST_REDIS_URL)." >&2
fi
export TEST_REDIS_URL=$REDIS_URL
export CHAT_REDIS_URL=${REDIS_URL%/}/0

echo "==> Checking migrations and system checks"
DATABASE_URL= .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Model changes without migrations (run manage.py makemigrations)." >&2; exit 1; }
DATABASE_URL= .venv/bin/python manage.py check --fail-level WARNING || exit 1
DJANGO_ENV=production SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=example.com \
  IDENTITY_HASH_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))') \
  .venv/bin/python manage.py check --deploy --fail-level WARNING || exit 1

WORKERS=${TEST_WORKERS:-auto}
times=()
record() {  # record <pass> <seconds> <result>
  times+=("$(printf '%-12s %5d s  %s' "$1" "$2" "$3")")
  [ -n "${TEST_PASS_TIMES:-}" ] && echo "$1 $2 $3" >> "$TEST_PASS_TIMES"
  return 0
}
run_pass() {  # run_pass <name> <database url> <suite pass> [pytest args...]
  local name=$1 url=$2 suite=$3 started result=passed
  shift 3
  started=$SECONDS
  DATABASE_URL=$url .venv/bin/python -m pytest -n "$WORKERS" --dist worksteal --suite-pass="$suite" "$@" || { result=FAILED; status=1; }
  record "$name" $((SECONDS - started)) "$result"
}

echo "==> Test suite on SQLite ($WORKERS workers)"
run_pass SQLite "" sqlite "$@"

case $pg_plan in
  run)
    echo "==> Test suite on PostgreSQL ($PG_URL, $WORKERS workers)"
    run_pass PostgreSQL "$PG_URL" postgres "$@"
    ;;
  fail)
    echo "==> Test suite on PostgreSQL: FAILED, no PostgreSQL (see the message at the start)" >&2
    record PostgreSQL 0 FAILED
    ;;
  skip)
    echo "==> Test suite on PostgreSQL: SKIPPED, no PostgreSQL here (see the message at the start)" >&2
    record PostgreSQL 0 skipped
    ;;
esac

# The scale pass (issue 28): a throwaway primary with a streaming replica and PgBouncer in front
# (config/throwaway_scale.sh). The router's tests run against the replica; one PostgreSQL module
# per app runs through PgBouncer in transaction mode with DATABASE_POOLER=pgbouncer.
PGBOUNCER_MODULES=(
  tests/accounts/test_temporary_concurrency.py
  tests/orgchart/test_concurrency.py
  tests/staff/test_without_sms.py
  tests/campaigns/test_review.py
  tests/scim/test_views.py
  tests/operations/test_concurrency.py
  tests/chat/test_concurrency.py
)
if [ "$pg_plan" = run ] && throwaway_pg_bin >/dev/null && { command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; }; then
  echo "==> Scale pass: a streaming replica and PgBouncer (throwaway servers)"
  started=$SECONDS
  result=passed
  if scale_servers_start; then
    # One run, so the test databases are migrated once: everything through PgBouncer, and the
    # replica tests (one file, hence one worker: one of them stops the replica) read the replica.
    DATABASE_URL=$SCALE_PGBOUNCER_URL DATABASE_POOLER=pgbouncer DATABASE_REPLICA_URL=$SCALE_REPLICA_URL \
      TEST_REPLICA_DATA=$SCALE_REPLICA_DATA \
      .venv/bin/python -m pytest -n "$WORKERS" --dist loadfile --suite-pass=postgres \
      tests/faults/test_replica.py "${PGBOUNCER_MODULES[@]}" "$@" || { result=FAILED; status=1; }
  else
    echo "Could not start the scale pass's servers (see above)." >&2
    result=FAILED
    status=1
  fi
  scale_servers_stop
  record Scale $((SECONDS - started)) "$result"
elif [ "${CI:-}" = "true" ]; then
  echo "==> Scale pass: FAILED, it needs PostgreSQL's programs and pgbouncer (under CI they must be here)" >&2
  record Scale 0 FAILED
  status=1
else
  echo "==> Scale pass: SKIPPED (the replica and PgBouncer tests need PostgreSQL's programs, pgbouncer and a PostgreSQL pass)" >&2
  record Scale 0 skipped
fi

echo "==> Time per pass (wall clock, set-up excluded)"
printf '    %s\n' "${times[@]}"
if [ $status -eq 0 ]; then echo "==> All test runs passed"; else echo "==> Some test runs FAILED" >&2; fi
exit $status
