#!/bin/bash
# Long fuzzing, not part of `make test`: runs every libFuzzer target (or those named)
# until it has executed FUZZ_RUNS inputs (default 10,000,000) or FUZZ_LONG_SECONDS
# have passed (default 14400), one target after another. Each target starts from its seeds (tests/fuzz/corpus/<target>/ and
# tests/data/<target>/) and the corpus of earlier long runs (build/fuzz-long/<target>/),
# and prints its executions, coverage (edges, features) and corpus size. A crash
# stops that target: its input is left in build/fuzz-long/ to be fixed and then added
# to tests/fuzz/corpus/<target>/. Usage: tests/fuzz/long.sh [TARGET...]
set -u
cd "$(dirname "$0")/../.."
FUZZ_RUNS=${FUZZ_RUNS:-10000000}
FUZZ_LONG_SECONDS=${FUZZ_LONG_SECONDS:-14400}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		t=$(basename "$f" .c)
		targets+=("${t#fuzz_}")
	done
fi

failed=0
for t in "${targets[@]}"; do
	make -s "build/fuzz_$t" || { failed=$((failed + 1)); continue; }
	corpus=build/fuzz-long/$t
	mkdir -p "$corpus" build/fuzz-long/crashes
	cp tests/fuzz/corpus/"$t"/* tests/data/"$t"/* "$corpus"/ 2>/dev/null
	log=build/fuzz-long/$t.log
	start=$(date +%s)
	"build/fuzz_$t" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_LONG_SECONDS" \
		-max_len=65536 -print_final_stats=1 -artifact_prefix=build/fuzz-long/crashes/"$t"- \
		"$corpus" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -nE 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log" | tail -n 1)
	execs=${execs:-0}
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
	echo "fuzz_$t: $execs executions in $secs s ($((execs / (secs > 0 ? secs : 1)))/s), $cov"
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
		failed=$((failed + 1))
	fi
done
echo "$((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
