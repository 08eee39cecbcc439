# A throwaway Redis for one test run, sourced by config/test.sh (bash), like throwaway_pg.sh.
#
#   throwaway_redis_start   redis-server on a free 127.0.0.1 port, nothing kept on disk, in a new
#                           temp folder; sets THROWAWAY_REDIS_URL (redis://127.0.0.1:PORT)
#   throwaway_redis_stop    stop it and delete the folder (safe to call twice; use in a trap)
#
# It uses the redis-server already installed; it installs nothing.

THROWAWAY_REDIS_DIR=""
THROWAWAY_REDIS_URL=""

throwaway_redis_start() {
  local port
  THROWAWAY_REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/staffdesk-redis.XXXXXX") || return 1
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$THROWAWAY_REDIS_DIR" \
    --daemonize yes --pidfile "$THROWAWAY_REDIS_DIR/redis.pid" --logfile "$THROWAWAY_REDIS_DIR/redis.log" \
    || { echo "redis-server did not start" >&2; return 1; }
  for _ in $(seq 50); do
    if redis_reachable "redis://127.0.0.1:$port"; then
      THROWAWAY_REDIS_URL="redis://127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  echo "the throwaway Redis did not answer:" >&2
  cat "$THROWAWAY_REDIS_DIR/redis.log" >&2
  return 1
}

throwaway_redis_stop() {
  [ -n "$THROWAWAY_REDIS_DIR" ] || return 0
  if [ -f "$THROWAWAY_REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$THROWAWAY_REDIS_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$THROWAWAY_REDIS_DIR"
  THROWAWAY_REDIS_DIR=""
  THROWAWAY_REDIS_URL=""
}
