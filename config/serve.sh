#!/usr/bin/env bash
# Install everything, load the demo data and serve the app at http://127.0.0.1:$PORT (8000 unless
# PORT is set) on SQLite (or on $DATABASE_URL), with the background worker that delivers
# notifications. It runs in development mode: DEBUG on, development keys; not for production.
#
# It serves as production does (issue 27): nginx in front, the pages through gunicorn's sync
# workers and the chat's two event-stream paths through ASGI workers (config/serve_proxied.sh,
# config/nginx/staffdesk.conf). Debian's nginx is installed here when missing.
# Ctrl-C (or SIGTERM) stops all of it: nginx, both gunicorns and the worker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash config/setup.sh

if ! { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; then
  echo "==> Installing Debian's nginx (it serves the app in front of gunicorn)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null \
    || { echo "Could not install nginx, which serves the app. Install it: apt-get install nginx" >&2; exit 1; }
  # Debian starts its own nginx on install (port 80); this script starts its own copy.
  $sudo_cmd systemctl disable --now nginx >/dev/null 2>&1 || true
fi
export PATH=$PATH:/usr/sbin

PORT=${PORT:-8000}
export PORT
# Links sent in notifications (binding invitations) point where this server listens, unless
# SITE_URL says otherwise (e.g. the address other machines reach it at).
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT}}
echo "==> Migrating the database and loading demo data"
# One Python process for the six steps (each process spends seconds setting Django up):
# migrate; the demo data (prints the logins); the real-person verification deadlines daily (R-18;
# no-op when queued); what a previous worker, killed mid-task, left running or half-sent (issue
# 28); the customer chat's sweep every 30 s, which hands a gone member's buyers on and serves
# queued buyers as room frees (R-36); the dashboard's change log (PostgreSQL) folded into one row
# per tenant every 5 minutes (issue 27).
.venv/bin/python - <<'PY'
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.management import call_command

call_command("migrate", interactive=False, verbosity=0)
call_command("seed_demo")
call_command("freeze_unverified", schedule=True)
call_command("reap_stale_work")
call_command("chat_sweep", schedule=True)
call_command("prune_data_changes", schedule=True)
PY

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 143' INT TERM

.venv/bin/python manage.py db_worker --no-reload -v 0 &
pids+=($!)
# nginx on $PORT, the pages' sync workers on PORT+1, the event streams' ASGI workers on PORT+2,
# each with its own database connection settings (see config/serve_proxied.sh).
bash config/serve_proxied.sh &
pids+=($!)
echo "==> Links in notifications point at ${SITE_URL} (Ctrl-C stops)"
# Whichever ends first (a crash) ends the rest.
wait -n "${pids[@]}"
