#!/bin/sh
# Email ingestion rate: in-process (mail_ingest from 1, 2 and 4 threads) and
# through `deskd mailgate` processes (--data, straight into SQLite, with no server
# and beside a running `deskd serve` as deployed, and --url, to a `deskd serve`
# on 127.0.0.1), on a generated mix (see bench/mail.py).
# Usage: bench/mail.sh [N] [GATE_N]   (defaults 5000 in-process, 2000 through mailgate)
# PARALLEL (default 4) mailgate processes at once; PG=1 adds an in-process run on a
# throwaway PostgreSQL (tests/pg.sh). Each phase stops after 110 s; every email
# must be stored (exit status 0, and the count of stored emails equals the count sent).
set -eu
cd "$(dirname "$0")/.."
N=${1:-5000}
GATE_N=${2:-2000}
PARALLEL=${PARALLEL:-4}
PORT=${PORT:-18766}
make -s build/deskd build/bench_mail_ingest
dir=$(mktemp -d /tmp/deskd-mailbench.XXXXXX)
# copies, so that a rebuild in this tree during the run cannot pull the binary away
cp build/deskd build/bench_mail_ingest "$dir/"
deskd=$dir/deskd
pid=
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	[ ! -d "$dir/pg" ] || sh tests/pg.sh stop "$dir/pg"
	rm -rf "$dir"
}
trap cleanup EXIT
failed=0

echo "date: $(date -u +%Y-%m-%d), deskd $(git rev-parse --short HEAD 2>/dev/null)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r)"
python3 bench/mail.py corpus "$dir/corpus" "$N"
mkdir "$dir/gate"
ls "$dir/corpus" | head -n "$GATE_N" | while read -r f; do ln "$dir/corpus/$f" "$dir/gate/$f"; done
printf '%-28s %8s %10s %10s %s\n' path emails/s p50 p99 checks

# row LABEL LINE STORED SENT: one line of the table from a key=value result line
row() {
	get() { echo "$2" | sed -nE "s/.*$1=([^ ]+).*/\1/p"; }
	printf '%-28s %8s %10s %10s stored %s of %s, %s\n' "$1" "$(get rate "$2")" "$(get p50 "$2")" \
		"$(get p99 "$2")" "$3" "$4" "$(echo "$2" | sed -nE 's/.*(exit=[^ ]+|failed=[0-9]+).*/\1/p')"
	[ "$3" = "$4" ] || failed=1
}

for t in 1 2 4; do
	line=$(timeout 120 "$dir/bench_mail_ingest" "$dir/corpus" "$dir/in$t" "$t" 2>>"$dir/log") || failed=1
	row "in-process, $t threads" "$line" "$(python3 bench/mail.py count "$dir/in$t/deskd.db")" "$N"
	rm -rf "$dir/in$t"
done

if [ "${PG:-}" = 1 ]; then
	sock=$(sh tests/pg.sh start "$dir/pg")
	for t in 1 4; do
		psql -qh "$sock" -U postgres -c "CREATE DATABASE bench$t" postgres
		url="postgresql://postgres@/bench$t?host=$sock"
		line=$(timeout 120 "$dir/bench_mail_ingest" "$dir/corpus" "$url" "$t" 2>>"$dir/log") || failed=1
		stored=$(psql -qtAh "$sock" -U postgres -c \
			"SELECT count(*) FROM messages WHERE mail_id IS NOT NULL" "bench$t")
		row "in-process pg, $t threads" "$line" "$stored" "$N"
	done
fi

"$deskd" migrate --data "$dir/gd" >/dev/null 2>&1
line=$(python3 bench/mail.py gate "$deskd" "$dir/gate" "$PARALLEL" 110 -- --data "$dir/gd") || failed=1
row "mailgate --data, alone" "$line" "$(python3 bench/mail.py count "$dir/gd/deskd.db")" "$GATE_N"
echo "$line" | grep '^  error' || true

# as deployed: the MTA's mailgate writes the database a running `deskd serve` uses
"$deskd" serve --data "$dir/gs" --listen "127.0.0.1:$((PORT + 1))" 2>>"$dir/log" &
pid=$!
sleep 1
line=$(python3 bench/mail.py gate "$deskd" "$dir/gate" "$PARALLEL" 110 -- --data "$dir/gs") || failed=1
row "mailgate --data, P=$PARALLEL" "$line" "$(python3 bench/mail.py count "$dir/gs/deskd.db")" "$GATE_N"
echo "$line" | grep '^  error' || true
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=

"$deskd" user add --data "$dir/srv" --email bench@example.com --name Bench --role admin >/dev/null 2>&1
DESKD_TOKEN=$("$deskd" token create --data "$dir/srv" --user bench@example.com 2>/dev/null)
export DESKD_TOKEN
"$deskd" serve --data "$dir/srv" --listen "127.0.0.1:$PORT" 2>>"$dir/log" &
pid=$!
sleep 1
line=$(python3 bench/mail.py gate "$deskd" "$dir/gate" "$PARALLEL" 110 -- \
	--url "http://127.0.0.1:$PORT") || failed=1
row "mailgate --url, P=$PARALLEL" "$line" "$(python3 bench/mail.py count "$dir/srv/deskd.db")" "$GATE_N"
echo "$line" | grep '^  error' || true

[ "$failed" = 0 ] || { echo "some emails were not stored:"; grep -vE 'applied migration|status=20[01]|listening' "$dir/log" | head; }
exit "$failed"
