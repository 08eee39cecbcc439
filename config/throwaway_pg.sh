# A throwaway PostgreSQL server for one test run, sourced by config/test.sh (bash).
#
#   throwaway_pg_bin              prints the folder holding pg_ctl and initdb, or fails
#   throwaway_pg_start            initdb + start in a new temp folder on a free 127.0.0.1 port;
#                                 sets THROWAWAY_PG_URL (postgres://postgres@127.0.0.1:PORT/staffdesk)
#   throwaway_pg_stop             stop it and delete the folder (safe to call twice; use in a trap)
#
# It uses the PostgreSQL programs already installed (PATH, then $THROWAWAY_PG_SEARCH, by default
# /usr/lib/postgresql/*/bin, newest first); it installs nothing. Data lives in the temp folder only, with fsync off: it is for tests.
# initdb refuses to run as root, so as root the server runs as the `postgres` user (or `nobody`).

THROWAWAY_PG_DIR=""
THROWAWAY_PG_URL=""
_throwaway_pg_as=()

throwaway_pg_bin() {
  local dir
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  # shellcheck disable=SC2086  # the search path is a glob on purpose
  for dir in $(ls -d ${THROWAWAY_PG_SEARCH:-/usr/lib/postgresql/*/bin} 2>/dev/null | sort -V -r); do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

throwaway_pg_start() {
  local bin port user
  bin=$(throwaway_pg_bin) || { echo "no pg_ctl/initdb found" >&2; return 1; }
  THROWAWAY_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/staffdesk-pg.XXXXXX") || return 1
  _throwaway_pg_as=()
  if [ "$(id -u)" -eq 0 ]; then
    user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    chown "$user" "$THROWAWAY_PG_DIR"
    _throwaway_pg_as=(runuser -u "$user" --)
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
  "${_throwaway_pg_as[@]}" "$bin/initdb" -D "$THROWAWAY_PG_DIR/data" -U postgres --auth=trust \
    -E UTF8 --no-locale >"$THROWAWAY_PG_DIR/initdb.log" 2>&1 \
    || { echo "initdb failed:" >&2; cat "$THROWAWAY_PG_DIR/initdb.log" >&2; return 1; }
  "${_throwaway_pg_as[@]}" "$bin/pg_ctl" -D "$THROWAWAY_PG_DIR/data" -l "$THROWAWAY_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $THROWAWAY_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null \
    || { echo "the throwaway PostgreSQL did not start:" >&2; cat "$THROWAWAY_PG_DIR/server.log" >&2; return 1; }
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres staffdesk || return 1
  THROWAWAY_PG_URL="postgres://postgres@127.0.0.1:$port/staffdesk"
  THROWAWAY_PG_VERSION=$("$bin/pg_ctl" --version | awk '{print $3}')
}

throwaway_pg_stop() {
  [ -n "$THROWAWAY_PG_DIR" ] || return 0
  local bin
  if [ -f "$THROWAWAY_PG_DIR/data/postmaster.pid" ] && bin=$(throwaway_pg_bin); then
    "${_throwaway_pg_as[@]}" "$bin/pg_ctl" -D "$THROWAWAY_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$THROWAWAY_PG_DIR"
  THROWAWAY_PG_DIR=""
  THROWAWAY_PG_URL=""
}
