#!/usr/bin/env bash
# Serve the app as production should at scale (issue 28): nginx in front (config/nginx/staffdesk.conf),
# the pages through gunicorn's sync workers, the chat's two event-stream paths through ASGI workers.
# nginx reads every request completely before a worker sees it, so slow clients cannot take the
# sync workers away (README, "Behind a reverse proxy"). Serves the database the environment names
# as it is: run `manage.py migrate` first (config/serve.sh does, with the demo data).
#
#   PORT            where nginx listens on 127.0.0.1 (default 8000)
#   PAGES_PORT      the sync gunicorn (default PORT+1);  PAGES_WORKERS   (default 2 × cores + 1)
#   STREAMS_PORT    the ASGI gunicorn (default PORT+2);  STREAMS_WORKERS (default 1)
#   PAGES_CONN_MAX_AGE   the sync workers' persistent connections, seconds (default 600)
#   PAGES_POOL_SIZE      a psycopg pool per sync worker instead (default 0: none; no cheaper)
#   STREAMS_POOL_SIZE    the ASGI workers' psycopg pool per worker (default 8; 0 behind PgBouncer)
# (PostgreSQL only; an inherited CONN_MAX_AGE or DATABASE_POOL_SIZE is replaced by these.)
#
# Runs in the foreground; Ctrl-C (or SIGTERM) stops all three. nginx's files live in a temp folder,
# removed on exit. Needs Debian's nginx (apt-get install nginx).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 1; }
PORT=${PORT:-8000}
PAGES_PORT=${PAGES_PORT:-$((PORT + 1))}
STREAMS_PORT=${STREAMS_PORT:-$((PORT + 2))}
PAGES_WORKERS=${PAGES_WORKERS:-$(($(nproc) * 2 + 1))}
STREAMS_WORKERS=${STREAMS_WORKERS:-1}
# The database connections, per kind of worker (issue 27; bench --server proxied):
# - a sync worker serves one request at a time in one thread, so one persistent connection is
#   all it needs: CONN_MAX_AGE keeps it between requests (with Django's health check once per
#   request). A psycopg pool per sync worker (PAGES_POOL_SIZE=2) was no cheaper (empty page
#   5.5-5.9 ms of served CPU against 4.6-5.9, product detail 12.4-16.3 against 15.2-16.5, box at
#   load 12), holds more backends than the one a worker uses, and one of its two runs collapsed
#   (30-146 ms of CPU a request on the empty page).
# - an ASGI worker runs each request's code in a thread of its own, where a kept connection would
#   never be reused: a pool per worker, so a burst of buyers opening streams shares a few
#   connections (a connection per request cost 10-15 ms of database CPU).
PAGES_POOL_SIZE=${PAGES_POOL_SIZE:-0}
PAGES_CONN_MAX_AGE=${PAGES_CONN_MAX_AGE:-600}
[ "$PAGES_POOL_SIZE" -gt 0 ] && PAGES_CONN_MAX_AGE=0  # Django refuses a pool with persistent connections
if [ "${DATABASE_POOLER:-}" = pgbouncer ]; then
  STREAMS_POOL_SIZE=${STREAMS_POOL_SIZE:-0}  # PgBouncer is the pool; Django's must not sit behind it
else
  STREAMS_POOL_SIZE=${STREAMS_POOL_SIZE:-8}
fi
# One proxy appends to X-Forwarded-For: the app reads the client's address from it.
export TRUSTED_PROXY_HOPS=${TRUSTED_PROXY_HOPS:-1}

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/staffdesk-nginx.XXXXXX")
pids=()
stop() {
  # TERM: gunicorn lets requests in progress finish (--graceful-timeout), nginx stops at once.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$run_dir"
}
trap stop EXIT
trap 'exit 143' INT TERM

sed -e "s|@LISTEN@|127.0.0.1:$PORT|" -e "s|@PAGES@|127.0.0.1:$PAGES_PORT|" -e "s|@STREAMS@|127.0.0.1:$STREAMS_PORT|" \
  config/nginx/staffdesk.conf > "$run_dir/staffdesk.conf"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"  # the workers write their temp files in $run_dir
cat > "$run_dir/nginx.conf" <<CONF
$user_line
worker_processes auto;
pid $run_dir/nginx.pid;
error_log $run_dir/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $run_dir/client_body;
    proxy_temp_path $run_dir/proxy;
    fastcgi_temp_path $run_dir/fastcgi;
    uwsgi_temp_path $run_dir/uwsgi;
    scgi_temp_path $run_dir/scgi;
    include $run_dir/staffdesk.conf;
}
CONF

CONN_MAX_AGE=$PAGES_CONN_MAX_AGE DATABASE_POOL_SIZE=$PAGES_POOL_SIZE \
  .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PAGES_PORT" --workers "$PAGES_WORKERS" \
  --graceful-timeout 5 --access-logfile - --log-level warning &
pids+=($!)
CONN_MAX_AGE=0 DATABASE_POOL_SIZE=$STREAMS_POOL_SIZE \
  .venv/bin/gunicorn config.asgi:application --worker-class uvicorn_worker.UvicornWorker \
  --bind "127.0.0.1:$STREAMS_PORT" --workers "$STREAMS_WORKERS" --graceful-timeout 5 --access-logfile - --log-level warning &
pids+=($!)
"$NGINX" -c "$run_dir/nginx.conf" -g "daemon off;" &
pids+=($!)
echo "==> Serving at http://127.0.0.1:$PORT (nginx; pages on :$PAGES_PORT, event streams on :$STREAMS_PORT)"
wait -n "${pids[@]}"
