#!/bin/sh
# Starts or stops a throwaway PostgreSQL cluster on a Unix socket for the tests.
#   tests/pg.sh start DIR   prints the socket directory
#   tests/pg.sh stop DIR
# PostgreSQL refuses to run as root, so as root the cluster runs as user postgres.
set -eu
cmd=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "tests/pg.sh: no PostgreSQL server installed" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then as="runuser -u postgres --"; else as=""; fi
case $cmd in
start)
	mkdir -p "$dir"
	[ -z "$as" ] || chown postgres "$dir"
	$as "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	$as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-k $dir -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "$dir"
	;;
stop)
	$as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
esac
