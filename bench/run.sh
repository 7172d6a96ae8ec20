#!/bin/sh
# Load and latency figures for deskd on SQLite, against the real server on 127.0.0.1.
# Usage: bench/run.sh [TICKETS] (default 1000000; messages = 2 x TICKETS)
# Every load is bounded in count and time. Figures go to BENCHMARKS.md by hand.
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
TICKETS=${1:-1000000}
PORT=${PORT:-18765}
URL=http://127.0.0.1:$PORT
dir=$(mktemp -d /tmp/deskd-bench.XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT

build/deskd user add --data "$dir" --email bench@example.com --name Bench --role admin >/dev/null
TOKEN=$(build/deskd token create --data "$dir" --user bench@example.com)
export TOKEN THREADS=2
build/deskd serve --data "$dir" --listen 127.0.0.1:$PORT 2>/dev/null &
pid=$!
sleep 1
rss() { echo "$(($(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024)) MB"; }
echo "date: $(date -u +%Y-%m-%d), deskd $(git rev-parse --short HEAD 2>/dev/null)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r)"
echo "RSS idle (empty database): $(rss)"

figures() { grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors' | sed 's/^ */    /'; }

echo "creates, 1 client:";  MODE=tickets COUNT=100000000 wrk -t1 -c1 -d10s -s bench/load.lua --latency $URL | figures
# creates with 32 clients: bench/creates.sh (5 runs on fresh folders and on 1M tickets)

# wrk runs for a duration, so loading stops when the server has enough rows
last_id() {
	curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/$1?sort=-id&limit=1" |
		sed -nE 's/^[^0-9]*"id":([0-9]+).*/\1/p'
}
load_until() { # MODE TARGET: wrk until the newest ticket (or message) id reaches TARGET
	MODE=$1 COUNT=100000000 MAX_ID=$TICKETS wrk -t2 -c32 -d3600s -s bench/load.lua $URL >/dev/null &
	loader=$!
	start=$(date +%s)
	while kill -0 $loader 2>/dev/null; do
		sleep 2
		[ -n "${rss_shown:-}" ] || { echo "    RSS under load (32 clients): $(rss)"; rss_shown=1; }
		n=$(count_of "$1")
		[ "${n:-0}" -lt "$2" ] || break
	done
	kill $loader 2>/dev/null; wait $loader 2>/dev/null || true
	echo "    $1: $(count_of "$1") rows after $(($(date +%s) - start)) s"
}
count_of() { # the newest id: of a ticket, or of a message (a probe reply on ticket 1 tells)
	if [ "$1" = tickets ]; then last_id tickets; else
		curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			-d '{"body":"bench probe","kind":"note"}' "$URL/api/v1/tickets/1/messages" |
			sed -nE 's/^[^0-9]*"id":([0-9]+).*/\1/p'
	fi
}
echo "loading to $TICKETS tickets and $((2 * TICKETS)) messages..."
load_until tickets "$TICKETS"
load_until messages "$((2 * TICKETS))"
echo "RSS after loading: $(rss)"; ls -la "$dir" | awk '/deskd.db$/ {print "database: " int($5/1048576) " MB"}'

echo "ticket reads, 32 clients:"; MAX_ID=$TICKETS wrk -t2 -c32 -d15s -s bench/read.lua --latency $URL | figures
echo "lists, 8 clients:"; wrk -t2 -c8 -d15s -s bench/list.lua --latency $URL | figures
echo "search, 4 clients:"; wrk -t2 -c4 -d20s -s bench/search.lua --latency $URL | figures
sleep 2; echo "RSS right after the run: $(rss)"
sleep 25; echo "RSS idle 25 s later (idle readers closed): $(rss)"
