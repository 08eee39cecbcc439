#!/usr/bin/env bash
# Install everything and run the whole test suite twice: on SQLite, then on the PostgreSQL at
# 127.0.0.1:5432. Browser tests drive Debian's chromium (installed here when missing).
# Under CI=true an unreachable PostgreSQL fails the run instead of being skipped.
# Extra arguments go to pytest, e.g. `bash config/test.sh -k staff`.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash config/setup.sh || exit 1

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { echo "Could not install chromium; browser tests cannot run." >&2; exit 1; }
fi

export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}
unset DJANGO_ENV DEBUG
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/staffdesk}

echo "==> Checking migrations and system checks"
DATABASE_URL= .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Model changes without migrations (run manage.py makemigrations)." >&2; exit 1; }
DATABASE_URL= .venv/bin/python manage.py check --fail-level WARNING || exit 1
DJANGO_ENV=production SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=example.com \
  IDENTITY_HASH_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))') \
  .venv/bin/python manage.py check --deploy --fail-level WARNING || exit 1

status=0

echo "==> Test suite on SQLite"
DATABASE_URL= .venv/bin/python -m pytest "$@" || status=1

echo "==> Test suite on PostgreSQL ($PG_URL)"
if DATABASE_URL=$PG_URL .venv/bin/python -c "
import environ, psycopg, sys
cfg = environ.Env.db_url_config('$PG_URL')
psycopg.connect(host=cfg['HOST'], port=cfg['PORT'] or 5432, user=cfg['USER'], password=cfg['PASSWORD'] or None, dbname='postgres', connect_timeout=5).close()
" 2>/dev/null; then
  DATABASE_URL=$PG_URL .venv/bin/python -m pytest "$@" || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $PG_URL is unreachable: under CI that is a failure." >&2
  status=1
else
  echo "PostgreSQL at $PG_URL is unreachable: skipped the PostgreSQL run (it is required under CI=true)." >&2
fi

if [ $status -eq 0 ]; then echo "==> All test runs passed"; else echo "==> Some test runs FAILED" >&2; fi
exit $status
