"""Search across tickets, messages and customers in English, Korean, Japanese,
Chinese and Turkish; snippets with <mark> and escaped markup."""

import re
import unittest

from harness import PGHOST, E2ETestCase, Server, psql, unique, urlquote


class SearchTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def ticket(subject, body, **extra):
            payload = {"subject": subject, "body": body,
                       "customer": {"email": unique("s") + "@shop.example", "name": "Searcher"}}
            payload.update(extra)
            r = cls.server.req("POST", "/api/v1/tickets", payload, token=cls.agent)
            assert r.status == 201, r
            return r.body["ticket"]["id"]

        cls.word = unique("zebra")
        cls.en = ticket("Refund for the %s lamp" % cls.word, "The lamp arrived with a cracked shade.")
        cls.en_other = ticket("Nothing to see", "A completely unrelated question about socks.")
        cls.ko = ticket("배송 문의", "주문한 상품의 배송조회를 하고 싶습니다")
        cls.ja = ticket("お問い合わせ", "配送状況を教えてください")
        cls.zh = ticket("咨询", "我想查询订单的物流信息")
        cls.tr_city = ticket("Teslimat adresi", "Paketim hâlâ İstanbul deposunda bekliyor.")
        cls.tr_color = ticket("Renk değişimi", "Kırmızı ayakkabıyı mavi ile değiştirmek istiyorum.")
        cls.accent = ticket("Dessert", "The crème brûlée kit was missing a torch.")
        cls.markup = ticket("Markup", '<script>alert("x")</script> & <b>bold</b> quokka%s' % cls.word)
        cls.sqlish = ticket("It's a \"quote\"", "Robert'); DROP TABLE tickets;-- wombat%s" % cls.word)
        rank_word = unique("rank")
        cls.rank_word = rank_word
        cls.rank_strong = ticket("%s %s" % (rank_word, rank_word),
                                 "%s %s %s" % (rank_word, rank_word, rank_word))
        cls.rank_weak = ticket("Long story", "We wrote a lot of text here. " * 40 + rank_word
                               + " appears once in this long message. " + "Filler. " * 40)
        r = cls.server.req("POST", "/api/v1/customers",
                           {"name": "Gülşen %s Yıldız" % cls.word.capitalize(),
                            "email": unique("g") + "@example.com"}, token=cls.agent)
        assert r.status == 201, r
        cls.customer = r.body["customer"]["id"]
        cls.many_word = unique("many")
        for i in range(6):
            ticket("%s number %d" % (cls.many_word, i), "body %d" % i)

    def search(self, q, extra="", expect=200):
        r = self.as_agent("GET", "/api/v1/search?q=" + urlquote(q) + extra)
        self.expect(r, expect, "search %r" % q)
        return r.body["results"] if expect == 200 else r

    def tickets_of(self, results):
        """The ticket ids that results point at (a ticket or one of its messages)."""
        out = []
        for res in results:
            tid = res["id"] if res["type"] == "ticket" else res.get("ticket_id")
            if tid is not None and tid not in out:
                out.append(tid)
        return out

    def assert_finds(self, q, tid):
        results = self.search(q)
        self.assertIn(tid, self.tickets_of(results), "%r did not find ticket %d: %r"
                      % (q, tid, results))
        return results

    def test_result_shape(self):
        results = self.search(self.word)
        self.assertTrue(results)
        for res in results:
            self.assertIn(res["type"], ("ticket", "message", "customer"), res)
            self.assertIsInstance(res["id"], int)
            self.assertIn("ticket_id", res)
            self.assertIsInstance(res["title"], str)
            self.assertIsInstance(res["snippet"], str)
            if res["type"] == "message":
                self.assertIsInstance(res["ticket_id"], int, res)

    def test_english(self):
        results = self.assert_finds(self.word, self.en)
        subj = [r for r in results if r["type"] == "ticket" and r["id"] == self.en]
        self.assertEqual(len(subj), 1, results)
        self.assertIn("<mark>", subj[0]["snippet"])
        self.assertIn("Refund", subj[0]["title"])
        self.assert_finds("cracked", self.en)
        self.assert_finds("CRACKED shade", self.en)
        self.assert_finds("lamp", self.en)

    def test_only_matches(self):
        results = self.search(self.word)
        found = set(self.tickets_of(results))
        # quokka<word> and wombat<word> are other words: they must not match
        self.assertEqual(found, {self.en}, results)
        customers = [r for r in results if r["type"] == "customer"]
        self.assertEqual([r["id"] for r in customers], [self.customer], results)
        self.assertIsNone(customers[0]["ticket_id"])
        self.assertNotIn(self.en_other, self.tickets_of(self.search("lamp")))
        self.assertEqual(self.search(unique("nothingmatches")), [])

    def test_all_words_must_match(self):
        self.assertIn(self.en, self.tickets_of(self.search("cracked shade")))
        self.assertNotIn(self.en, self.tickets_of(self.search("cracked " + unique("absent"))))

    def test_korean_word_inside_unspaced_text(self):
        self.assert_finds("배송", self.ko)
        self.assert_finds("배송조회", self.ko)
        self.assert_finds("상품", self.ko)
        results = self.search("배송조회")
        marks = [r["snippet"] for r in results if r.get("ticket_id") == self.ko
                 or r["id"] == self.ko]
        self.assertTrue(any("<mark>" in s for s in marks), results)
        self.assertNotIn(self.ko, self.tickets_of(self.search("택배")))

    def test_japanese(self):
        self.assert_finds("配送", self.ja)
        self.assert_finds("配送状況", self.ja)
        self.assertNotIn(self.ja, self.tickets_of(self.search("配達")))

    def test_chinese(self):
        self.assert_finds("物流", self.zh)
        self.assert_finds("订单", self.zh)
        self.assertNotIn(self.zh, self.tickets_of(self.search("快递")))

    def test_turkish_dotted_and_dotless_i(self):
        for q in ("istanbul", "ISTANBUL", "İstanbul", "İSTANBUL", "ıstanbul"):
            with self.subTest(q=q):
                self.assert_finds(q, self.tr_city)
        for q in ("KIRMIZI", "kirmizi", "kırmızı", "Kırmızı", "KİRMİZİ"):
            with self.subTest(q=q):
                self.assert_finds(q, self.tr_color)
        self.assert_finds("hala", self.tr_city)  # hâlâ: diacritics folded

    def test_diacritics_folded(self):
        self.assert_finds("creme brulee", self.accent)
        self.assert_finds("CRÈME", self.accent)
        r = self.search("Gulsen " + self.word)
        self.assertIn(self.customer, [x["id"] for x in r if x["type"] == "customer"], r)

    def test_snippet_marks_the_match(self):
        results = self.search("cracked")
        mine = [r for r in results if r.get("ticket_id") == self.en]
        self.assertTrue(mine, results)
        marked = re.findall(r"<mark>(.*?)</mark>", mine[0]["snippet"])
        self.assertIn("cracked", [m.lower() for m in marked], mine[0]["snippet"])

        results = self.search("istanbul")
        mine = [r for r in results if r.get("ticket_id") == self.tr_city]
        self.assertTrue(mine, results)
        self.assertIn("<mark>İstanbul</mark>", mine[0]["snippet"])

    def test_snippet_escapes_markup(self):
        results = self.search("quokka" + self.word)
        mine = [r for r in results if r.get("ticket_id") == self.markup]
        self.assertTrue(mine, results)
        snip = mine[0]["snippet"]
        self.assertNotIn("<script", snip)
        self.assertNotIn("<b>", snip)
        self.assertIn("&lt;", snip)
        self.assertIn("&amp;", snip)
        without_marks = snip.replace("<mark>", "").replace("</mark>", "")
        self.assertNotIn("<", without_marks, snip)
        self.assertNotIn(">", without_marks, snip)
        self.assertIn("<mark>", snip)

    def test_sql_text_is_just_text(self):
        self.assert_finds("wombat" + self.word, self.sqlish)
        self.assert_finds("DROP TABLE tickets", self.sqlish)
        self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % self.en), 200)

    def test_query_syntax_is_not_interpreted(self):
        for q in ('"', 'lamp"', "lamp OR socks", "lamp AND NOT socks", "NEAR(lamp shade)",
                  "lamp*", "-lamp", "lamp:shade", "'", "\\", "%", "_", "lamp^2", "(", ")",
                  "{lamp}", "tokens:lamp", "lamp --", "' OR 1=1 --", "\u0000", "🙂"):
            with self.subTest(q=q):
                r = self.as_agent("GET", "/api/v1/search?q=" + urlquote(q))
                self.assertIn(r.status, (200, 400), r)
                self.assertIsInstance(r.body, dict, r)
        # OR is a word, not an operator: "lamp OR socks" needs all three words
        self.assertNotIn(self.en_other, self.tickets_of(self.search("lamp OR socks")))
        self.assertNotIn(self.en, self.tickets_of(self.search("lamp OR socks")))

    def test_ranked_best_first(self):
        results = self.search(self.rank_word)
        found = self.tickets_of(results)
        self.assertEqual(set(found), {self.rank_strong, self.rank_weak}, results)
        msgs = [r["ticket_id"] for r in results if r["type"] == "message"]
        self.assertEqual(msgs, [self.rank_strong, self.rank_weak],
                         "the message that is all about the word ranks first: %r" % results)

    def test_index_follows_changes(self):
        old_word, new_word = unique("before"), unique("after")
        tid = self.new_ticket(subject="Subject %s" % old_word, body="plain body")["id"]
        self.assert_finds(old_word, tid)
        r = self.as_agent("PATCH", "/api/v1/tickets/%d" % tid, {"subject": "Subject " + new_word})
        self.expect(r, 200)
        self.assert_finds(new_word, tid)
        self.assertNotIn(tid, [x["id"] for x in self.search(old_word) if x["type"] == "ticket"],
                         "the old subject is still indexed")
        reply = unique("reply")
        self.expect(self.as_agent("POST", "/api/v1/tickets/%d/messages" % tid,
                                  {"body": "Kargo takip numaranız: " + reply}), 201)
        self.assert_finds(reply, tid)

        cname, cnew = unique("Cust"), unique("Renamed")
        r = self.as_agent("POST", "/api/v1/customers", {"name": cname})
        cid = r.body["customer"]["id"]
        self.assertIn(cid, [x["id"] for x in self.search(cname) if x["type"] == "customer"])
        self.expect(self.as_agent("PATCH", "/api/v1/customers/%d" % cid, {"name": cnew}), 200)
        self.assertIn(cid, [x["id"] for x in self.search(cnew) if x["type"] == "customer"])
        self.assertNotIn(cid, [x["id"] for x in self.search(cname) if x["type"] == "customer"])

    @unittest.skipUnless(PGHOST, "PostgreSQL only")
    def test_row_without_search_tokens(self):
        """A row indexed by a node from before migration 0006 has a tsvector but
        no search_tokens: it is found (ranked as empty), and the server lives."""
        if self.server.backend != "postgres":
            self.skipTest("PostgreSQL only")
        word = unique("legacy")
        tid = self.new_ticket(subject="Old node " + word, body="body " + word)["id"]
        self.assert_finds(word, tid)
        psql("UPDATE tickets SET search_tokens = NULL WHERE id = %d" % tid, self.server.pgdb)
        psql("UPDATE messages SET search_tokens = NULL WHERE ticket_id = %d" % tid,
             self.server.pgdb)
        self.assert_finds(word, tid)
        self.assertEqual(self.as_agent("GET", "/api/v1/search?q=" + word).status, 200)

    def test_limit(self):
        self.assertEqual(len(self.tickets_of(self.search(self.many_word))), 6)
        self.assertEqual(len(self.search(self.many_word, "&limit=2")), 2)
        self.assertEqual(len(self.search(self.many_word, "&limit=50")), 6)

    def test_empty_or_missing_q_is_400(self):
        for query in ("", "?q=", "?limit=5", "?q=&limit=5"):
            with self.subTest(query=query):
                self.expect_error(self.as_agent("GET", "/api/v1/search" + query), 400,
                                  "bad_request")

    def test_bad_limit_is_400(self):
        for limit in ("0", "51", "-1", "abc"):
            with self.subTest(limit=limit):
                self.expect_error(self.as_agent("GET", "/api/v1/search?q=lamp&limit=" + limit),
                                  400, "bad_request")



# The same documents, created in the same order on each backend.
SAME_TICKETS = [
    ("Refund for the lamp", "I want a refund. The lamp arrived broken, refund please, refund."),
    ("Order question", "Where is my order? The order number is 1042."),
    ("Refund", "A refund for my order, the shoes did not fit."),
    ("Lamp shade", "The lamp shade is cracked; the lamp itself works. " * 3),
    ("배송 문의", "주문한 상품의 배송조회를 하고 싶습니다. 배송이 늦어요."),
    ("배송지 변경", "배송지를 바꾸고 싶어요"),
    ("주문 취소", "주문을 취소하고 싶습니다. 배송 전인가요?"),
    ("お問い合わせ", "配送状況を教えてください。配送が遅れています。"),
    ("配送について", "注文の配送先を変更したい"),
    ("Teslimat adresi", "Paketim hâlâ İstanbul deposunda bekliyor. ISTANBUL şubesi aramadı."),
    ("İstanbul mağazası", "Siparişim istanbul mağazasında mı?"),
    ("Sipariş", "Siparişim nerede? Istanbul'dan gönderildi mi?"),
    ("Long order story", "We wrote a lot of text here about the order. " * 20 + "refund lamp"),
    ("Order again", "order order order"),
]
SAME_CUSTOMERS = ["Lamp Collector", "Refund Seeker", "İstanbul Shop", "배송 고객"]
SAME_QUERIES = ["refund", "lamp", "배송", "配送", "istanbul", "order", "refund lamp", "the"]


class SearchSameOnBothBackendsTest(unittest.TestCase):
    """The same data gives the same order on SQLite and PostgreSQL: one ranking, in C."""

    maxDiff = 8000

    def results(self, server, token):
        out = {}
        for q in SAME_QUERIES:
            r = server.req("GET", "/api/v1/search?limit=50&q=" + urlquote(q), token=token)
            self.assertEqual(r.status, 200, r)
            out[q] = [(h["type"], h["title"], h["snippet"]) for h in r.body["results"]]
        return out

    def fill(self, server):
        E2ETestCase.bootstrap(server)
        token = server.ids["agent"]
        for i, (subject, body) in enumerate(SAME_TICKETS):
            r = server.req("POST", "/api/v1/tickets",
                           {"subject": subject, "body": body,
                            "customer": {"email": "c%d@shop.example" % i, "name": "Buyer %d" % i}},
                           token=token)
            self.assertEqual(r.status, 201, r)
        for i, name in enumerate(SAME_CUSTOMERS):
            r = server.req("POST", "/api/v1/customers",
                           {"name": name, "email": "k%d@example.com" % i}, token=token)
            self.assertEqual(r.status, 201, r)
        return self.results(server, token)

    def test_same_order(self):
        orders = {}
        for backend in ("sqlite", "postgres"):
            if backend == "postgres" and not PGHOST:
                continue  # the SQLite half still checks the ranking below
            server = Server(backend)
            try:
                server.start()
                orders[backend] = self.fill(server)
            finally:
                server.stop()
                server.cleanup()
        got = orders["sqlite"]
        # what a user sees first: the email saying "refund" three times, the one
        # saying "lamp" most; Korean, Japanese and Turkish words found in their
        # inflected or cased forms
        self.assertEqual(got["refund"][0][:2], ("message", "Refund for the lamp"))
        self.assertEqual(got["lamp"][0][:2], ("message", "Lamp shade"))
        self.assertEqual(got["refund lamp"][0][:2], ("message", "Refund for the lamp"))
        self.assertIn(("message", "배송 문의"), [h[:2] for h in got["배송"]])
        self.assertIn(("message", "お問い合わせ"), [h[:2] for h in got["配送"]])
        self.assertEqual({h[1] for h in got["istanbul"] if h[0] == "message"},
                         {"Teslimat adresi", "İstanbul mağazası", "Sipariş"})
        self.assertGreater(len(got["order"]), 5)
        for q in SAME_QUERIES:
            self.assertTrue(got[q], "nothing found for %r" % q)
        if "postgres" in orders:
            for q in SAME_QUERIES:
                self.assertEqual(orders["postgres"][q], got[q], "the order of %r differs" % q)


if __name__ == "__main__":
    unittest.main()
