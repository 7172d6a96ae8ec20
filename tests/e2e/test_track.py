"""The shopper's tracking page (/track/{slug}): a server-rendered form in the
shopper's language, a lookup by order number and email that answers a wrong
email and an unknown number alike, a signed expiring link to the order page,
a lookup limit per address, strict headers and escaping everywhere."""

import copy
import json
import os
import re
import time
import unittest
import urllib.parse

from harness import E2ETestCase, unique

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "data", "payload", "document-order.json"), encoding="utf-8") as f:
    DOCUMENT = json.load(f)

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HOSTILE = "<script>alert(1)</script>\"'&"


class TrackBase(E2ETestCase):
    store_settings = {}

    @classmethod
    def new_store(cls, name, **settings):
        slug = unique("trk").lower().replace("_", "-")
        body = {"slug": slug, "name": name, "platform": "custom"}
        body.update(settings)
        r = cls.server.req("POST", "/api/v1/stores", body, token=cls.admin)
        assert r.status == 201, r
        return slug

    def put_order(self, slug, **changes):
        d = copy.deepcopy(DOCUMENT)
        d["number"] = unique("A").upper()
        d["email"] = unique("aoi") + "@example.jp"
        d.update(changes)
        r = self.req("PUT", "/api/v1/stores/%s/orders/%s" % (slug, unique("ord")), d,
                     token=self.admin)
        self.expect(r, 201, "put order")
        return d

    def lookup(self, slug, number, email, lang=None, headers=None):
        fields = {"number": number, "email": email}
        if lang:
            fields["lang"] = lang
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.req("POST", "/track/" + slug, raw=urllib.parse.urlencode(fields).encode(),
                        headers=h)

    def html(self, r):
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"), r)
        text = r.raw.decode("utf-8")
        self.assertNotIn("<script", text.lower())
        self.assertLess(len(r.raw), 50 * 1000)
        self.assertEqual(r.headers["Content-Security-Policy"], CSP)
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(r.headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(r.headers["Cache-Control"], "no-store")
        return text

    def open_order(self, slug, d, lang="en"):
        r = self.lookup(slug, d["number"], d["email"], lang)
        self.assertEqual(r.status, 303, r)
        loc = r.headers["Location"]
        self.assertRegex(loc, r"^/track/%s/[0-9]+-[0-9]+-[0-9]+-[0-9a-f]{32}\?lang=%s$"
                         % (re.escape(slug), lang))
        return loc


class TrackTest(TrackBase):
    server_env = {"DESKD_TRACK_LOOKUPS_PER_MINUTE": "100000"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slug = cls.new_store("東京クラフト", default_language="ja",
                                 logo_url="https://cdn.example.jp/logo.png",
                                 accent_color="#aa3300")
        cls.other = cls.new_store("Other Shop")

    def test_form_in_each_language(self):
        want = {"en": "Track your order", "ko": "주문 배송 조회", "ja": "ご注文の配送状況",
                "tr": "Siparişinizi takip edin"}
        for lang, title in want.items():
            with self.subTest(lang=lang):
                r = self.req("GET", "/track/%s?lang=%s" % (self.slug, lang))
                self.assertEqual(r.status, 200)
                text = self.html(r)
                self.assertIn('<html lang="%s">' % lang, text)
                self.assertIn(title, text)
                self.assertIn('name="number"', text)
                self.assertIn('name="email"', text)
                self.assertIn('<form method="post" action="/track/%s">' % self.slug, text)
                for code in want:
                    self.assertIn('href="/track/%s?lang=%s"' % (self.slug, code), text)
                self.assertIn("東京クラフト", text)
                self.assertIn('<img src="https://cdn.example.jp/logo.png"', text)
                self.assertIn("--a:#aa3300", text)
        # Accept-Language: the supported tag with the highest q; else the store's default
        r = self.req("GET", "/track/" + self.slug,
                     headers={"Accept-Language": "fr-FR, tr;q=0.5, ko-KR;q=0.8, en;q=0.1"})
        self.assertIn("주문 배송 조회", self.html(r))
        r = self.req("GET", "/track/" + self.slug, headers={"Accept-Language": "tr-TR,tr;q=0.9"})
        self.assertIn("Sipariş numarası", self.html(r))
        r = self.req("GET", "/track/" + self.slug, headers={"Accept-Language": "de, ko;q=0"})
        self.assertIn("ご注文番号", self.html(r), "nothing supported: the store's default")
        r = self.req("GET", "/track/%s?lang=en" % self.slug, headers={"Accept-Language": "ko"})
        self.assertIn("Order number", self.html(r), "?lang= wins")

    def test_unknown_store_is_an_html_404(self):
        r = self.req("GET", "/track/no-such-store?lang=tr")
        self.assertEqual(r.status, 404)
        self.assertIn("Sayfa bulunamadı", self.html(r))
        r = self.lookup("no-such-store", "1", "a@b.c", "ko")
        self.assertEqual(r.status, 404)
        self.assertIn("페이지를 찾을 수 없습니다", self.html(r))

    def test_lookup_and_order_page(self):
        d = self.put_order(self.slug)
        loc = self.open_order(self.slug, d, "ja")
        r = self.req("GET", loc)
        self.assertEqual(r.status, 200)
        text = self.html(r)
        self.assertIn(d["number"], text)
        self.assertIn("発送準備完了", text, "the order is packed: its slowest parcel")
        self.assertIn("配達中", text, "the first parcel is out for delivery")
        self.assertIn("ヤマト運輸", text)
        self.assertIn("4567-8901-2345", text)
        self.assertIn('rel="noopener noreferrer" href="https://jizen.kuronekoyamato.co.jp/', text)
        # scans newest first, in Japanese dates (UTC)
        newest, oldest = text.index("東京都 世田谷若林センター"), text.index("石川県 金沢センター")
        self.assertLess(newest, oldest)
        self.assertIn("2026年11月27日 23:10", text)
        self.assertIn("2026年11月24日 23:30", text, "placed, in UTC")
        self.assertIn("九谷焼 湯呑み", text)
        self.assertIn("&times; 2", text)
        self.assertIn("¥15,400", text)
        # the same page in the other languages: labels, dates and money
        base = loc.split("?")[0]
        for lang, words in {"en": ["Packed", "Nov 24, 2026 23:30", "¥15,400"],
                            "ko": ["상품 준비 완료", "2026년 11월 24일 23:30", "¥15,400"],
                            "tr": ["Hazırlandı", "24 Kasım 2026 23:30", "15.400 ¥"]}.items():
            text = self.html(self.req("GET", "%s?lang=%s" % (base, lang)))
            for w in words:
                self.assertIn(w, text, lang)
        # a number with "#", spaces and full-width digits, an email in capitals
        r = self.lookup(self.slug, " ＃" + d["number"] + " ", d["email"].upper())
        self.assertEqual(r.status, 303, r)

    def test_money_in_other_currencies(self):
        d = self.put_order(self.slug, currency="TRY", total="1349.80",
                           items=[{"sku": "X", "name": "Çay bardağı", "quantity": 3,
                                   "price": "449.93"}])
        text = self.html(self.req("GET", self.open_order(self.slug, d, "tr")))
        self.assertIn("1.349,80 ₺", text)
        self.assertIn("Çay bardağı", text)
        d = self.put_order(self.slug, currency="USD", total="64.12")
        self.assertIn("$64.12", self.html(self.req("GET", self.open_order(self.slug, d, "en"))))
        d = self.put_order(self.slug, currency="KRW", total="64000")
        self.assertIn("₩64,000", self.html(self.req("GET", self.open_order(self.slug, d, "ko"))))

    def test_wrong_email_and_unknown_number_look_the_same(self):
        d = self.put_order(self.slug)
        wrong_email = self.lookup(self.slug, d["number"], "someone@example.com", "ko")
        unknown = self.lookup(self.slug, "NO-SUCH-ORDER-1", d["email"], "ko")
        other_store = self.lookup(self.other, d["number"], d["email"], "ko")
        self.assertEqual(wrong_email.status, 200)
        self.assertEqual(unknown.status, 200)
        self.assertEqual(wrong_email.raw, unknown.raw)
        self.assertIn("입력하신 주문 번호와 이메일 주소에 해당하는 주문을 찾을 수 없습니다",
                      self.html(wrong_email))
        self.assertNotIn(d["number"], wrong_email.raw.decode())
        self.assertEqual(other_store.status, 200, "another store's order is not found")
        self.assertIn("찾을 수 없습니다", other_store.raw.decode())
        empty = self.lookup(self.slug, "", "", "ko")
        self.assertEqual(empty.raw, unknown.raw)

    def test_bad_tokens_are_one_404(self):
        d = self.put_order(self.slug)
        loc = self.open_order(self.slug, d, "en").split("?")[0]
        token = loc.rsplit("/", 1)[1]
        s, o, e, sig = token.split("-")
        bad = {
            "tampered signature": "%s-%s-%s-%s" % (s, o, e, ("0" if sig[0] != "0" else "1") + sig[1:]),
            "another order": "%s-%d-%s-%s" % (s, int(o) + 1, e, sig),
            "later expiry": "%s-%s-%d-%s" % (s, o, int(e) + 1, sig),
            "garbage": "abc",
            "short": "%s-%s-%s-%s" % (s, o, e, sig[:-1]),
        }
        pages = set()
        for what, t in bad.items():
            with self.subTest(what=what):
                r = self.req("GET", "/track/%s/%s?lang=en" % (self.slug, t))
                self.assertEqual(r.status, 404)
                text = self.html(r)
                self.assertIn("This link is not valid or has expired.", text)
                self.assertNotIn(d["number"], text)
                pages.add(text.replace(t, "T"))
        self.assertEqual(len(pages), 1, "one page for every bad link")
        # the token of one store's order does not open under another store
        r = self.req("GET", "/track/%s/%s?lang=en" % (self.other, token))
        self.assertEqual(r.status, 404)
        self.assertNotIn(d["number"], self.html(r))

    def test_hostile_values_are_escaped(self):
        slug = self.new_store(HOSTILE + " shop", accent_color="#123456")
        ship = copy.deepcopy(DOCUMENT["shipments"][0])
        ship["carrier"] = HOSTILE
        ship["tracking_number"] = "<b>TN</b>"
        ship["tracking_url"] = "javascript:alert(1)"
        ship["scans"][0]["location"] = HOSTILE + " place"
        ship["scans"][0]["description"] = "<img src=x onerror=alert(1)>"
        d = self.put_order(slug, shipments=[ship],
                           items=[{"sku": "S", "name": HOSTILE + " item", "variant": "<i>v</i>",
                                   "quantity": 1, "price": "100"}])
        for path in ("/track/" + slug, self.open_order(slug, d)):
            text = self.html(self.req("GET", path))
            self.assertNotIn("<script>", text)
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp; shop", text)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp; item", text)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp; place", text)
        self.assertIn("&lt;b&gt;TN&lt;/b&gt;", text)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", text)
        self.assertNotIn("<img src=x", text)
        self.assertNotIn("javascript:", text, "a javascript: URL is not linked")
        self.assertNotIn("noopener", text)

    def test_big_order_stays_under_50kb(self):
        items = [{"sku": "SKU-%d" % i, "name": "大きな注文の商品 <%d> & とても長い名前" % i * 3,
                  "variant": "色: 藍 & サイズ: L" * 3, "quantity": i + 1, "price": "100"}
                 for i in range(100)]
        ship = copy.deepcopy(DOCUMENT["shipments"][0])
        ship["scans"] = [{"status": "in_transit", "at": "2026-11-27T%02d:%02d:00Z" % (i // 60, i % 60),
                          "location": "中継センター %d" % i, "description": "輸送中 & 移動中 " * 5}
                         for i in range(150)]
        d = self.put_order(self.slug, items=items, shipments=[ship], total="10000")
        r = self.req("GET", self.open_order(self.slug, d, "ja"))
        self.assertEqual(r.status, 200)
        text = self.html(r)
        self.assertLess(len(r.raw), 50 * 1000)
        self.assertIn("SKU-0".replace("SKU-0", "大きな注文の商品 &lt;0&gt;"), text)
        self.assertTrue(text.endswith("</html>\n"), "a whole page")

    def test_form_errors_are_html(self):
        r = self.req("POST", "/track/" + self.slug, raw=b"number=%zz&email=a",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.html(r)
        r = self.req("POST", "/track/" + self.slug, raw=b"number=1&email=%ff",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.html(r)
        r = self.req("POST", "/track/" + self.slug, raw=b'{"number": "1"}')
        self.assertEqual(r.status, 415)
        self.assertIn("Something went wrong", self.html(r))
        r = self.req("POST", "/track/" + self.slug, raw=b"number=" + b"1" * 20000,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 413)
        self.html(r)


class TrackLimitTest(TrackBase):
    """The real limit: 10 lookups a minute per address, then 429 with Retry-After."""

    def test_eleventh_lookup_is_429(self):
        slug = self.new_store("Limit Shop", default_language="tr")
        d = self.put_order(slug)
        for i in range(10):
            r = self.lookup(slug, "NOPE-%d" % i, "x@example.com")
            self.assertEqual(r.status, 200, "lookup %d" % (i + 1))
        r = self.lookup(slug, d["number"], d["email"])
        self.assertEqual(r.status, 429, "even a right lookup waits")
        text = self.html(r)
        self.assertIn("Bağlantınızdan çok fazla sorgu yapıldı", text)
        wait = int(r.headers["Retry-After"])
        self.assertTrue(1 <= wait <= 61, wait)
        r = self.req("GET", "/track/" + slug)
        self.assertEqual(r.status, 200, "the form itself is not limited")


class TrackExpiryTest(TrackBase):
    server_env = {"DESKD_TRACK_TTL_SECONDS": "2"}

    def test_expired_link_is_404(self):
        slug = self.new_store("Expiry Shop")
        d = self.put_order(slug)
        loc = self.open_order(slug, d)
        self.assertEqual(self.req("GET", loc).status, 200)
        time.sleep(3.1)
        r = self.req("GET", loc)
        self.assertEqual(r.status, 404)
        self.assertIn("This link is not valid or has expired.", self.html(r))


if __name__ == "__main__":
    unittest.main()
