#!/bin/sh
# `deskd import orders` rate: ORDERS orders (default 200,000; two item rows and
# one shipment each, Korean/Japanese/Turkish names) written as a CSV and
# imported into a fresh SQLite data folder, then imported again (every order
# unchanged). Target: at least 20,000 orders/s (issue 9). The figure is the
# import's own summary line ("N orders in S s (R/s)").
# Usage: bench/import.sh [ORDERS]
set -eu
cd "$(dirname "$0")/.."
make -s build/deskd
n=${1:-200000}
dir=$(mktemp -d /tmp/deskd-import-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$dir/orders.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
names = ["九谷焼 湯呑み", "김치 세트", "Çay bardağı", "Rain jacket"]
with open(path, "w", encoding="utf-8") as f:
    f.write("number,email,currency,total,placed_at,financial_status,item_sku,item_name,"
            "item_quantity,item_price,tracking_number,carrier,shipment_status\n")
    for i in range(n):
        f.write("#%d,buyer%d@example.com,USD,30.00,2026-11-%02dT10:00:00Z,paid,SKU-%d,%s,1,10.00,"
                "TRK%d,Yamato,in_transit\n" % (i, i % (n // 3 + 1), 1 + i % 28, i % 97,
                                               names[i % 4], i))
        f.write("#%d,,,,,,SKU-X,%s,2,10.00,,,\n" % (i, names[(i + 1) % 4]))
PY
build/deskd migrate --data "$dir/data" >/dev/null 2>&1
sqlite3 "$dir/data/deskd.db" "INSERT INTO stores (slug, name, platform, settings, created_at, updated_at) VALUES ('bench', 'Bench', 'custom', '{}', 0, 0)"
echo "date: $(date -u +%Y-%m-%d), deskd $(git rev-parse --short HEAD 2>/dev/null)"
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $n orders, $(wc -c <"$dir/orders.csv") bytes"
printf 'first run:  '
build/deskd import orders --store bench --data "$dir/data" "$dir/orders.csv" 2>/dev/null
printf 'second run: '
build/deskd import orders --store bench --data "$dir/data" "$dir/orders.csv" 2>/dev/null
