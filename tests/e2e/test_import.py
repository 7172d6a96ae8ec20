"""`deskd import orders --store SLUG FILE.csv`: orders from a CSV file in
deskd's own columns or as Shopify exports them, one order over several rows,
every order that cannot be taken reported with its line while the others go
in, a re-run changing nothing, and the orders then read through the API like
any other."""

import os
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import BACKEND, BIN, E2ETestCase, unique
from test_orders import custom_store

OWN = """number,email,currency,total,placed_at,financial_status,item_sku,item_name,item_quantity,item_price,tracking_number,carrier,shipment_status
#{p}1,{p}a@example.jp,JPY,15400,2026-11-05 14:03:22 +0900,paid,CUP,九谷焼 湯呑み,1,8800,{p}-TRK,ヤマト運輸,in_transit
#{p}1,,,,,,FURO,風呂敷 70cm,2,3300,,,
#{p}2,{p}b@example.kr,KRW,12000,2026-11-06T10:00:00+09:00,paid,KIM,김치 세트,x,12000,,,
#{p}3,{p}c@example.com.tr,TRY,250.00,dün,paid,,,,,,,
#{p}4,{p}d@example.com,USD,12.50,2026-11-07T08:00:00Z,pending,HAT,Hat,1,12.50,,,
#{p}5,{p}e@example.com,USD,1.005,2026-11-07T08:00:00Z,paid,,,,,,,
#{p}6,{p}f@example.com,USD,3.00,2026-11-07T08:00:00Z,paid,,,,,,,
"""

# The head of Shopify's order export: many columns deskd does not use, and an
# order's later rows repeat only its Name and Email.
SHOPIFY = """Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Billing Name,Cancelled at,Refunded Amount,Id
#{p}10,{p}s@example.com,paid,2026-11-01 09:00:00 +0300,fulfilled,2026-11-02 10:00:00 +0300,no,TRY,300.00,0.00,0.00,300.00,,0.00,Standard,2026-11-01 09:00:00 +0300,1,Çay bardağı,100.00,,CAY-1,İlkay Öztürk,,0.00,{p}900
#{p}10,{p}s@example.com,,,,,,,,,,,,,,,2,Lokum,100.00,,LOK-2,,,,
#{p}11,{p}t@example.com,refunded,,unfulfilled,,no,TRY,50.00,0.00,0.00,50.00,,0.00,,2026-11-03 12:00:00 +0300,1,Kahve,50.00,,KAH-1,Ayşe Yılmaz,2026-11-04 12:00:00 +0300,50.00,{p}901
"""


class ImportTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slug, cls.store_id = custom_store(cls, "import-" + unique(), "İthalat 商店")

    def run_import(self, text, slug=None, stdin=False):
        where = (["--data", self.server.data] if BACKEND == "sqlite"
                 else ["--db", self.server.db])
        with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8",
                                         delete=False) as f:
            f.write(text)
        try:
            args = [BIN, "import", "orders", "--store", slug or self.slug] + where
            if stdin:
                with open(f.name, "rb") as inp:
                    return subprocess.run(args + ["-"], stdin=inp, capture_output=True,
                                          text=True, timeout=120)
            return subprocess.run(args + [f.name], capture_output=True, text=True,
                                  timeout=120)
        finally:
            os.unlink(f.name)

    def order(self, number):
        found = self.expect(self.as_agent(
            "GET", "/api/v1/orders?store=%s&q=%s" % (self.slug, urllib.parse.quote(number))),
            200)["orders"]
        found = [o for o in found if o["number"] == number]
        self.assertLessEqual(len(found), 1)
        return found[0] if found else None

    def test_own_columns_errors_by_line_and_rerun(self):
        p = unique("o")
        out = self.run_import(OWN.format(p=p))
        self.assertEqual(out.returncode, 1, out.stderr)
        errors = out.stderr.strip().splitlines()
        self.assertEqual(len(errors), 3, out.stderr)
        self.assertIn('line 4', errors[0])
        self.assertIn('item_quantity: "x" is not a whole number', errors[0])
        self.assertIn('line 5', errors[1])
        self.assertIn('placed_at: "dün" is not a time', errors[1])
        self.assertIn('line 7 (order #%s5)' % p, errors[2])
        self.assertIn("total", errors[2])
        self.assertIn("3 created, 0 updated, 0 unchanged", out.stdout)
        self.assertIn("3 not imported", out.stdout)

        o = self.order("#%s1" % p)
        self.assertEqual((o["currency"], o["total_minor"], o["financial_status"], o["state"]),
                         ("JPY", 15400, "paid", "in_transit"))
        self.assertEqual([(i["sku"], i["name"], i["quantity"], i["price_minor"])
                          for i in o["items"]],
                         [("CUP", "九谷焼 湯呑み", 1, 8800), ("FURO", "風呂敷 70cm", 2, 3300)])
        self.assertEqual([(s["external_id"], s["carrier"], s["tracking_number"], s["state"])
                          for s in o["shipments"]],
                         [("%s-TRK" % p, "ヤマト運輸", "%s-TRK" % p, "in_transit")])
        self.assertEqual(o["placed_at"], "2026-11-05T05:03:22Z")
        for bad in ("2", "3", "5"):
            self.assertIsNone(self.order("#%s%s" % (p, bad)))
        self.assertEqual(self.order("#%s4" % p)["total_minor"], 1250)
        events = self.expect(self.as_agent("GET", "/api/v1/orders/%d/events" % o["id"]),
                             200)["events"]

        again = self.run_import(OWN.format(p=p), stdin=True)
        self.assertEqual(again.returncode, 1, again.stderr)
        self.assertIn("0 created, 0 updated, 3 unchanged", again.stdout)
        self.assertEqual(self.expect(self.as_agent(
            "GET", "/api/v1/orders/%d/events" % o["id"]), 200)["events"], events)

    def test_shopify_export(self):
        p = unique("s")
        out = self.run_import(SHOPIFY.format(p=p))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("ignored", out.stderr)
        self.assertIn("2 created", out.stdout)
        o = self.order("#%s10" % p)
        self.assertEqual((o["external_id"], o["currency"], o["total_minor"], o["customer_name"]),
                         ("%s900" % p, "TRY", 30000, "İlkay Öztürk"))
        self.assertEqual([(i["sku"], i["quantity"]) for i in o["items"]],
                         [("CAY-1", 1), ("LOK-2", 2)])
        refunded = self.order("#%s11" % p)
        self.assertEqual((refunded["refunded_minor"], refunded["state"]), (5000, "refunded"))

        # a webhook's newer facts are not overwritten by the old export
        r = self.as_admin("PUT", "/api/v1/stores/%s/orders/%s900" % (self.slug, p), {
            "number": "#%s10" % p, "email": "%ss@example.com" % p, "currency": "TRY",
            "total": "300.00", "placed_at": "2026-11-01T06:00:00Z",
            "updated_at": "2026-11-20T06:00:00Z", "financial_status": "refunded",
            "refunded": "300.00"})
        self.expect(r, 200)
        again = self.run_import(SHOPIFY.format(p=p))
        self.assertIn("1 unchanged, 1 older than the stored order", again.stdout)
        self.assertEqual(self.order("#%s10" % p)["refunded_minor"], 30000)

    def test_refusals(self):
        out = self.run_import("number\n#1\n", slug="no-such-store")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no-such-store", out.stderr)
        out = self.run_import("email,total\na@example.com,1\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no number column", out.stderr)
        out = self.run_import("number,Number\n1,1\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("twice", out.stderr)
        out = self.run_import("")
        self.assertEqual(out.returncode, 1)
        self.assertIn("empty", out.stderr)
        p = unique("q")
        out = self.run_import('number,currency,total,placed_at\n#%s1,USD,1.00,2026-11-06T10:00:00Z\n'
                              '"#%s2,x\n' % (p, p))
        self.assertEqual(out.returncode, 1)
        self.assertIn("line 3, field 1", out.stderr)
        self.assertIn("not closed", out.stderr)
        out = self.run_import("number,currency\n#1,USD,extra\n")
        self.assertIn("more cells than the header", out.stderr)
        out = subprocess.run([BIN, "import", "orders", "--data", self.server.data or "x"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 2)
        self.assertIn("usage", out.stderr)


if __name__ == "__main__":
    unittest.main()
