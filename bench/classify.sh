#!/bin/sh
# classify_message rate on one core: the labelled WISMO set (tests/data/wismo/)
# classified over and over for SECONDS (default 3) by build/bench_classify
# (-O2, no sanitizers), pinned to core 0 when taskset is there. Target: at
# least 50,000 messages/s (docs/ARCHITECTURE.md, "Orders and WISMO").
# Usage: bench/classify.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
make -s build/bench_classify
echo "date: $(date -u +%Y-%m-%d), deskd $(git rev-parse --short HEAD 2>/dev/null)"
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v taskset >/dev/null 2>&1; then
	taskset -c 0 build/bench_classify "${1:-3}"
else
	build/bench_classify "${1:-3}"
fi
