#!/usr/bin/env bash
# Install everything and run the whole test suite twice: on SQLite, then on the PostgreSQL at
# 127.0.0.1:5432 ($TEST_POSTGRES_URL). Browser tests drive Debian's chromium (installed here when
# missing). Under CI=true an unreachable PostgreSQL fails the run. Outside CI, when it is
# unreachable and PostgreSQL's programs (pg_ctl, initdb) are installed, a throwaway server is
# started in a temp folder for the second run and removed on exit; without them the PostgreSQL
# run is skipped, and the script says so, early, and how to get one.
# Extra arguments go to pytest, e.g. `bash config/test.sh -k staff`.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash config/setup.sh || exit 1
source config/throwaway_pg.sh

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { echo "Could not install chromium; browser tests cannot run. Install it: apt-get install chromium" >&2; exit 1; }
fi

export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}
unset DJANGO_ENV DEBUG
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/staffdesk}

pg_reachable() {
  PG_PROBE_URL=$1 .venv/bin/python -c "
import environ, os, psycopg
cfg = environ.Env.db_url_config(os.environ['PG_PROBE_URL'])
psycopg.connect(host=cfg['HOST'], port=cfg['PORT'] or 5432, user=cfg['USER'], password=cfg['PASSWORD'] or None, dbname='postgres', connect_timeout=5).close()
" 2>/dev/null
}

# Settle the PostgreSQL run first, so a missing server is reported before the long SQLite run.
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
  trap throwaway_pg_stop EXIT
  trap 'throwaway_pg_stop; exit 130' INT TERM
  if throwaway_pg_start; then
    echo "    PostgreSQL $THROWAWAY_PG_VERSION at $THROWAWAY_PG_URL (data in $THROWAWAY_PG_DIR, removed on exit)"
    PG_URL=$THROWAWAY_PG_URL
    pg_plan=run
  else
    echo "Could not start a throwaway PostgreSQL (see above): the PostgreSQL run fails." >&2
    pg_plan=fail
    status=1
  fi
else
  {
    echo "WARNING: the PostgreSQL run will be SKIPPED. Nothing answers at $PG_URL, and PostgreSQL's"
    echo "programs (pg_ctl, initdb) are not installed, so no throwaway server can be started."
    echo "CI runs it (under CI=true this is a failure). To run it here, either:"
    echo "  - install PostgreSQL (Debian/Ubuntu: apt-get install postgresql); this script then starts"
    echo "    a throwaway server by itself when none answers, or"
    echo "  - point TEST_POSTGRES_URL at a server where you may create databases, e.g."
    echo "    TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/staffdesk bash config/test.sh"
  } >&2
fi

echo "==> Checking migrations and system checks"
DATABASE_URL= .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Model changes without migrations (run manage.py makemigrations)." >&2; exit 1; }
DATABASE_URL= .venv/bin/python manage.py check --fail-level WARNING || exit 1
DJANGO_ENV=production SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=example.com \
  IDENTITY_HASH_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))') \
  .venv/bin/python manage.py check --deploy --fail-level WARNING || exit 1

echo "==> Test suite on SQLite"
DATABASE_URL= .venv/bin/python -m pytest "$@" || status=1

case $pg_plan in
  run)
    echo "==> Test suite on PostgreSQL ($PG_URL)"
    DATABASE_URL=$PG_URL .venv/bin/python -m pytest "$@" || status=1
    ;;
  fail)
    echo "==> Test suite on PostgreSQL: FAILED, no PostgreSQL (see the message at the start)" >&2
    ;;
  skip)
    echo "==> Test suite on PostgreSQL: SKIPPED, no PostgreSQL here (see the message at the start)" >&2
    ;;
esac

if [ $status -eq 0 ]; then echo "==> All test runs passed"; else echo "==> Some test runs FAILED" >&2; fi
exit $status
