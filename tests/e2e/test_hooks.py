"""Store webhooks: Shopify's and WooCommerce's, in the shapes of their own
documented examples (tests/data/payload/). The signature over the raw body is
the only authentication: a missing, wrong, tampered or other store's signature
is 401 and stores nothing. A redelivery (same delivery id) is 200 and changes
nothing; an older orders/updated never overwrites a newer one; unknown topics
are 200, ignored and counted; broken bodies get a clear 4xx; and after kill -9
during a burst every acknowledged webhook is stored exactly once."""

import base64
import copy
import hashlib
import hmac
import json
import os
import threading
import time
import unittest
import urllib.parse

from harness import E2ETestCase, unique

HERE = os.path.dirname(os.path.abspath(__file__))


def sample(name):
    with open(os.path.join(HERE, "..", "data", "payload", name), encoding="utf-8") as f:
        return json.load(f)


def sign(secret, raw):
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


class HooksTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret = "shpss_" + "9f3a" * 8
        cls.woo_secret = "wc-secret-ğüşİ-" + "x" * 8
        make = lambda slug, platform, secret: cls.server.req(
            "POST", "/api/v1/stores", {"slug": slug, "name": slug, "platform": platform,
                                       "secret": secret}, token=cls.admin).body["store"]
        cls.shop = make("kyoto-tea", "shopify", cls.secret)
        cls.other = make("other-shop", "shopify", "another-secret-123")
        cls.woo = make("istanbul-kahve", "woocommerce", cls.woo_secret)

    def shopify(self, topic, body, slug="kyoto-tea", secret=None, delivery=None, sig=None,
                headers=None):
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        h = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
             "X-Shopify-Webhook-Id": delivery or unique("wh"),
             "X-Shopify-Hmac-Sha256": sig if sig is not None else sign(secret or self.secret,
                                                                       raw)}
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not False}
        return self.req("POST", "/hooks/shopify/" + slug, raw=raw, headers=h)

    def woocommerce(self, topic, body, delivery=None, sig=None):
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        h = {"Content-Type": "application/json", "X-WC-Webhook-Delivery-ID": delivery or unique("d"),
             "X-WC-Webhook-Signature": sig if sig is not None else sign(self.woo_secret, raw)}
        if sig is False:
            del h["X-WC-Webhook-Signature"]
        if topic:
            h["X-WC-Webhook-Topic"] = topic
        return self.req("POST", "/hooks/woocommerce/istanbul-kahve", raw=raw, headers=h)

    def orders(self, number, store=None):
        q = "/api/v1/orders?q=%s" % urllib.parse.quote(number)
        if store:
            q += "&store=" + store
        return self.expect(self.as_agent("GET", q), 200)["orders"]

    def fresh_order(self, name="orders-create.json", **changes):
        """The sample with a new id and number, so that each test has its own order."""
        o = sample("shopify-" + name)
        o["id"] = int(time.time() * 1e6) % 10**13 + hash(unique()) % 10**6
        o["name"] = "#" + unique("K")
        o.update(changes)
        return o

    def metric(self, name, platform):
        text = self.as_admin("GET", "/metrics").raw.decode()
        for line in text.splitlines():
            if line.startswith('%s{platform="%s"}' % (name, platform)):
                return int(line.split()[-1])
        self.fail("no metric %s for %s" % (name, platform))

    def test_order_then_fulfillment(self):
        o = self.fresh_order()
        r = self.shopify("orders/create", o)
        self.assertEqual(self.expect(r, 200)["outcome"], "created", r)
        [got] = self.orders(o["name"], "kyoto-tea")
        self.assertEqual((got["external_id"], got["number"], got["email"], got["currency"],
                          got["total_minor"], got["financial_status"], got["state"]),
                         (str(o["id"]), o["name"], "hanako.yamada@example.jp", "JPY", 12800,
                          "paid", "confirmed"))
        self.assertEqual(r.body["order_id"], got["id"])
        f = sample("shopify-fulfillments-create.json")
        f["order_id"] = o["id"]
        r = self.shopify("fulfillments/create", f)
        self.assertEqual(self.expect(r, 200)["outcome"], "updated")
        [got] = self.orders(o["name"])
        self.assertEqual(got["state"], "shipped", "a successful fulfillment has shipped")
        self.assertEqual([s["external_id"] for s in got["shipments"]], [str(f["id"])])
        ev = self.expect(self.as_agent("GET", "/api/v1/orders/%d/events" % got["id"]), 200)
        self.assertEqual([e["type"] for e in ev["events"]], ["order.created", "order.updated"])

    def test_redelivery_is_a_no_op(self):
        o = self.fresh_order()
        before = self.metric("deskd_store_webhooks_duplicate_total", "shopify")
        first = self.shopify("orders/create", o, delivery="dup-" + str(o["id"]))
        self.assertEqual(self.expect(first, 200)["outcome"], "created")
        o2 = copy.deepcopy(o)
        o2["financial_status"] = "refunded"  # a redelivery is the same delivery, whatever it says
        again = self.shopify("orders/create", o2, delivery="dup-" + str(o["id"]))
        self.assertEqual(self.expect(again, 200)["outcome"], "duplicate")
        [got] = self.orders(o["name"])
        self.assertEqual(got["financial_status"], "paid")
        ev = self.as_agent("GET", "/api/v1/orders/%d/events" % got["id"]).body["events"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(self.metric("deskd_store_webhooks_duplicate_total", "shopify"),
                         before + 1)
        # the same delivery id at another store is that store's own
        r = self.shopify("orders/create", o, slug="other-shop", secret="another-secret-123",
                         delivery="dup-" + str(o["id"]))
        self.assertEqual(self.expect(r, 200)["outcome"], "created")

    def test_older_update_never_overwrites_newer(self):
        o = self.fresh_order("orders-updated.json")
        self.assertEqual(self.expect(self.shopify("orders/updated", o), 200)["outcome"],
                         "created")
        [got] = self.orders(o["name"])
        older = copy.deepcopy(o)
        older["updated_at"] = "2026-11-21T09:00:00+09:00"
        older["financial_status"] = "pending"
        older["fulfillments"] = []
        r = self.shopify("orders/updated", older)
        self.assertEqual(self.expect(r, 200)["outcome"], "stale")
        [after] = self.orders(o["name"])
        self.assertEqual(after, got, "the older update changed nothing")
        newer = copy.deepcopy(o)
        newer["updated_at"] = "2026-11-25T09:00:00+09:00"
        newer["fulfillments"][0]["shipment_status"] = "delivered"
        self.assertEqual(self.expect(self.shopify("orders/updated", newer), 200)["outcome"],
                         "updated")
        [after] = self.orders(o["name"])
        self.assertEqual(after["shipments"][0]["state"], "delivered")

    def test_signatures(self):
        o = self.fresh_order()
        raw = json.dumps(o).encode()
        good = sign(self.secret, raw)
        cases = {
            "missing": dict(sig=False),
            "empty": dict(sig=""),
            "garbage": dict(sig="not base64 at all!"),
            "wrong secret": dict(sig=sign("wrong-secret-123", raw)),
            "another store's secret": dict(sig=sign("another-secret-123", raw)),
            "hex, not base64": dict(sig=hmac.new(self.secret.encode(), raw,
                                                 hashlib.sha256).hexdigest()),
            "one bit off": dict(sig=base64.b64encode(bytes(
                [base64.b64decode(good)[0] ^ 1]) + base64.b64decode(good)[1:]).decode()),
            "truncated": dict(sig=good[:20]),
        }
        for what, kw in cases.items():
            with self.subTest(what):
                r = self.shopify("orders/create", raw, **kw) if kw.get("sig") is not False else \
                    self.shopify("orders/create", raw, headers={"X-Shopify-Hmac-Sha256": False})
                self.expect_error(r, 401, "unauthorized")
        # the right signature of a different body
        tampered = raw.replace(b'"paid"', b'"refunded"')
        self.expect_error(self.shopify("orders/create", tampered, sig=good), 401, "unauthorized")
        # signed right for the other store, sent to this one
        self.expect_error(self.shopify("orders/create", raw, secret="another-secret-123"), 401,
                          "unauthorized")
        self.assertEqual(self.orders(o["name"]), [], "nothing was stored")
        # a store without a secret takes no webhooks
        s = self.expect(self.as_admin("POST", "/api/v1/stores", {
            "slug": unique("nosecret").lower().replace("_", "-"), "name": "No Secret",
            "platform": "shopify"}), 201)["store"]
        self.expect_error(self.shopify("orders/create", raw, slug=s["slug"]), 401,
                          "unauthorized")
        self.assertEqual(self.expect(self.shopify("orders/create", raw, sig=good), 200)["outcome"],
                         "created")

    def test_wrong_store_or_platform(self):
        o = self.fresh_order()
        self.expect_error(self.shopify("orders/create", o, slug="no-such-store"), 404,
                          "not_found")
        raw = json.dumps(o).encode()
        r = self.req("POST", "/hooks/woocommerce/kyoto-tea", raw=raw, headers={
            "Content-Type": "application/json", "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": sign(self.secret, raw)})
        self.expect_error(r, 404, "not_found", "a Shopify store takes no WooCommerce webhooks")

    def test_unknown_topics_are_ignored_and_counted(self):
        before = self.metric("deskd_store_webhooks_ignored_total", "shopify")
        for topic in ("products/update", "carts/create", "app/uninstalled", "orders/delete"):
            with self.subTest(topic):
                r = self.shopify(topic, b'{"anything": ["goes", 1]}')
                self.assertEqual(self.expect(r, 200)["outcome"], "ignored")
        self.assertEqual(self.metric("deskd_store_webhooks_ignored_total", "shopify"),
                         before + 4)

    def test_broken_bodies(self):
        o = self.fresh_order()
        for raw in (b"", b"{", b'{"id": 1,}', b"\xff\xfe{}", b"[]", b"null",
                    json.dumps(o).encode()[:-1]):
            with self.subTest(raw=raw[:20]):
                r = self.shopify("orders/create", raw)
                self.assertIn(r.status, (400, 422), r)
                self.assertIn("error", r.body, r)
        wrong = [dict(o, id="not-a-number"), dict(o, total_price=12800),
                 dict(o, line_items="many"), dict(o, email=["a@b.example"]),
                 dict(o, name=None, id=None)]
        for body in wrong:
            with self.subTest(body=str(body)[:60]):
                self.expect_error(self.shopify("orders/create", body), 422, "validation_failed")
        self.assertEqual(self.orders(o["name"]), [])
        for delivery in ("a b", "\u00e9t\u00e9".encode().decode("latin-1"), "x" * 256):
            with self.subTest(delivery=delivery):
                self.expect_error(self.shopify("orders/create", o, delivery=delivery), 400,
                                  "bad_request")
        self.assertEqual(self.orders(o["name"]), [])
        big = b'{"id": 1, "note": "' + b"x" * (4 << 20) + b'"}'
        head = ("POST /hooks/shopify/kyoto-tea HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nX-Shopify-Topic: orders/create\r\n"
                "X-Shopify-Hmac-Sha256: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                % (sign(self.secret, big), len(big))).encode()
        status, _ = self.server.raw_request(head, [big[i:i + 65536]
                                                   for i in range(0, len(big), 65536)])
        self.assertEqual(status, 413)
        self.expect(self.req("GET", "/healthz"), 200)

    def test_refund(self):
        o = self.fresh_order("orders-updated.json")
        o.pop("presentment_currency", None)  # in the shop's USD, like the refund sample
        o["refunds"] = []
        o["financial_status"] = "paid"
        self.expect(self.shopify("orders/updated", o), 200)
        refund = sample("shopify-refunds-create.json")
        refund["order_id"] = o["id"]
        r = self.shopify("refunds/create", refund)
        self.assertEqual(self.expect(r, 200)["outcome"], "updated")
        [got] = self.orders(o["name"])
        # the successful refund transaction only (the pending one and the sale are not)
        self.assertEqual((got["refunded_minor"], got["state"]), (20900, "refunded"))
        # the order updated later lists the refund: it is counted once, and the refund
        # delivered again (or late, under a new delivery id) adds nothing
        later = copy.deepcopy(o)
        later["updated_at"] = "2026-11-25T09:00:00+09:00"
        later["refunds"] = [refund]
        self.expect(self.shopify("orders/updated", later), 200)
        self.assertEqual(self.orders(o["name"])[0]["refunded_minor"], 20900)
        r = self.shopify("refunds/create", refund)
        self.assertEqual(self.expect(r, 200)["outcome"], "stale")
        self.assertEqual(self.orders(o["name"])[0]["refunded_minor"], 20900)
        # a refund in another currency than the order's is refused, not added
        jpy = self.fresh_order()
        self.expect(self.shopify("orders/create", jpy), 200)
        refund["order_id"] = jpy["id"]
        err = self.expect_error(self.shopify("refunds/create", refund), 422, "validation_failed")
        self.assertIn("USD", err["message"])
        self.assertEqual(self.orders(jpy["name"])[0]["refunded_minor"], 0)
        refund["order_id"] = 999999999999
        self.assertEqual(self.expect(self.shopify("refunds/create", refund), 200)["outcome"],
                         "unknown_order")

    def test_woocommerce(self):
        created = sample("woocommerce-order-created.json")
        created["id"] = 900000 + int(time.time()) % 100000
        created["number"] = unique("W")
        r = self.woocommerce("order.created", created)
        self.assertEqual(self.expect(r, 200)["outcome"], "created")
        [got] = self.orders(created["number"], "istanbul-kahve")
        self.assertEqual((got["currency"], got["total_minor"], got["state"]),
                         ("EUR", 1490, "confirmed"))
        done = copy.deepcopy(created)
        done["status"] = "completed"
        done["date_modified_gmt"] = "2026-11-28T09:00:00"
        self.assertEqual(self.expect(self.woocommerce("order.updated", done), 200)["outcome"],
                         "updated")
        self.assertEqual(self.orders(created["number"])[0]["state"], "shipped")
        # deleted on the platform: it will not ship any further
        r = self.woocommerce("order.deleted", {"id": created["id"]})
        self.assertEqual(self.expect(r, 200)["outcome"], "updated")
        self.assertEqual(self.orders(created["number"])[0]["state"], "cancelled")
        r = self.woocommerce("order.deleted", {"id": 123456789})
        self.assertEqual(self.expect(r, 200)["outcome"], "unknown_order")
        self.expect_error(self.woocommerce("order.created", created, sig=sign("nope-nope", b"x")),
                          401, "unauthorized")
        # the ping WooCommerce sends when a webhook is saved: no topic, no signature
        r = self.woocommerce(None, b"webhook_id=17", sig=False)
        self.assertEqual(self.expect(r, 200)["outcome"], "ping")
        self.assertEqual(self.expect(self.woocommerce(None, b"webhook_id=17"), 200)["outcome"],
                         "ping")
        # anything else unsigned is refused
        for body in (b"webhook_id=17&x=1", b"webhook_id=", b'{"id": 1}'):
            with self.subTest(body=body):
                self.expect_error(self.woocommerce(None, body, sig=False), 401, "unauthorized")
        self.expect_error(self.woocommerce("order.created", created, sig=False), 401,
                          "unauthorized")

    def test_kill_during_a_burst_keeps_every_acknowledged_webhook_once(self):
        run = unique("B")
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def worker(n):
            i = 0
            while not stop.is_set():
                i += 1
                o = self.fresh_order(name="orders-create.json")
                o["name"] = "#%s-%d-%d" % (run, n, i)
                o["id"] = 7 * 10**12 + n * 10**6 + i
                try:
                    r = self.shopify("orders/create", o, delivery="%s-%d-%d" % (run, n, i))
                except Exception:  # the server is being killed under this request
                    if stop.is_set() or not self.server.proc or not self.server.alive():
                        return
                    continue
                if r.status == 200:
                    with lock:
                        acked.append((o, "%s-%d-%d" % (run, n, i)))

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        self.server.kill()
        stop.set()
        for t in threads:
            t.join(15)
        self.assertGreater(len(acked), 8, "too few webhooks were taken before the kill")
        self.server.start()
        lost, twice = [], []
        for o, _ in acked:
            found = self.orders(o["name"], "kyoto-tea")
            if not found:
                lost.append(o["name"])
            elif len(found) > 1:
                twice.append(o["name"])
        self.assertEqual(lost, [], "acknowledged webhooks lost after kill -9")
        self.assertEqual(twice, [], "an order stored twice")
        # the platform sends the acknowledged ones again: each is a duplicate
        for o, delivery in acked[:20]:
            r = self.shopify("orders/create", o, delivery=delivery)
            self.assertEqual(self.expect(r, 200)["outcome"], "duplicate")


if __name__ == "__main__":
    unittest.main()
