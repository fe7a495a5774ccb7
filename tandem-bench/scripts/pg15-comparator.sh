#!/usr/bin/env bash
# The private PostgreSQL 15 cluster of the verification benchmark, with pg_comparator beside it.
#
#   pg15-comparator.sh start DIR [PORT]
#                                  installs postgresql-comparator if missing (it needs root for apt),
#                                  initdb's a cluster in DIR as an unprivileged user (initdb refuses
#                                  root), starts it on PORT (or a free one) with fsync on and prints
#                                  the port
#   pg15-comparator.sh stop DIR    stops that cluster and removes DIR
#
# Why PostgreSQL 15: Debian's pgcmp extension (the checksum functions pg_comparator calls in the
# server) is built for the Debian PostgreSQL 15 server only, so the embedded PostgreSQL 17 of the other
# suites cannot load it. Superuser "postgres", trust authentication, TCP on localhost only.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
PACKAGE=postgresql-comparator
# The user the server runs as; created when missing.
RUN_AS=${TANDEM_BENCH_PG_USER:-pgs}

as_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$RUN_AS" -- "$@"
    else
        "$@"
    fi
}

log() { echo "[pg15-comparator] $*" >&2; }

install_comparator() {
    if command -v pg_comparator >/dev/null && [ -f /usr/lib/postgresql/15/lib/pgcmp.so ]; then
        return
    fi
    log "installing $PACKAGE (Debian package, with its pgcmp extension for PostgreSQL 15)"
    if [ "$(id -u)" != 0 ]; then
        log "not root: install it by hand with: apt-get install -y $PACKAGE"
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$PACKAGE" >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "$PACKAGE" >&2; }
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local dir=$1
    [ -x "$BIN/initdb" ] || { log "no PostgreSQL 15 server in $BIN (apt-get install -y postgresql-15)"; exit 1; }
    install_comparator
    if [ "$(id -u)" = 0 ] && ! id "$RUN_AS" >/dev/null 2>&1; then
        useradd --system --no-create-home "$RUN_AS"
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown "$RUN_AS" "$dir"
    as_user "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    local port=${2:-}
    [ -n "$port" ] || port=$(free_port)
    # fsync, synchronous_commit and full_page_writes keep their durable defaults (on); named here so
    # that the report can read them back. Enough WAL between checkpoints for the 10M-row loads, and
    # shared buffers of a modest server: the tables (several GB) are read through the OS cache.
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = 'localhost'
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 15min
max_connections = 100
CONF
    as_user "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >&2
    echo "$port"
}

stop() {
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_user "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "${2:?start DIR [PORT]}" "${3:-}" ;;
    stop) stop "${2:?stop DIR}" ;;
    *) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
