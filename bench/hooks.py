#!/usr/bin/env python3
"""Writes N signed Shopify orders/create deliveries for bench/hooks.lua, one per
line: signature, delivery id and body, tab-separated. Each is the documented
sample (tests/data/payload/shopify-orders-create.json) with its own id, number
and shopper, so every delivery creates an order and a customer.
Usage: bench/hooks.py SECRET N OUT"""

import base64
import hashlib
import hmac
import json
import os
import sys

secret, n, out = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "tests", "data", "payload", "shopify-orders-create.json"),
          encoding="utf-8") as f:
    order = json.load(f)
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        order["id"] = 6_000_000_000_000 + i
        order["name"] = "#B%d" % i
        order["email"] = "shopper%d@example.jp" % (i % 50000)
        raw = json.dumps(order, ensure_ascii=False, separators=(",", ":"))
        sig = base64.b64encode(hmac.new(secret, raw.encode(), hashlib.sha256).digest()).decode()
        f.write("%s\t%s\t%s\n" % (sig, "bench-%d" % i, raw))
