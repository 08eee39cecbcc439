#!/usr/bin/env bash
# Install everything, load the demo data and serve the app at http://127.0.0.1:$PORT (8000 unless
# PORT is set) on SQLite (or on $DATABASE_URL), with the background worker that delivers
# notifications. It runs in development mode: DEBUG on, development keys; not for production.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash config/setup.sh

PORT=${PORT:-8000}
# Links sent in notifications (binding invitations) point where this server listens, unless
# SITE_URL says otherwise (e.g. the address other machines reach it at).
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT}}
# On PostgreSQL, a pool of connections per worker: under ASGI a connection per request costs
# 10-15 ms of database CPU (bench --server asgi against asgi-pool). Ignored on SQLite.
export DATABASE_POOL_SIZE=${DATABASE_POOL_SIZE:-8}
echo "==> Migrating the database"
.venv/bin/python manage.py migrate --no-input -v 0
echo "==> Loading demo data"
.venv/bin/python manage.py seed_demo
# The worker then runs the real-person verification deadlines daily (R-18); no-op when queued.
.venv/bin/python manage.py freeze_unverified --schedule
# What a previous worker, killed mid-task, left running or half-sent is settled first (issue 28).
.venv/bin/python manage.py reap_stale_work
# The customer chat's sweep every 30 s: a member whose browser is gone past the grace
# period hands its buyers on, and queued buyers are served as room frees (R-36).
.venv/bin/python manage.py chat_sweep --schedule
# The dashboard's change log (PostgreSQL) folded into one row per tenant every 5 minutes (issue 27).
.venv/bin/python manage.py prune_data_changes --schedule
.venv/bin/python manage.py db_worker --no-reload -v 0 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM

echo "==> Serving at http://127.0.0.1:${PORT}, links in notifications at ${SITE_URL} (Ctrl-C stops)"
# ASGI through uvicorn's gunicorn worker: the customer chat's event streams stay open for minutes,
# costing a coroutine each instead of a thread (chat/streams.py).
.venv/bin/gunicorn config.asgi:application --worker-class uvicorn_worker.UvicornWorker \
  --bind "127.0.0.1:${PORT}" --workers 2 --access-logfile - --log-level warning
