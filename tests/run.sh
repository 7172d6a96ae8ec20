#!/bin/bash
# Runs every test and ends with "N passed, N failed": unit tests, the end-to-end
# suite on SQLite and on PostgreSQL, the suite again under ASan and UBSan, and
# bounded fuzzing. Exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0 failed=0 log=$(mktemp -d)
pgdir="" mailsrv=""

cleanup() {
	[ -z "$pgdir" ] || sh tests/pg.sh stop "$pgdir"
	[ -z "$mailsrv" ] || sh tests/mailsrv.sh stop "$mailsrv"
	rm -rf "$log"
}
trap cleanup EXIT

# step NAME COMMAND...: runs it, shows its output, adds its "N passed, N failed" line
step() {
	local name=$1 out="$log/$1.out" rc p f line
	shift
	echo "=== $name"
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/.*([^0-9]|^)([0-9]+) passed.*/\2/p')
	f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exited with status $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
}

# build TARGET: makes it; a target that does not build counts as a failed test
build() {
	make -s "$1" && return 0
	echo "$1: does not build"
	failed=$((failed + 1))
	return 1
}

fuzz() {
	local target=$1 corpus="$log/corpus-$1"
	mkdir -p "$corpus"
	# seeds: tests/fuzz/corpus/<target>/ and, where there is one, tests/data/<target>/
	cp tests/fuzz/corpus/"$target"/* tests/data/"$target"/* "$corpus"/ 2>/dev/null
	if "build/fuzz_$target" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -print_final_stats=1 \
		"$corpus" >"$log/fuzz-$target.log" 2>&1; then
		grep -E 'stat::number_of_executed_units' "$log/fuzz-$target.log"
		echo "fuzz_$target: 1 passed, 0 failed"
	else
		tail -n 40 "$log/fuzz-$target.log"
		echo "fuzz_$target: 0 passed, 1 failed"
		return 1
	fi
}

# a real Postfix and Dovecot for the mail tests, found through DESKD_TEST_MAIL_*
# (tests/mailsrv.sh says what they do)
mailsrv=$(mktemp -d /tmp/deskd-test-mail.XXXXXX)
if sh tests/mailsrv.sh start "$mailsrv" >"$mailsrv/env"; then
	while IFS='=' read -r key value; do
		export "DESKD_TEST_MAIL_$key=$value"
	done <"$mailsrv/env"
	export DESKD_TEST_MAIL_DIR=$mailsrv
else
	echo "cannot start the mail servers"
	failed=$((failed + 1))
fi

for t in tests/unit/test_*.c; do
	name=$(basename "$t" .c)
	build "build/$name" && step "$name" "build/$name"
done

# the email parser against Python's email package over tests/data/mail/
build build/mail_dump && step mail-oracle python3 tests/oracle/mail_oracle.py

pgdir=$(sh tests/pg.sh start "$(mktemp -d /tmp/deskd-test-pg.XXXXXX)") || {
	echo "cannot start PostgreSQL"
	failed=$((failed + 1))
}
export DESKD_TEST_PGHOST=$pgdir
# the db layer's own test again, now with a PostgreSQL to read from
step test_db-postgres build/test_db

DESKD_BIN=build/deskd DESKD_TEST_BACKEND=sqlite step e2e-sqlite python3 tests/e2e/run.py
DESKD_BIN=build/deskd DESKD_TEST_BACKEND=postgres step e2e-postgres python3 tests/e2e/run.py
DESKD_BIN=build/deskd-asan DESKD_TEST_BACKEND=sqlite step e2e-asan-sqlite python3 tests/e2e/run.py
DESKD_BIN=build/deskd-asan DESKD_TEST_BACKEND=postgres step e2e-asan-postgres python3 tests/e2e/run.py

# the web app in a real browser (Debian's chromium driven by playwright-core)
web() {
	npm ci --no-audit --no-fund --loglevel=error || return 1
	node --test --test-reporter=tap tests/web/ >"$log/web.tap" 2>&1
	local rc=$?
	cat "$log/web.tap"
	echo "web: $(sed -n 's/^# pass //p' "$log/web.tap" | tail -n 1) passed, $(sed -n 's/^# fail //p' "$log/web.tap" | tail -n 1) failed"
	return $rc
}
if [ -d tests/web ] && [ -f package-lock.json ]; then
	DESKD_BIN=build/deskd step web web
fi

for f in tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	name=${name#fuzz_}
	build "build/fuzz_$name" && step "fuzz-$name" fuzz "$name"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
