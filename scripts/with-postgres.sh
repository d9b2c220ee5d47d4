#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL 15 server:
#
#   scripts/with-postgres.sh swift test
#   scripts/with-postgres.sh bash -c 'psql "$TIFFIN_TEST_DATABASE_URL"'
#
# Starts a private server (temporary data directory, a free port on 127.0.0.1, its own unix-socket
# directory, fsync off: for tests only), creates the role and database tiffin/tiffin (CREATEDB, so
# tests can create their own databases), exports
#   TIFFIN_TEST_DATABASE_URL=postgres://tiffin:tiffin@127.0.0.1:PORT/tiffin
# and runs the command. The server is stopped and its data directory deleted on every exit; the
# script exits with the command's exit code.
#
# As root the server runs as the `postgres` user (PostgreSQL refuses to run as root), and
# postgresql-15 is installed with apt-get if missing. As any other user it runs as that user.
#
# Environment: TIFFIN_PG_BIN (default /usr/lib/postgresql/15/bin), TIFFIN_PG_TMPDIR (default /tmp
# as root, else ${TMPDIR:-/tmp}), TIFFIN_PG_MAX_CONNECTIONS (default 300), TIFFIN_PG_DURABLE=1 (fsync,
# synchronous commit and full-page writes on, as a real server runs: for benchmarks), TIFFIN_PG_CONF (extra
# postgresql.conf lines, e.g. "shared_preload_libraries = 'pg_stat_statements'" to profile a benchmark).
set -euo pipefail

PG_MAJOR=15
PG_BIN=${TIFFIN_PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
DB_USER=tiffin
DB_PASSWORD=tiffin
DB_NAME=tiffin
MAX_CONNECTIONS=${TIFFIN_PG_MAX_CONNECTIONS:-300}
if [[ "${TIFFIN_PG_DURABLE:-0}" == 1 ]]; then DURABLE=on; else DURABLE=off; fi

log() { echo "with-postgres: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]   (e.g. $0 swift test)" >&2
    exit 2
fi

# --- PostgreSQL binaries --------------------------------------------------------------------------
if [[ ! -x "$PG_BIN/initdb" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "$PG_BIN/initdb not found: installing postgresql-$PG_MAJOR with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR" >&2
    fi
    [[ -x "$PG_BIN/initdb" ]] ||
        die "PostgreSQL $PG_MAJOR not found at $PG_BIN (install postgresql-$PG_MAJOR, or set TIFFIN_PG_BIN)"
fi
for tool in pg_ctl postgres psql pg_isready; do
    [[ -x "$PG_BIN/$tool" ]] || die "$PG_BIN/$tool not found"
done

# --- who runs the server --------------------------------------------------------------------------
AS_SERVER=()  # command prefix that runs a program as the server's OS user
if [[ $(id -u) -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
        log "creating system user postgres"
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    AS_SERVER=(runuser -u postgres --)
    TMP_BASE=${TIFFIN_PG_TMPDIR:-/tmp}  # not $TMPDIR: it may sit under /root, out of postgres' reach
else
    TMP_BASE=${TIFFIN_PG_TMPDIR:-${TMPDIR:-/tmp}}
fi

# Run the server in its own session when possible, so a Ctrl-C aimed at the command does not hit it;
# the trap below stops it either way.
SETSID=()
if command -v setsid >/dev/null 2>&1; then SETSID=(setsid -w); fi

WORK=$(mktemp -d "$TMP_BASE/tiffin-pg.XXXXXX")
DATA=$WORK/data
SOCKETS=$WORK/sockets
LOGFILE=$WORK/postgres.log
mkdir -p "$SOCKETS"
if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$WORK"; fi

server_running() {
    [[ -f "$DATA/postmaster.pid" ]] && "${AS_SERVER[@]}" "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    set +e
    if server_running; then
        "${AS_SERVER[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            "${AS_SERVER[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >/dev/null 2>&1
        if server_running; then
            local pid
            pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)
            [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
            sleep 1
        fi
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

# --- initialise and start -------------------------------------------------------------------------
"${AS_SERVER[@]}" "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale --no-sync --no-instructions >"$WORK/initdb.log" 2>&1 || {
    cat "$WORK/initdb.log" >&2
    die "initdb failed"
}

# Throw-away server for tests: durability off unless TIFFIN_PG_DURABLE=1, many connections (every test has its own database
# and pool), modest memory.
cat >>"$DATA/postgresql.conf" <<EOF

# --- scripts/with-postgres.sh (tests only) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKETS'
unix_socket_permissions = 0700
max_connections = $MAX_CONNECTIONS
shared_buffers = 64MB
fsync = $DURABLE
synchronous_commit = $DURABLE
full_page_writes = $DURABLE
max_parallel_workers_per_gather = 0
log_min_messages = warning
log_min_error_statement = panic
${TIFFIN_PG_CONF:-}
EOF

PORT=
for attempt in 1 2 3 4 5; do
    candidate=$(free_port)
    rm -f "$LOGFILE"  # so the checks below only see this attempt
    if "${SETSID[@]}" "${AS_SERVER[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 \
        -o "-p $candidate" start >/dev/null 2>&1; then
        PORT=$candidate
        break
    fi
    # Another process took the port between picking and binding: try another one.
    if grep -q -e 'could not bind' -e 'Address already in use' -e 'could not create any TCP/IP sockets' "$LOGFILE" 2>/dev/null; then
        log "port $candidate is taken (attempt $attempt), retrying"
        server_running && "${AS_SERVER[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
        continue
    fi
    tail -n 40 "$LOGFILE" >&2 2>/dev/null || true
    die "PostgreSQL did not start (data directory $DATA)"
done
[[ -n "$PORT" ]] || die "could not find a free port for PostgreSQL"

# pg_ctl -w already waited for "ready"; double-check over TCP, bounded.
for _ in $(seq 1 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then break; fi
    sleep 0.1
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null || {
    tail -n 40 "$LOGFILE" >&2 2>/dev/null || true
    die "PostgreSQL is not accepting connections on 127.0.0.1:$PORT"
}

# Role and database for the tests (as the bootstrap superuser, over the private socket).
env -u PGPASSWORD -u PGOPTIONS -u PGSERVICE "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKETS" -p "$PORT" -U postgres -d postgres \
    -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" \
    -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null ||
    die "could not create role/database $DB_USER/$DB_NAME"

export TIFFIN_TEST_DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
# For scripts that stop and start the server on purpose (scripts/bench-outage.sh).
export TIFFIN_PG_DATA=$DATA TIFFIN_PG_PORT=$PORT TIFFIN_PG_LOG=$LOGFILE TIFFIN_PG_SERVER_USER=${AS_SERVER[2]:-}
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data $DATA, stopped on exit): TIFFIN_TEST_DATABASE_URL=$TIFFIN_TEST_DATABASE_URL"

# --- the command ----------------------------------------------------------------------------------
set +e
"$@"
status=$?
set -e
exit "$status"
