"""Orders through deskd's own order document (PUT /api/v1/stores/{slug}/orders/
{external_id}): created and brought up to date idempotently, older facts ignored,
shipments moved on by their status and carrier scans, the order's state decided
from them, every change an event on the order's timeline; agents read orders by
customer, store and number; only admins write them."""

import copy
import json
import os
import unittest
import urllib.parse

from harness import E2ETestCase, unique, parse_time
from test_macros import refuse_bad_bodies

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "data", "payload", "document-order.json"), encoding="utf-8") as f:
    DOCUMENT = json.load(f)


def custom_store(cls, slug, name):
    """Creates a store of platform "custom"; returns its slug and id."""
    r = cls.server.req("POST", "/api/v1/stores", {"slug": slug, "name": name,
                                                  "platform": "custom"}, token=cls.admin)
    assert r.status == 201, r
    return slug, r.body["store"]["id"]


class OrdersTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slug, cls.store_id = custom_store(cls, "tokyo-crafts", "東京クラフト")

    def put(self, external_id, doc, expect=None, token=None, slug=None):
        r = self.req("PUT", "/api/v1/stores/%s/orders/%s"
                     % (slug or self.slug, urllib.parse.quote(external_id, safe="")), doc,
                     token=token or self.admin)
        if expect:
            self.expect(r, expect, "put order %s" % external_id)
        return r

    def events(self, order_id):
        return self.expect(self.as_agent("GET", "/api/v1/orders/%d/events" % order_id), 200)["events"]

    def doc(self, **changes):
        d = copy.deepcopy(DOCUMENT)
        d["email"] = unique("aoi") + "@example.jp"
        d.update(changes)
        return d

    def test_create_reads_every_field(self):
        ext = unique("ord")
        d = self.doc()
        o = self.put(ext, d, 201).body["order"]
        self.assertEqual((o["store_id"], o["external_id"], o["number"], o["currency"],
                          o["total_minor"], o["refunded_minor"], o["financial_status"],
                          o["fulfillment_status"], o["email"], o["customer_name"]),
                         (self.store_id, ext, "A-20931", "JPY", 15400, 0, "paid", "fulfilled",
                          d["email"], "佐藤 葵"))
        self.assertEqual(parse_time(o["placed_at"]), parse_time("2026-11-24T23:30:00Z"))
        self.assertEqual([(i["sku"], i["name"], i["variant"], i["quantity"], i["price_minor"])
                          for i in o["items"]],
                         [("KUTANI-CUP-2", "九谷焼 湯呑み", "ペア", 1, 8800),
                          ("FUROSHIKI-70", "風呂敷 70cm", "藍", 2, 3300)])
        ships = {s["external_id"]: s for s in o["shipments"]}
        self.assertEqual(ships["shp-5521"]["state"], "out_for_delivery",
                         "moved on by its status and its three scans")
        self.assertEqual([s["status"] for s in ships["shp-5521"]["scans"]],
                         ["picked_up", "in_transit", "out_for_delivery"])
        self.assertEqual(ships["shp-5521"]["scans"][1]["location"], "羽田クロノゲートベース")
        self.assertEqual(ships["shp-5521"]["carrier"], "ヤマト運輸")
        self.assertEqual(ships["shp-5522"]["state"], "packed", "a printed label is packed")
        self.assertEqual(o["state"], "packed", "an order is as far as its slowest parcel")
        # the customer was created from the email, and the order is theirs
        c = self.expect(self.as_agent("GET", "/api/v1/customers/%d" % o["customer_id"]),
                        200)["customer"]
        self.assertIn({"type": "email", "value": d["email"]},
                      [{"type": i["type"], "value": i["value"]} for i in c["identities"]])
        listed = self.expect(self.as_agent("GET", "/api/v1/orders?customer_id=%d"
                                           % o["customer_id"]), 200)["orders"]
        self.assertEqual(listed, [o])
        self.assertEqual(self.expect(self.as_agent("GET", "/api/v1/orders/%d" % o["id"]),
                                     200)["order"], o)
        ev = self.events(o["id"])
        self.assertEqual([e["type"] for e in ev], ["order.created"])

    def test_redelivery_changes_nothing_and_older_facts_are_ignored(self):
        ext = unique("ord")
        d = self.doc()
        o = self.put(ext, d, 201).body["order"]
        again = self.put(ext, d, 200).body["order"]
        self.assertEqual(again, o, "the same document twice is one order, unchanged")
        older = copy.deepcopy(d)
        older["updated_at"] = "2026-11-26T00:00:00+09:00"
        older["financial_status"] = "refunded"
        older["refunded"] = "15400"
        self.assertEqual(self.put(ext, older, 200).body["order"], o,
                         "a fact older than the stored one changes nothing")
        self.assertEqual([e["type"] for e in self.events(o["id"])], ["order.created"])

    def test_delivery_and_refund_move_the_order(self):
        ext = unique("ord")
        d = self.doc()
        o = self.put(ext, d, 201).body["order"]
        d["updated_at"] = "2026-11-28T15:00:00+09:00"
        d["shipments"][0]["scans"].append({"status": "delivered", "at": "2026-11-28T14:02:00+09:00",
                                           "location": "世田谷区", "description": "配達完了"})
        d["shipments"][1]["status"] = "in_transit"
        u = self.put(ext, d, 200).body["order"]
        ships = {s["external_id"]: s["state"] for s in u["shipments"]}
        self.assertEqual(ships, {"shp-5521": "delivered", "shp-5522": "in_transit"})
        self.assertEqual(u["state"], "in_transit")
        d["updated_at"] = "2026-11-29T10:00:00+09:00"
        d["shipments"][1]["status"] = "delivered"
        self.assertEqual(self.put(ext, d, 200).body["order"]["state"], "delivered")
        d["updated_at"] = "2026-12-01T10:00:00+09:00"
        d["financial_status"] = "partially_refunded"
        d["refunded"] = "3300"
        r = self.put(ext, d, 200).body["order"]
        self.assertEqual((r["state"], r["refunded_minor"]), ("refunded", 3300))
        ev = self.events(o["id"])
        self.assertEqual([e["type"] for e in ev],
                         ["order.created", "order.updated", "order.updated", "order.updated"])
        changes = [json.loads(e["changes"]) if isinstance(e["changes"], str) else e["changes"]
                   for e in ev]
        self.assertEqual(changes[1]["state"], ["packed", "in_transit"])
        self.assertEqual(changes[2]["state"], ["in_transit", "delivered"])
        self.assertEqual(changes[3]["state"], ["delivered", "refunded"])
        self.assertEqual(changes[3]["refunded_minor"], [0, 3300])
        self.assertIn({"external_id": "shp-5521", "state": ["out_for_delivery", "delivered"]},
                      changes[1]["shipments"])

    def test_a_shipment_left_out_is_gone(self):
        ext = unique("ord")
        d = self.doc()
        o = self.put(ext, d, 201).body["order"]
        self.assertEqual(o["state"], "packed")
        d["updated_at"] = "2026-11-28T09:00:00+09:00"
        d["shipments"] = d["shipments"][:1]
        u = self.put(ext, d, 200).body["order"]
        self.assertEqual([s["external_id"] for s in u["shipments"]], ["shp-5521"],
                         "the document is the whole order")
        self.assertEqual(len(u["shipments"][0]["scans"]), 3, "its scans stay")
        self.assertEqual(u["state"], "out_for_delivery", "decided from what is left")

    def test_a_stale_carrier_word_moves_nothing_back(self):
        ext = unique("ord")
        d = self.doc()
        d["shipments"] = [{"external_id": "p1", "status": "delivered"}]
        self.assertEqual(self.put(ext, d, 201).body["order"]["state"], "delivered")
        d["updated_at"] = "2026-11-30T10:00:00+09:00"
        d["shipments"] = [{"external_id": "p1", "status": "in_transit"}]
        o = self.put(ext, d, 200).body["order"]
        self.assertEqual((o["state"], o["shipments"][0]["state"]), ("delivered", "delivered"))

    def test_lists_by_number_and_store(self):
        other = self.expect(self.as_admin("POST", "/api/v1/stores", {
            "slug": unique("seoul").lower().replace("_", "-"), "name": "서울"}), 201)["store"]
        number = unique("N")
        a = self.put(unique("a"), self.doc(number=number), 201).body["order"]
        b = self.req("PUT", "/api/v1/stores/%s/orders/%s" % (other["slug"], unique("b")),
                     self.doc(number="#" + number), token=self.admin)
        b = self.expect(b, 201)["order"]
        got = self.expect(self.as_agent("GET", "/api/v1/orders?q=%s" % number), 200)["orders"]
        self.assertEqual({o["id"] for o in got}, {a["id"], b["id"]}, "#N and N are one number")
        got = self.expect(self.as_agent("GET", "/api/v1/orders?q=%%23%s&store=%s"
                                        % (number, other["slug"])), 200)["orders"]
        self.assertEqual([o["id"] for o in got], [b["id"]])
        self.expect_error(self.as_agent("GET", "/api/v1/orders?store=nope"), 400, "bad_request")
        self.expect_error(self.as_agent("GET", "/api/v1/orders?customer_id=x"), 400,
                          "bad_request")

    def test_bad_documents_name_their_field(self):
        cases = [({"total": 15400}, "total"), ({"total": "12.5"}, "total"),
                 ({"currency": "yen"}, "currency"), ({"placed_at": "yesterday"}, "placed_at"),
                 ({"number": 1042}, "number"), ({"prise": "1"}, "prise"),
                 ({"items": [{"quantity": -1, "price": "1"}]}, "quantity"),
                 ({"financial_status": "rich"}, "financial_status"),
                 ({"shipments": [{"status": "delivered"}]}, "external_id")]
        for change, field in cases:
            with self.subTest(change=change):
                d = self.doc(**change)
                err = self.expect_error(self.put(unique("bad"), d), 422, "validation_failed")
                self.assertIn(field, err["message"])
        d = self.doc()
        del d["number"]
        self.assertIn("number", self.expect_error(self.put(unique("bad"), d), 422,
                                                  "validation_failed")["message"])
        self.assertEqual(self.as_agent("GET", "/api/v1/orders?q=%s" % "nothing-stored").body,
                         {"orders": []})

    def test_broken_bodies(self):
        valid = {"number": "R-1", "currency": "EUR", "total": "1.00",
                 "placed_at": "2026-12-01T10:00:00+01:00"}
        refuse_bad_bodies(self, "PUT", "/api/v1/stores/%s/orders/%s" % (self.slug, unique("bb")),
                          self.admin, valid, {"number": [5, ["R-1"], {}], "total": [1, [1]]})
        self.assertEqual(self.as_agent("GET", "/api/v1/orders?q=R-1").body, {"orders": []},
                         "no broken body stored an order")

    def test_unknown_store_agents_and_strangers(self):
        d = self.doc()
        self.expect_error(self.put("x1", d, slug="no-such-store"), 404, "not_found")
        self.expect_error(self.put("x1", d, token=self.agent), 403, "forbidden")
        self.expect_error(self.req("PUT", "/api/v1/stores/%s/orders/x1" % self.slug, d), 401,
                          "unauthorized")
        self.expect_error(self.as_agent("GET", "/api/v1/orders/999999"), 404, "not_found")
        for path in ("/api/v1/stores/%s/orders/.." % self.slug,
                     "/api/v1/stores/%s/orders/" % self.slug,
                     "/api/v1/stores/%s/orders/%%FF%%FE" % self.slug,
                     "/api/v1/stores/%%C3/orders/x1"):
            with self.subTest(path=path):
                r = self.req("PUT", path, d, token=self.admin)
                self.assertIn(r.status, (404, 405), r)
        # an external id in any script (sent percent-encoded), taken as written
        ext = "注文 #" + unique("x")
        o = self.put(ext, d, 201).body["order"]
        self.assertEqual(o["external_id"], ext)


if __name__ == "__main__":
    unittest.main()


class ShipmentScansTest(E2ETestCase):
    """POST /api/v1/shipments/{id}/events: a carrier's scan moves a shipment on and
    the order with it, once; an older or impossible scan is kept but moves nothing."""

    put, events, doc = OrdersTest.put, OrdersTest.events, OrdersTest.doc

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slug, cls.store_id = custom_store(cls, "scan-shop", "Scan Shop")

    def shipped(self):
        d = self.doc(shipments=[{"external_id": "s1", "carrier": "Yamato", "status": "shipped"}])
        o = self.put(unique("scan"), d, 201).body["order"]
        return o, o["shipments"][0]["id"]

    def scan(self, shipment_id, body, expect, token=None):
        r = self.req("POST", "/api/v1/shipments/%d/events" % shipment_id, body,
                     token=token or self.admin)
        return self.expect(r, expect, "scan %r" % (body,))

    def test_scans_move_shipment_and_order(self):
        o, sid = self.shipped()
        self.assertEqual((o["state"], o["shipments"][0]["state"]), ("shipped", "shipped"))
        r = self.scan(sid, {"status": "in_transit", "at": "2026-11-27T06:45:00+09:00",
                            "location": "羽田クロノゲートベース", "description": "輸送中",
                            "eta": "2026-11-28T12:00:00+09:00"}, 201)
        self.assertFalse(r["duplicate"])
        s = r["order"]["shipments"][0]
        self.assertEqual((r["order"]["state"], s["state"]), ("in_transit", "in_transit"))
        self.assertEqual(parse_time(s["eta"]), parse_time("2026-11-28T03:00:00Z"))
        self.scan(sid, {"status": "out_for_delivery", "at": "2026-11-28T08:10:00+09:00"}, 201)
        r = self.scan(sid, {"status": "delivered", "at": "2026-11-28T11:02:00+09:00",
                            "location": "世田谷"}, 201)
        got = self.expect(self.as_agent("GET", "/api/v1/orders/%d" % o["id"]), 200)["order"]
        s = got["shipments"][0]
        self.assertEqual((got["state"], s["state"]), ("delivered", "delivered"))
        self.assertEqual(parse_time(s["delivered_at"]), parse_time("2026-11-28T02:02:00Z"))
        self.assertEqual([(x["status"], x["location"]) for x in s["scans"]],
                         [("in_transit", "羽田クロノゲートベース"), ("out_for_delivery", None),
                          ("delivered", "世田谷")])
        moves = [e["changes"]["shipments"][0]["state"] for e in self.events(o["id"])
                 if e["type"] == "order.updated" and "shipments" in e.get("changes", {})]
        self.assertEqual(moves, [["shipped", "in_transit"], ["in_transit", "out_for_delivery"],
                                 ["out_for_delivery", "delivered"]])
        states = [e["changes"]["state"] for e in self.events(o["id"])
                  if "state" in e.get("changes", {})]
        self.assertEqual(states[-1], ["out_for_delivery", "delivered"])

    def test_repeat_is_a_no_op(self):
        o, sid = self.shipped()
        body = {"status": "in_transit", "at": "2026-11-27T06:45:00+09:00"}
        self.scan(sid, body, 201)
        n = len(self.events(o["id"]))
        r = self.scan(sid, body, 200)
        self.assertTrue(r["duplicate"])
        self.assertEqual(len(r["order"]["shipments"][0]["scans"]), 1)
        self.assertEqual(len(self.events(o["id"])), n, "a repeat wrote no event")

    def test_older_or_impossible_scan_is_kept_but_moves_nothing(self):
        o, sid = self.shipped()
        self.scan(sid, {"status": "out_for_delivery", "at": "2026-11-28T08:10:00+09:00"}, 201)
        n = len(self.events(o["id"]))
        r = self.scan(sid, {"status": "in_transit", "at": "2026-11-27T06:45:00+09:00"}, 201)
        s = r["order"]["shipments"][0]
        self.assertEqual(s["state"], "out_for_delivery", "an older scan does not move it back")
        self.assertEqual(len(s["scans"]), 2)
        # shipped cannot go back to packed, even with the latest time
        r = self.scan(sid, {"status": "label_printed", "at": "2026-11-29T08:00:00+09:00"}, 201)
        self.assertEqual(r["order"]["shipments"][0]["state"], "out_for_delivery")
        self.assertEqual(r["order"]["state"], "out_for_delivery")
        self.assertEqual(len(r["order"]["shipments"][0]["scans"]), 3)
        self.assertEqual(len(self.events(o["id"])), n, "nothing moved: no event")

    def test_roles_and_unknown_shipment(self):
        o, sid = self.shipped()
        body = {"status": "in_transit", "at": "2026-11-27T06:45:00+09:00"}
        self.expect_error(self.req("POST", "/api/v1/shipments/%d/events" % sid, body,
                                   token=self.agent), 403, "forbidden")
        self.expect_error(self.req("POST", "/api/v1/shipments/%d/events" % sid, body), 401,
                          "unauthorized")
        self.expect_error(self.req("POST", "/api/v1/shipments/99999999/events", body,
                                   token=self.admin), 404, "not_found")
        got = self.expect(self.as_agent("GET", "/api/v1/orders/%d" % o["id"]), 200)["order"]
        self.assertEqual(got["shipments"][0]["scans"], [], "refused scans stored nothing")

    def test_bad_bodies(self):
        o, sid = self.shipped()
        path = "/api/v1/shipments/%d/events" % sid
        refuse_bad_bodies(self, "POST", path, self.admin,
                          {"status": "in_transit", "at": "2026-11-27T06:45:00+09:00"},
                          {"status": [5, ["x"], {}], "at": [1, True], "eta": [[], 3]})
        for body, field in (({"at": "2026-11-27T06:45:00Z"}, "status"),
                            ({"status": "in_transit"}, "at"),
                            ({"status": "in_transit", "at": "yesterday"}, "at"),
                            ({"status": "in_transit", "at": "2026-11-27T06:45:00Z",
                              "eta": "2026-13-01"}, "eta"),
                            ({"status": "in_transit", "at": "2026-11-27T06:45:00Z",
                              "location": "x" * 1001}, "location"),
                            ({"status": "in_transit", "at": "2026-11-27T06:45:00Z",
                              "carrier": "x"}, "carrier")):
            with self.subTest(body=body):
                err = self.expect_error(self.req("POST", path, body, token=self.admin), 422,
                                        "validation_failed")
                self.assertIn(field, err["message"])
        got = self.expect(self.as_agent("GET", "/api/v1/orders/%d" % o["id"]), 200)["order"]
        self.assertEqual(got["shipments"][0]["scans"], [], "no broken body stored a scan")
