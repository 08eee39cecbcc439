# The servers of config/test.sh's scale pass (issue 28), sourced after config/throwaway_pg.sh:
# a throwaway PostgreSQL primary, a streaming replica of it and Debian's PgBouncer in front of it,
# each on a free 127.0.0.1 port, all in one temp folder that is removed on exit.
#
#   scale_servers_start   sets SCALE_PRIMARY_URL, SCALE_REPLICA_URL, SCALE_PGBOUNCER_URL (database
#                         "staffdesk") and SCALE_REPLICA_DATA (the replica's data folder, which the
#                         fallback test stops and starts again)
#   scale_servers_stop    stops all three and deletes the folder (safe to call twice; use in a trap)
#
# Why a primary of its own: the replica is made with `pg_basebackup -R` (streaming replication),
# which the server the suite uses need not allow (Debian's default pg_hba.conf has no replication
# line for TCP), and initdb's own trust set-up allows it. The machine's PostgreSQL is left alone.

SCALE_DIR=""
SCALE_PRIMARY_URL=""
SCALE_REPLICA_URL=""
SCALE_PGBOUNCER_URL=""
SCALE_REPLICA_DATA=""
_scale_as=()

_scale_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

_scale_pg_ctl_start() {  # <bin> <data dir> <log>
  "${_scale_as[@]}" "$1/pg_ctl" -D "$2" -l "$3" -w -t 60 start >/dev/null \
    || { echo "PostgreSQL in $2 did not start:" >&2; cat "$3" >&2; return 1; }
}

scale_servers_start() {
  local bin user primary_port replica_port bouncer_port pgbouncer
  bin=$(throwaway_pg_bin) || { echo "no pg_ctl/initdb found" >&2; return 1; }
  pgbouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  [ -x "$pgbouncer" ] || { echo "pgbouncer is not installed" >&2; return 1; }
  SCALE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/staffdesk-scale.XXXXXX") || return 1
  _scale_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb and pgbouncer refuse to run as root.
    user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    chown "$user" "$SCALE_DIR"
    _scale_as=(runuser -u "$user" --)
  fi
  primary_port=$(_scale_port) && replica_port=$(_scale_port) && bouncer_port=$(_scale_port) || return 1

  "${_scale_as[@]}" "$bin/initdb" -D "$SCALE_DIR/primary" -U postgres --auth=trust -E UTF8 --no-locale \
    >"$SCALE_DIR/initdb.log" 2>&1 || { echo "initdb failed:" >&2; cat "$SCALE_DIR/initdb.log" >&2; return 1; }
  "${_scale_as[@]}" tee -a "$SCALE_DIR/primary/postgresql.auto.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $primary_port
unix_socket_directories = '$SCALE_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 4
CONF
  _scale_pg_ctl_start "$bin" "$SCALE_DIR/primary" "$SCALE_DIR/primary.log" || return 1

  # The replica: a base backup that streams the WAL from the primary (-R writes primary_conninfo
  # and standby.signal), then its own port.
  "${_scale_as[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$SCALE_DIR/replica" -R -X stream \
    >"$SCALE_DIR/basebackup.log" 2>&1 || { echo "pg_basebackup failed:" >&2; cat "$SCALE_DIR/basebackup.log" >&2; return 1; }
  "${_scale_as[@]}" tee -a "$SCALE_DIR/replica/postgresql.auto.conf" >/dev/null <<CONF
port = $replica_port
hot_standby = on
wal_receiver_status_interval = 1s
wal_retrieve_retry_interval = 200ms
CONF
  _scale_pg_ctl_start "$bin" "$SCALE_DIR/replica" "$SCALE_DIR/replica.log" || return 1

  # PgBouncer in transaction mode in front of the primary, as docs/scaling.md describes.
  echo '"postgres" ""' | "${_scale_as[@]}" tee "$SCALE_DIR/userlist.txt" >/dev/null
  "${_scale_as[@]}" tee "$SCALE_DIR/pgbouncer.ini" >/dev/null <<CONF
[databases]
* = host=127.0.0.1 port=$primary_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $SCALE_DIR/userlist.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
server_reset_query =
server_idle_timeout = 1
ignore_startup_parameters = extra_float_digits
logfile = $SCALE_DIR/pgbouncer.log
pidfile = $SCALE_DIR/pgbouncer.pid
CONF
  "${_scale_as[@]}" "$pgbouncer" -d "$SCALE_DIR/pgbouncer.ini" >/dev/null 2>&1 \
    || { echo "pgbouncer did not start:" >&2; cat "$SCALE_DIR/pgbouncer.log" >&2; return 1; }

  SCALE_PRIMARY_URL="postgres://postgres@127.0.0.1:$primary_port/staffdesk"
  SCALE_REPLICA_URL="postgres://postgres@127.0.0.1:$replica_port/staffdesk"
  SCALE_PGBOUNCER_URL="postgres://postgres@127.0.0.1:$bouncer_port/staffdesk"
  SCALE_REPLICA_DATA="$SCALE_DIR/replica"
}

scale_servers_stop() {
  [ -n "$SCALE_DIR" ] || return 0
  local bin data
  if [ -f "$SCALE_DIR/pgbouncer.pid" ]; then
    kill "$(cat "$SCALE_DIR/pgbouncer.pid")" 2>/dev/null || true
  fi
  if bin=$(throwaway_pg_bin); then
    for data in "$SCALE_DIR/replica" "$SCALE_DIR/primary"; do
      [ -f "$data/postmaster.pid" ] && "${_scale_as[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
    done
  fi
  rm -rf "$SCALE_DIR"
  SCALE_DIR=""
}
