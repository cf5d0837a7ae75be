#!/usr/bin/env bash
# Pooling benchmark: 400 simulated function instances, each with its own pgxpool (MaxConns 2),
# run short API-like transactions straight against PostgreSQL (max_connections 100) and through
# PgBouncer in transaction mode (default_pool_size 20, max_client_conn 1000). Reports errors,
# throughput, p50/p99 latency and the peak number of server connections (pg_stat_activity).
#
# Starts a throwaway PostgreSQL 15 and PgBouncer under a temp dir as the `postgres` system user
# (PostgreSQL refuses to run as root), on 127.0.0.1 only, and removes them on exit.
#   bash bench/pooling.sh            # output also in bench/results/pooling.txt
# Environment: INSTANCES (400), WORKERS (2 per instance), TX (5 per worker), PGPORT (55432),
# BOUNCER_PORT (56432), PGBIN (/usr/lib/postgresql/15/bin), RUN_AS (postgres).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/bench/results"
exec > >(tee "$root/bench/results/pooling.txt") 2>&1

here=$(cd "$(dirname "$0")" && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${PGPORT:-55432}
BOUNCER_PORT=${BOUNCER_PORT:-56432}
RUN_AS=${RUN_AS:-postgres}
INSTANCES=${INSTANCES:-400}
WORKERS=${WORKERS:-2}
TX=${TX:-5}

command -v pgbouncer >/dev/null || { echo "pooling.sh: pgbouncer is not installed (apt-get install -y pgbouncer)" >&2; exit 1; }
[ -x "$PGBIN/postgres" ] || { echo "pooling.sh: no PostgreSQL in $PGBIN" >&2; exit 1; }
for p in "$PGPORT" "$BOUNCER_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "pooling.sh: port $p is taken" >&2; exit 1; fi
done

as_user() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups -- "$@"; else "$@"; fi
}

tmp=$(mktemp -d /tmp/nimbus-pool-bench.XXXXXX)
chmod 755 "$tmp"
[ "$(id -u)" = 0 ] && chown "$RUN_AS" "$tmp"
bouncer_pid=""
cleanup() {
  set +e
  if [ -s "$tmp/pgbouncer.pid" ]; then kill "$(cat "$tmp/pgbouncer.pid")" 2>/dev/null; fi
  [ -n "$bouncer_pid" ] && wait "$bouncer_pid" 2>/dev/null
  as_user "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== PostgreSQL on 127.0.0.1:$PGPORT (max_connections 100), data in $tmp"
as_user "$PGBIN/initdb" -D "$tmp/data" -U postgres -A trust --no-sync >/dev/null
cat >>"$tmp/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$tmp'
max_connections = 100
superuser_reserved_connections = 3
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
log_min_messages = fatal
CONF
as_user "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -t 30 start >/dev/null
psql_su() { as_user psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }
psql_su -d postgres -c "CREATE ROLE bench LOGIN" -c "CREATE DATABASE bench OWNER bench"
as_user psql -X -q -h 127.0.0.1 -p "$PGPORT" -U bench -d bench <<'SQL'
CREATE TABLE images (
  id            uuid PRIMARY KEY,
  status        text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  original_key  text NOT NULL,
  content_type  text NOT NULL,
  size_bytes    bigint NOT NULL,
  thumbnail_key text,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
SQL

echo "== PgBouncer $(pgbouncer --version | head -1 | awk '{print $2}') on 127.0.0.1:$BOUNCER_PORT (transaction mode, default_pool_size 20, max_client_conn 1000)"
cat >"$tmp/pgbouncer.ini" <<INI
[databases]
bench = host=127.0.0.1 port=$PGPORT dbname=bench user=bench
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $tmp/userlist.txt
pool_mode = transaction
default_pool_size = 20
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 1000
max_db_connections = 20
server_idle_timeout = 5
logfile = $tmp/pgbouncer.log
pidfile = $tmp/pgbouncer.pid
INI
echo '"bench" ""' >"$tmp/userlist.txt"
[ "$(id -u)" = 0 ] && chown "$RUN_AS" "$tmp/pgbouncer.ini" "$tmp/userlist.txt"
ulimit -n 4096
as_user pgbouncer -q "$tmp/pgbouncer.ini" >"$tmp/pgbouncer.out" 2>&1 &
bouncer_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$BOUNCER_PORT") 2>/dev/null && break; sleep 0.1; done

echo "== load: $INSTANCES instances x $WORKERS workers x $TX transactions, pgxpool as postgres.ServerlessConfig (MaxConns 2)"
cd "$here"
# Straight to PostgreSQL first: the pooler's idle server connections would otherwise hold slots.
timeout 600 go run ./pool \
  -monitor "postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable" \
  -target "postgres-direct=postgres://bench@127.0.0.1:$PGPORT/bench?sslmode=disable&connect_timeout=10" \
  -target "pgbouncer=postgres://bench@127.0.0.1:$BOUNCER_PORT/bench?sslmode=disable&connect_timeout=10" \
  -instances "$INSTANCES" -workers "$WORKERS" -tx "$TX"
