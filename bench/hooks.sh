#!/bin/sh
# Shopify webhook ingest with 16 clients on SQLite (issue 9 target: 2,000/s):
# RUNS runs (default 3) of SECONDS_PER_RUN s (default 5) on a fresh data folder
# each, every delivery a new signed orders/create (a new order and, mostly, a new
# customer). Prints each run's deliveries per second, non-2xx answers, and the
# minimum and median. Usage: bench/hooks.sh. Loads only 127.0.0.1, bounded in time.
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
PORT=${PORT:-18767}
URL=http://127.0.0.1:$PORT
work=$(mktemp -d /tmp/deskd-hooks.XXXXXX)
pid=""
trap '[ -z "$pid" ] || kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export THREADS=2 SLUG=bench HOOKS="$work/hooks.tsv"
SECRET=bench-secret-$$
python3 bench/hooks.py "$SECRET" 100000 "$HOOKS"

for i in $(seq "$RUNS"); do
	rm -rf "$work/d"
	build/deskd user add --data "$work/d" --email bench@example.com --name Bench --role admin >/dev/null 2>&1
	token=$(build/deskd token create --data "$work/d" --user bench@example.com)
	build/deskd serve --data "$work/d" --listen 127.0.0.1:$PORT 2>/dev/null &
	pid=$!
	for _ in $(seq 50); do curl -s -o /dev/null "$URL/healthz" && break; sleep 0.1; done
	curl -s -o /dev/null -X POST "$URL/api/v1/stores" -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' \
		-d "{\"slug\":\"bench\",\"name\":\"Bench\",\"platform\":\"shopify\",\"secret\":\"$SECRET\"}"
	wrk -t2 -c16 -d${SECONDS_PER_RUN}s -s bench/hooks.lua "$URL" >"$work/wrk.out"
	kill $pid; wait $pid 2>/dev/null || true; pid=""
	rate=$(awk '/Requests\/sec/ {printf "%d", $2}' "$work/wrk.out")
	echo "$rate" >>"$work/rates"
	echo "  run $i: $rate deliveries/s$(grep -E 'Non-2xx|Socket errors|Latency' "$work/wrk.out" | tr -s ' ' | sed 's/^/ /' | tr '\n' ' ')"
done
sort -n "$work/rates" | awk '{ v[NR] = $1 } END {
	printf "shopify orders/create, 16 clients: min %d/s, median %d/s over %d runs\n", v[1], v[int((NR + 1) / 2)], NR }'
