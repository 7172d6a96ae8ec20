"""What inbound messages tell deskd (orders/classify.h, written in the same
transaction): a "where is my order?" ticket is tagged `wismo` whatever the
language, a near-miss is not; the language a customer writes in becomes their
`language`; an order number in the message links the ticket to that customer's
order, never to another customer's; by the API and by email, first message and
replies alike."""

import unittest

from harness import E2ETestCase, unique
from test_mail import dsn, make_email


class WismoTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slug = "wismo-shop"
        cls.server.req("POST", "/api/v1/stores", {"slug": cls.slug, "name": "Wismo Shop"},
                       token=cls.admin)

    def order(self, email, number):
        r = self.as_admin("PUT", "/api/v1/stores/%s/orders/%s" % (self.slug, unique("o")), {
            "number": number, "email": email, "currency": "KRW", "total": "39000",
            "placed_at": "2026-11-28T10:00:00+09:00", "financial_status": "paid"})
        return self.expect(r, 201)["order"]

    def customer(self, cid):
        return self.expect(self.as_agent("GET", "/api/v1/customers/%d" % cid), 200)["customer"]

    def ticket(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % tid), 200)["ticket"]

    def test_each_language(self):
        cases = [("en", "Where is my parcel?", "It's been ten days and tracking hasn't moved."),
                 ("ko", "배송 문의", "주문한 지 일주일이 지났는데 아직 배송이 안 왔어요. 언제 오나요?"),
                 ("ja", "配送について", "先週注文した商品がまだ届いていません。いつ届きますか？"),
                 ("tr", "Kargom nerede", "Siparişim bir haftadır gelmedi, kargo takip numarası çalışmıyor.")]
        for lang, subject, body in cases:
            with self.subTest(lang):
                t = self.new_ticket(subject=subject, body=body)
                self.assertIn("wismo", t["tags"], "tagged as created, in the first answer")
                self.assertEqual(self.customer(t["customer_id"])["language"], lang)

    def test_near_misses_are_not_wismo(self):
        for subject, body in (
                ("Damaged on arrival", "My order arrived yesterday but the mug is broken."),
                ("환불 문의", "반품한 상품 환불은 언제 되나요?"),
                ("返品したい", "届いた靴のサイズが合わないので交換したいです。"),
                ("Teşekkürler", "Siparişim bugün elime ulaştı, çok teşekkürler!")):
            with self.subTest(subject):
                self.assertNotIn("wismo", self.new_ticket(subject=subject, body=body)["tags"])

    def test_order_number_links_the_customers_own_order(self):
        email = unique("minjun") + "@example.kr"
        mine = self.order(email, "#" + str(50000 + hash(email) % 40000))
        number = mine["number"].lstrip("#")
        t = self.new_ticket(subject="주문번호 %s 배송 언제 되나요?" % number,
                            body="아직 배송 준비 중이라고만 나와요.",
                            customer={"email": email, "name": "김민준"})
        self.assertEqual(t["order_id"], mine["id"])
        self.assertEqual(t["customer_id"], mine["customer_id"], "the order's customer is theirs")
        # the same number from someone else links nothing
        other = self.new_ticket(subject="Where is order #%s?" % number,
                                customer={"email": unique("x") + "@shop.example"})
        self.assertIsNone(other["order_id"])

    def test_email_in_and_a_reply(self):
        sender = unique("aoi") + "@example.jp"
        raw, mid = make_email("ご注文について", "こんにちは。よろしくお願いします。",
                              sender="佐藤 葵 <%s>" % sender)
        res = self.expect(self.as_admin("POST", "/api/v1/mail/inbound", raw=raw,
                                        headers={"Content-Type": "message/rfc822"}), 201)
        t = self.ticket(res["ticket_id"])
        self.assertNotIn("wismo", t["tags"], "a greeting is not a question about an order")
        self.assertEqual(self.customer(t["customer_id"])["language"], "ja")
        mine = self.order(sender, "A-%d" % (hash(sender) % 90000 + 10000))
        self.assertIsNone(self.ticket(t["id"])["order_id"])
        # the customer writes again in the thread, naming the order, in English this time
        reply, _ = make_email("Re: ご注文について",
                              "Hi, where is my order %s? It still hasn't arrived."
                              % mine["number"].replace("A-", "#"),
                              sender="Aoi Sato <%s>" % sender,
                              headers=["In-Reply-To: <%s>" % mid, "References: <%s>" % mid])
        res2 = self.expect(self.as_admin("POST", "/api/v1/mail/inbound", raw=reply,
                                         headers={"Content-Type": "message/rfc822"}), 201)
        self.assertEqual(res2["ticket_id"], t["id"], "the reply joins the ticket")
        t = self.ticket(t["id"])
        self.assertIn("wismo", t["tags"])
        self.assertEqual(self.customer(t["customer_id"])["language"], "en",
                         "the language is the latest one they wrote in")

    def test_a_bounce_in_the_thread_is_not_read(self):
        sender = unique("lee") + "@example.kr"
        raw, mid = make_email("문의", "안녕하세요, 사이즈 문의드립니다.", sender="이서연 <%s>" % sender)
        res = self.expect(self.as_admin("POST", "/api/v1/mail/inbound", raw=raw,
                                        headers={"Content-Type": "message/rfc822"}), 201)
        report = dsn("%s@nowhere.example" % unique()).replace(
            b"Auto-Submitted: auto-replied\r\n",
            ("Auto-Submitted: auto-replied\r\nIn-Reply-To: <%s>\r\n" % mid).encode()).replace(
            b"User unknown", b"User unknown. Where is my order? It has not arrived.")
        res2 = self.expect(self.as_admin("POST", "/api/v1/mail/inbound", raw=report,
                                         headers={"Content-Type": "message/rfc822"}), 201)
        if res2["ticket_id"] != res["ticket_id"]:
            self.skipTest("this report did not join the thread")
        t = self.ticket(res["ticket_id"])
        self.assertNotIn("wismo", t["tags"])
        self.assertEqual(self.customer(t["customer_id"])["language"], "ko")

    def test_a_bounce_is_not_the_customer_talking(self):
        # an unmatched delivery report about "Re: Order" whose text says it failed
        res = self.expect(self.as_admin("POST", "/api/v1/mail/inbound",
                                        raw=dsn("%s@nowhere.example" % unique()),
                                        headers={"Content-Type": "message/rfc822"}), 201)
        t = self.ticket(res["ticket_id"])
        self.assertEqual(t["tags"], ["bounce"])
        self.assertIsNone(self.customer(t["customer_id"])["language"])

if __name__ == "__main__":
    unittest.main()
