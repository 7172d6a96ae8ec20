#!/bin/sh
# Ticket creates with 32 clients, steady from the first second: RUNS runs (default 5)
# of SECONDS seconds (default 5), each on a fresh data folder and then each on a copy
# of one holding TICKETS tickets (default 1000000; 0 skips that half). Prints every
# run's creates in each second and overall, then the minimum and the median.
# Usage: bench/creates.sh [TICKETS]. Loads only 127.0.0.1, bounded in time.
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
TICKETS=${1:-1000000}
RUNS=${RUNS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
PORT=${PORT:-18766}
URL=http://127.0.0.1:$PORT
work=$(mktemp -d /tmp/deskd-creates.XXXXXX)
pid=""
trap '[ -z "$pid" ] || kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export THREADS=2

# start DIR: serves DIR, waiting until it answers
start() {
	build/deskd serve --data "$1" --listen 127.0.0.1:$PORT 2>/dev/null &
	pid=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "$URL/healthz" && return 0
		sleep 0.1
	done
	echo "deskd did not start" >&2
	exit 1
}
stop() { kill $pid; wait $pid 2>/dev/null || true; pid=""; }

# a fresh data folder with the bench user; prints its token
fresh() {
	build/deskd user add --data "$1" --email bench@example.com --name Bench --role admin >/dev/null 2>&1
	build/deskd token create --data "$1" --user bench@example.com
}

last_id() {
	curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/tickets?sort=-id&limit=1" |
		sed -nE 's/^[^0-9]*"id":([0-9]+).*/\1/p'
}

# run DIR: one load on the server running on DIR, SECONDS_PER_RUN + 1 s long, then
# stops it. Each second is counted from the tickets' own created_at, starting at the
# first ticket of the run, so connections opening and the empty database growing
# count like the rest; the extra second keeps wrk's shutdown out of the last one.
# Prints "per-second... | overall" and appends the overall rate (over those
# SECONDS_PER_RUN seconds) to $work/rates and each second's to $work/seconds.
run() {
	prev=$(last_id)
	prev=${prev:-0}
	MODE=tickets COUNT=100000000 wrk -t2 -c32 -d$((SECONDS_PER_RUN + 1))s -s bench/load.lua $URL \
		>"$work/wrk.out"
	stop
	line=$(python3 - "$1/deskd.db" "$prev" "$SECONDS_PER_RUN" <<'PY'
import sqlite3, sys
db, prev, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = [t for (t,) in sqlite3.connect(db).execute(
    "SELECT created_at FROM tickets WHERE id > ? ORDER BY id", (prev,))]
counts = [0] * n
for t in times:
    k = (t - times[0]) // 1000000
    if k < n:
        counts[k] += 1
print(" ".join(map(str, counts)))
PY
)
	rate=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) s += $i; printf "%d", s / NF }')
	echo "$rate" >>"$work/rates"
	echo "$line" | tr ' ' '\n' >>"$work/seconds"
	echo "    per second: $line | overall $rate/s$(grep -E 'Non-2xx|Socket errors' "$work/wrk.out" | tr -s ' ' | sed 's/^/ /' | tr '\n' ' ')"
}

# summary LABEL: the minimum and median of the runs so far, and the slowest second
summary() {
	sort -n "$work/rates" | awk -v label="$1" '{ v[NR] = $1 } END {
		printf "  %s: min %d/s, median %d/s over %d runs", label, v[1], v[int((NR + 1) / 2)], NR }'
	sort -n "$work/seconds" | head -n 1 | awk '{ printf ", slowest second %d\n", $1 }'
	rm -f "$work/rates" "$work/seconds"
}

echo "creates, 32 clients, $RUNS runs of $SECONDS_PER_RUN s on a fresh data folder each:"
for i in $(seq "$RUNS"); do
	rm -rf "$work/d"
	TOKEN=$(fresh "$work/d")
	export TOKEN
	start "$work/d"
	run "$work/d"
done
summary "fresh"

[ "$TICKETS" -gt 0 ] || exit 0
echo "loading $TICKETS tickets once..."
rm -rf "$work/big"
TOKEN=$(fresh "$work/big")
export TOKEN
start "$work/big"
MODE=tickets COUNT=100000000 MAX_ID=$TICKETS wrk -t2 -c32 -d3600s -s bench/load.lua $URL >/dev/null &
loader=$!
while kill -0 $loader 2>/dev/null; do
	sleep 2
	[ "$(last_id)" -lt "$TICKETS" ] || break
done
kill $loader 2>/dev/null; wait $loader 2>/dev/null || true
stop
echo "creates, 32 clients, $RUNS runs of $SECONDS_PER_RUN s on a copy of the $TICKETS-ticket folder each:"
for i in $(seq "$RUNS"); do
	rm -rf "$work/d"
	cp -r "$work/big" "$work/d"
	start "$work/d"
	run "$work/d"
done
summary "$TICKETS tickets"
