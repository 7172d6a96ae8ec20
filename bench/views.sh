#!/bin/sh
# p99 of every kind of inbox view at TICKETS tickets, on SQLite (default) or
# PostgreSQL (PGHOST=socket dir of a throwaway cluster, see tests/pg.sh).
# Usage: bench/views.sh [TICKETS] (default 1000000)
# The desk is made with SQL (bench/tickets.sql), not through the API: loading
# 1M tickets through the API (bench/run.sh) takes minutes the figures do not
# need. Each view runs 1 client for EACH seconds (default 5) on 127.0.0.1 only.
# KEEP=1 keeps the PostgreSQL database (to EXPLAIN ANALYZE its queries).
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get install -y -qq sqlite3 >/dev/null; }
TICKETS=${1:-1000000}
PORT=${PORT:-18766}
EACH=${EACH:-5}
URL=http://127.0.0.1:$PORT
dir=$(mktemp -d /tmp/deskd-views.XXXXXX)
db=
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
pid=

if [ -n "${PGHOST:-}" ]; then
	dbname=bench_views_$$
	psql -h "$PGHOST" -U postgres -qc "CREATE DATABASE $dbname" postgres
	db="--db postgresql://postgres@/$dbname?host=$PGHOST"
fi
# shellcheck disable=SC2086
build/deskd migrate --data "$dir" $db >/dev/null 2>&1
start=$(date +%s)
if [ -n "${PGHOST:-}" ]; then
	sed "s/:N/$TICKETS/g" bench/tickets.sql | psql -h "$PGHOST" -U postgres -q -v ON_ERROR_STOP=1 "$dbname"
	psql -h "$PGHOST" -U postgres -qc "VACUUM ANALYZE" "$dbname"
else
	sed "s/:N/$TICKETS/g" bench/tickets.sql | sqlite3 -bail "$dir/deskd.db"
	sqlite3 "$dir/deskd.db" ANALYZE
fi
echo "desk of $TICKETS tickets made in $(($(date +%s) - start)) s"
# shellcheck disable=SC2086
build/deskd user add --data "$dir" $db --email bench@example.com --name Bench --role admin >/dev/null
# shellcheck disable=SC2086
TOKEN=$(build/deskd token create --data "$dir" $db --user bench@example.com)
export TOKEN
# shellcheck disable=SC2086
build/deskd serve --data "$dir" $db --listen 127.0.0.1:$PORT 2>"$dir/log" &
pid=$!
sleep 1
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), deskd $(git rev-parse --short HEAD 2>/dev/null), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# every filter the list takes, alone and together, and every sort order;
# "server" is the p99 of the time deskd logs for the request (us=), "wrk" what
# the client saw: on a busy machine the second includes waiting for a core
printf '%-58s %10s %10s %8s\n' view server wrk req/s
while read -r view; do
	[ -n "$view" ] || continue
	before=$(wc -l <"$dir/log")
	VIEW=$view wrk -t1 -c1 -d"${EACH}s" -s bench/view.lua --latency "$URL" >"$dir/wrk.out"
	server=$(tail -n +"$((before + 1))" "$dir/log" | sed -n 's/.*status=200 us=//p' | sort -n |
		awk '{v[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1fms", v[i] / 1000}')
	awk -v view="$view" -v server="$server" '/^ +99%/ {p = $2} /Requests\/sec/ {r = $2}
		/Non-2xx/ {bad = $NF}
		END {printf "%-58s %10s %10s %8s%s\n", view, server, p, r, bad ? " " bad " NOT 2xx" : ""}' \
		"$dir/wrk.out"
done <<VIEWS
status=new,open
status=open&sort=-created_at
status=solved&sort=created_at
sort=updated_at&limit=100
assignee=none&status=new,open,pending,on-hold
assignee=1005&status=open
assignee=1005&sort=-id
channel=email&limit=50
channel=phone&status=open
assignee=1005&channel=phone
status=pending&assignee=1005&channel=chat
tag=t5
tag=t1&status=open
tag=t5&status=new,open&sort=-created_at
tag=rare
tag=rare&status=open
tag=t150&status=on-hold&sort=updated_at
tag=t5&assignee=1005&status=open
tag=t5&channel=phone
tag=t1&assignee=none&channel=chat&status=new,open,pending,on-hold
VIEWS
if [ -n "${PGHOST:-}" ]; then
	kill $pid; wait $pid 2>/dev/null || true; pid=
	if [ -n "${KEEP:-}" ]; then echo "kept database $dbname"; else
		psql -h "$PGHOST" -U postgres -qc "DROP DATABASE $dbname" postgres
	fi
fi
