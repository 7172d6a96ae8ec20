"""WISMO answered (orders/wismo.h, store_wismo.c): a store set to `auto`
answers a "where is my order?" question with the order's live status, its
carrier and tracking, and a signed tracking link, in the customer's language,
and the ticket waits on the customer; once per ticket, never to machines,
never for an order in trouble; with no order known it asks for the number
once and answers the reply that names one. `suggest` only prepares the answer
for the agent, `off` not even that. The figures count inbound, WISMO,
answers and deflection per store."""

import time
import unittest
import urllib.parse

from harness import E2ETestCase, unique
from test_mail import make_email

PUBLIC = "https://desk.example"


class WismoAnswersTest(E2ETestCase):

    server_env = {"DESKD_PUBLIC_URL": PUBLIC + "/"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.req("POST", "/api/v1/mailboxes",
                           {"address": "help@auto-shop.example", "name": "Auto Shop"},
                           token=cls.admin)
        assert r.status == 201, r
        cls.mailbox = r.body["mailbox"]
        cls.auto = cls.make_store("auto-shop", "자동 상점", "auto", mailbox_id=cls.mailbox["id"])
        cls.suggest = cls.make_store("suggest-shop", "Suggest Shop", "suggest")
        cls.off = cls.make_store("off-shop", "Off Shop", "off")

    @classmethod
    def make_store(cls, slug, name, mode, **more):
        body = {"slug": slug, "name": name, "wismo": mode}
        body.update(more)
        r = cls.server.req("POST", "/api/v1/stores", body, token=cls.admin)
        assert r.status == 201, r
        return r.body["store"]

    def order(self, store, email, number, state="in_transit", **more):
        ship = {"external_id": unique("shp"), "carrier": "CJ대한통운",
                "tracking_number": "6891-2345-7788", "tracking_url": "https://trace.example/6891",
                "status": state, "eta": "2026-12-09T18:00:00+09:00"}
        doc = {"number": number, "email": email, "currency": "KRW", "total": "39000",
               "placed_at": "2026-12-01T10:00:00+09:00", "financial_status": "paid",
               "fulfillment_status": "fulfilled", "shipments": [ship]}
        doc.update(more)
        r = self.as_admin("PUT", "/api/v1/stores/%s/orders/%s" % (store["slug"], unique("o")), doc)
        return self.expect(r, 201)["order"]

    def messages(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d/messages" % tid),
                           200)["messages"]

    def ticket(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % tid), 200)["ticket"]

    def events(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d/events" % tid),
                           200)["events"]

    @staticmethod
    def number():
        """An order number of 7 digits no other test uses."""
        return str(1000000 + int(unique("")[:8], 16) % 9000000)

    def inbound_email(self, subject, body, sender, **kw):
        raw, mid = make_email(subject, body, sender=sender, to=self.mailbox["address"], **kw)
        r = self.as_admin("POST", "/api/v1/mail/inbound?mailbox=" +
                          urllib.parse.quote(self.mailbox["address"]), raw=raw,
                          headers={"Content-Type": "message/rfc822"})
        return self.expect(r, 201), mid

    def test_auto_answers_with_the_live_status_in_korean(self):
        email = unique("minji") + "@example.kr"
        number = "#" + self.number()
        o = self.order(self.auto, email, number, customer={"name": "김민지"})
        subject = "주문번호 %s 배송 언제 오나요?" % number[1:]
        t = self.new_ticket(subject=subject,
                            body="일주일째 배송 조회가 안 돼요.",
                            customer={"email": email, "name": "김민지"})
        self.assertEqual(t["order_id"], o["id"])
        self.assertEqual(t["status"], "pending", "answered, it waits on the customer")
        self.assertIn("wismo", t["tags"])
        msgs = self.messages(t["id"])
        self.assertEqual([(m["direction"], m["author_type"]) for m in msgs],
                         [("inbound", "customer"), ("outbound", "system")])
        answer = msgs[1]["body"]
        for want in ("김민지 님, 안녕하세요.", "주문 %s의 현재 상태는 '배송 중'입니다." % number,
                     "도착 예정일: 2026년 12월 9일", "택배사: CJ대한통운",
                     "운송장 번호: 6891-2345-7788", "https://trace.example/6891",
                     "자동 상점"):
            self.assertIn(want, answer)
        # the signed tracking link, at the public address, opens the order's page
        link = [w for w in answer.split() if w.startswith(PUBLIC + "/track/auto-shop/")]
        self.assertEqual(len(link), 1, answer)
        page = self.req("GET", link[0][len(PUBLIC):])
        self.expect(page, 200, "the link from the answer")
        self.assertIn(number, page.body.decode())
        ev = [e for e in self.events(t["id"]) if e["type"] == "wismo.answered"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["changes"]["status"], ["new", "pending"])
        # the customer answers the email: a person takes it from here, no second answer
        raw, _ = make_email("Re: " + subject, "아직도 안 왔어요. 배송 언제 되나요?",
                            sender="김민지 <%s>" % email, to=self.mailbox["address"],
                            headers=["In-Reply-To: <%s>" % msgs[1]["mail_message_id"]])
        r = self.as_admin("POST", "/api/v1/mail/inbound", raw=raw,
                          headers={"Content-Type": "message/rfc822"})
        self.assertEqual(self.expect(r, 201)["ticket_id"], t["id"], "threaded")
        self.assertEqual(self.ticket(t["id"])["status"], "open")
        self.assertEqual(len([m for m in self.messages(t["id"])
                              if m["author_type"] == "system"]), 1)

    def test_ask_for_the_number_then_answer_it_by_email(self):
        sender = unique("jane") + "@shop.example"
        number = "#" + self.number()
        self.order(self.auto, sender, number, state="out_for_delivery",
                   customer={"name": "Jane Roe"})
        res, mid = self.inbound_email("Where is my order?",
                                      "Hi, I ordered last week and nothing has arrived yet. "
                                      "Where is my parcel?", "Jane Roe <%s>" % sender)
        tid = res["ticket_id"]
        t = self.ticket(tid)
        self.assertEqual(t["status"], "pending")
        self.assertIsNone(t["order_id"])
        msgs = self.messages(tid)
        self.assertEqual(len(msgs), 2, "the question, and no acknowledgement besides")
        self.assertIn("could you reply with your order number?", msgs[1]["body"])
        self.assertTrue(msgs[1]["body"].startswith("Hello Jane,\n"))
        # it goes out by email (this mailbox has no SMTP server: it fails, and is kept)
        self.assertIn(msgs[1]["mail_status"], ("queued", "failed"))
        # the reply names the order (no WISMO words): answered with its status
        raw, _ = make_email("Re: Where is my order?", "Sure, it is order %s." % number,
                            sender="Jane Roe <%s>" % sender, to=self.mailbox["address"],
                            headers=["In-Reply-To: <%s>" % mid])
        r = self.as_admin("POST", "/api/v1/mail/inbound?mailbox=" +
                          urllib.parse.quote(self.mailbox["address"]), raw=raw,
                          headers={"Content-Type": "message/rfc822"})
        self.assertEqual(self.expect(r, 201)["ticket_id"], tid, "threaded")
        msgs = self.messages(tid)
        self.assertEqual(len(msgs), 4)
        self.assertIn("Your order %s is: Out for delivery." % number, msgs[3]["body"])
        self.assertEqual(self.ticket(tid)["status"], "pending")
        # a third message gets a person
        raw, _ = make_email("Re: Where is my order?", "Thanks, but where is it now?",
                            sender="Jane Roe <%s>" % sender, to=self.mailbox["address"],
                            headers=["In-Reply-To: <%s>" % mid])
        self.expect(self.as_admin("POST", "/api/v1/mail/inbound?mailbox=" +
                                  urllib.parse.quote(self.mailbox["address"]), raw=raw,
                                  headers={"Content-Type": "message/rfc822"}), 201)
        self.assertEqual(len(self.messages(tid)), 5)
        self.assertEqual(self.ticket(tid)["status"], "open")

    def test_machines_and_orders_in_trouble_get_no_answer(self):
        sender = unique("bot") + "@shop.example"
        res, _ = self.inbound_email("Where is my order?", "Where is my parcel? It has not come.",
                                    sender, headers=["Auto-Submitted: auto-replied"])
        self.assertEqual(len(self.messages(res["ticket_id"])), 1)
        email = unique("aoi") + "@example.jp"
        number = "#" + self.number()
        o = self.order(self.auto, email, number)
        r = self.as_admin("POST", "/api/v1/shipments/%d/events" % o["shipments"][0]["id"],
                          {"status": "exception", "at": "2026-12-04T09:00:00+09:00",
                           "description": "주소 불명"})
        self.assertEqual(self.expect(r, 201)["order"]["state"], "exception")
        t = self.new_ticket(subject="注文番号 %s はいつ届きますか？" % number[1:],
                            body="まだ届いていません。", customer={"email": email})
        self.assertEqual(t["status"], "new", "an exception is a person's to explain")
        self.assertEqual(len(self.messages(t["id"])), 1)
        # the agent still gets the ready answer, in Japanese
        s = self.expect(self.as_agent("GET", "/api/v1/tickets/%d/wismo" % t["id"]), 200)
        self.assertEqual((s["mode"], s["language"], s["wismo"], s["automatic"]),
                         ("auto", "ja", True, None))
        self.assertEqual(s["order"]["state"], "exception")
        self.assertIn("ご注文 %s の現在の状況は" % number, s["reply"])

    def test_suggest_prepares_and_off_does_nothing(self):
        email = unique("ayse") + "@example.com.tr"
        number = "#" + self.number()
        o = self.order(self.suggest, email, number, state="shipped",
                       customer={"name": "Ayşe Yılmaz"})
        t = self.new_ticket(subject="Kargom nerede?",
                            body="%s numaralı siparişim hâlâ gelmedi, kargo nerede?" % number[1:],
                            customer={"email": email, "name": "Ayşe Yılmaz"})
        self.assertEqual(t["status"], "new")
        self.assertEqual(len(self.messages(t["id"])), 1, "suggest sends nothing")
        s = self.expect(self.as_agent("GET", "/api/v1/tickets/%d/wismo" % t["id"]), 200)
        self.assertEqual((s["mode"], s["language"], s["order"]["id"]), ("suggest", "tr", o["id"]))
        self.assertTrue(s["reply"].startswith("Merhaba Ayşe,\n"), s["reply"])
        self.assertIn("%s numaralı siparişinizin durumu: Kargoya verildi" % number, s["reply"])
        email = unique("off") + "@shop.example"
        number = "#" + self.number()
        self.order(self.off, email, number)
        t = self.new_ticket(subject="Where is order %s?" % number, customer={"email": email})
        s = self.expect(self.as_agent("GET", "/api/v1/tickets/%d/wismo" % t["id"]), 200)
        self.assertEqual((s["mode"], s["reply"]), ("off", None))
        # a ticket of no store, and tickets that are not there
        t = self.new_ticket()
        s = self.expect(self.as_agent("GET", "/api/v1/tickets/%d/wismo" % t["id"]), 200)
        self.assertEqual((s["mode"], s["order"], s["reply"], s["wismo"]), ("off", None, None, False))
        self.expect(self.as_agent("GET", "/api/v1/tickets/999999/wismo"), 404)
        self.expect(self.req("GET", "/api/v1/tickets/%d/wismo" % t["id"]), 401)

    def test_store_setting(self):
        self.assertEqual(self.auto["wismo"], "auto")
        r = self.as_admin("POST", "/api/v1/stores", {"slug": unique("d"), "name": "Default"})
        self.assertEqual(self.expect(r, 201)["store"]["wismo"], "suggest", "the default")
        for bad in ("sometimes", "", "AUTO", 1, ["auto"]):
            with self.subTest(bad=bad):
                r = self.as_admin("PATCH", "/api/v1/stores/%d" % self.off["id"], {"wismo": bad})
                self.expect_error(r, 422, "validation_failed")
        self.assertEqual(self.expect(self.as_admin("GET", "/api/v1/stores/%d" % self.off["id"]),
                                     200)["store"]["wismo"], "off")

    def test_figures(self):
        # a store of its own, so the counts are this test's alone
        store = self.make_store(unique("fig"), "Figures", "auto")
        for i in range(3):
            email = unique("f%d" % i) + "@shop.example"
            number = "#" + self.number()
            self.order(store, email, number)
            self.new_ticket(subject="Where is my order %s?" % number,
                            body="It has not arrived yet.", customer={"email": email})
            # a question about an order that is not WISMO, of the same store
            self.new_ticket(subject="Can I change the colour of order %s?" % number,
                            body="I would like the blue one instead.", customer={"email": email})
        today = time.strftime("%Y-%m-%d", time.gmtime())
        f = self.expect(self.as_agent("GET", "/api/v1/reports/wismo?store=%s&from=%s&to=%s"
                                      % (store["slug"], today, today)), 200)
        self.assertEqual((f["from"], f["to"]), (today, today))
        self.assertEqual(f["counts"], {"inbound": 6, "wismo": 3, "answered": 3,
                                       "asked_for_number": 0, "reopened": 0,
                                       "settled": 0, "deflected": 0})
        self.assertEqual(f["rates"]["wismo_share"], 0.5)
        for q in ("from=2026-13-01", "to=yesterday", "from=2026-12-05&to=2026-12-01",
                  "store=no-such-store", "from=2000-01-01&to=2026-12-01"):
            with self.subTest(q=q):
                self.expect_error(self.as_agent("GET", "/api/v1/reports/wismo?" + q), 400,
                                  "bad_request")
        self.expect(self.req("GET", "/api/v1/reports/wismo"), 401)
        metrics = self.req("GET", "/metrics", token=self.admin)
        text = self.expect(metrics, 200).decode()
        self.assertIn('deskd_wismo_answers_total{answer="status"}', text)
        self.assertIn("deskd_inbound_messages_total ", text)


if __name__ == "__main__":
    unittest.main()
