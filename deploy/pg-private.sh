#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Manage a private PostgreSQL cluster for fluxaudit: its own data
# directory, listening only on a unix socket in its own directory (no TCP
# port), never the system cluster.
#
#   deploy/pg-private.sh start DIR   create (first time) and start; prints
#                                    the libpq connection string
#   deploy/pg-private.sh stop DIR    stop it (fast shutdown)
#   deploy/pg-private.sh destroy DIR stop it and delete its data
#   deploy/pg-private.sh conninfo DIR
#
# PostgreSQL refuses to run as root, so when run as root the server runs
# as the "postgres" system user (created by Debian's postgresql package).
# If that user cannot reach DIR (e.g. a checkout under /root, which is
# mode 700), the cluster lives in /var/tmp/fluxaudit-pg-<hash of DIR>
# instead and DIR holds a symbolic link to it.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
	echo "usage: $0 start|stop|destroy|conninfo DIR" >&2
	exit 2
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	echo "$0: PostgreSQL server binaries not found under /usr/lib/postgresql" >&2
	echo "hint: install the postgresql package (deploy/quickstart.sh does)" >&2
	exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
port=5432
dbname=fluxaudit

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		# From /, which the postgres user can always enter: the caller's
		# working directory may be a checkout under /root.
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Resolve where the cluster really lives (see the header).
real_dir() {
	if [ -L "$dir/cluster" ]; then
		readlink "$dir/cluster"
		return
	fi
	if [ "$(id -u)" -eq 0 ] && ! (cd / && runuser -u postgres -- test -x "$dir"); then
		local h
		h=$(printf '%s' "$dir" | sha256sum | cut -c1-12)
		mkdir -p "/var/tmp/fluxaudit-pg-$h"
		ln -sfn "/var/tmp/fluxaudit-pg-$h" "$dir/cluster"
		echo "/var/tmp/fluxaudit-pg-$h"
		return
	fi
	echo "$dir/cluster"
}

cdir=$(real_dir)
data="$cdir/data"
sock="$cdir/run"
log="$cdir/server.log"
conninfo="host=$sock port=$port dbname=$dbname user=fluxaudit"

create() {
	mkdir -p "$cdir" "$sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$cdir" "$sock"
	fi
	chmod 700 "$cdir"
	as_owner "$pgbin/initdb" -D "$data" -U fluxaudit --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$cdir/initdb.log" 2>&1 || {
		echo "$0: could not create the cluster in \"$data\", see $cdir/initdb.log" >&2
		exit 1
	}
}

# The settings live in their own file, rewritten at every start, so that a
# cluster made by an older version of this script gets the current ones.
# Sized for bulk ingest on a small server: enough shared buffers to keep
# the state tables and indexes of a large ingest in memory, and enough WAL
# between checkpoints that a batch does not force one.
configure() {
	if ! grep -q "^include_if_exists = 'fluxaudit.conf'" "$data/postgresql.conf"; then
		echo "include_if_exists = 'fluxaudit.conf'" >>"$data/postgresql.conf"
	fi
	cat >"$data/fluxaudit.conf" <<CONF
# fluxaudit private cluster (written by deploy/pg-private.sh): unix socket only
listen_addresses = ''
port = $port
unix_socket_directories = '$sock'
fsync = on
max_connections = 20
shared_buffers = 512MB
max_wal_size = 4GB
checkpoint_timeout = 15min
CONF
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$data/fluxaudit.conf"
	fi
}

case "$cmd" in
start)
	if [ ! -f "$data/PG_VERSION" ]; then
		create
	fi
	configure
	if ! as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		# A crash can leave a stale pid file behind; pg_ctl handles it.
		as_owner "$pgbin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null || {
			echo "$0: could not start PostgreSQL in \"$data\", see $log" >&2
			exit 1
		}
	fi
	if ! "$pgbin/psql" "$(echo "$conninfo" | sed 's/dbname=fluxaudit/dbname=postgres/')" \
		-Atqc "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
		"$pgbin/createdb" -h "$sock" -p "$port" -U fluxaudit "$dbname"
	fi
	echo "$conninfo"
	;;
stop)
	if [ -f "$data/PG_VERSION" ]; then
		if as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
			as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
			echo "stopped the PostgreSQL cluster in \"$data\"" >&2
		fi
	fi
	;;
destroy)
	if [ -f "$data/PG_VERSION" ] &&
		as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$cdir"
	rm -f "$dir/cluster"
	echo "deleted the PostgreSQL cluster in \"$cdir\"" >&2
	;;
conninfo)
	echo "$conninfo"
	;;
*)
	echo "usage: $0 start|stop|destroy|conninfo DIR" >&2
	exit 2
	;;
esac
