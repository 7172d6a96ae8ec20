"""Online stores (brands): only admins add, list, change and delete them; the
webhook secret is sealed and never shown; settings are checked field by field
and kept across restarts; a slug is never given twice, even after deletion."""

import os
import sqlite3
import unittest

from harness import E2ETestCase, unique, parse_time
from test_macros import refuse_bad_bodies

STORE_FIELDS = {"id", "slug", "name", "platform", "secret_set", "mailbox_id",
                "default_language", "logo_url", "accent_color", "return_window_days",
                "cancel_window_hours", "widget_origins", "wismo", "created_at", "updated_at"}


class StoresTest(E2ETestCase):

    def create(self, expect=201, **fields):
        body = {"slug": unique("shop").lower().replace("_", "-"), "name": "Seoul Sneakers"}
        body.update(fields)
        r = self.as_admin("POST", "/api/v1/stores", body)
        self.expect(r, expect, "create store %r" % body)
        return r.body["store"] if expect == 201 else r

    def test_create_with_defaults_and_read_back(self):
        s = self.create(name="서울 스니커즈 Seoul Sneakers", platform="shopify",
                        secret="shpss_0123456789abcdef")
        self.assertEqual(set(s), STORE_FIELDS, s)
        self.assertEqual(s["name"], "서울 스니커즈 Seoul Sneakers")
        self.assertEqual(s["platform"], "shopify")
        self.assertIs(s["secret_set"], True)
        self.assertNotIn("secret", s, "the secret is never shown")
        self.assertEqual((s["default_language"], s["return_window_days"],
                          s["cancel_window_hours"], s["widget_origins"], s["logo_url"],
                          s["accent_color"], s["mailbox_id"]),
                         ("en", 30, 12, [], None, None, None), "the defaults")
        self.assertEqual(s["created_at"], s["updated_at"])
        self.assertIsNotNone(parse_time(s["created_at"]))
        got = self.expect(self.as_admin("GET", "/api/v1/stores/%d" % s["id"]), 200)["store"]
        self.assertEqual(got, s)
        listed = self.expect(self.as_admin("GET", "/api/v1/stores"), 200)["stores"]
        self.assertIn(s, listed)
        names = [x["name"] for x in listed]
        self.assertEqual(names, sorted(names), "listed by name")

    def test_secret_is_sealed_in_the_database(self):
        secret = "wc-secret-" + unique()
        s = self.create(platform="woocommerce", secret=secret)
        if self.server.backend != "sqlite":
            self.skipTest("reads the SQLite file directly")
        db = sqlite3.connect(os.path.join(self.server.data, "deskd.db"))
        (sealed,) = db.execute("SELECT secret_sealed FROM stores WHERE id = ?",
                               (s["id"],)).fetchone()
        db.close()
        self.assertTrue(sealed)
        self.assertNotIn(secret, sealed)
        self.assertNotIn(secret.encode().hex(), sealed)

    def test_update_merges_and_clears(self):
        s = self.create(platform="shopify", secret="first-secret-1")
        r = self.as_admin("PATCH", "/api/v1/stores/%d" % s["id"], {
            "default_language": "ko", "logo_url": "https://cdn.shop.example/logo.png",
            "accent_color": "#1A2b3C", "return_window_days": 14, "cancel_window_hours": 0,
            "widget_origins": ["https://shop.example", "http://127.0.0.1:8080"]})
        u = self.expect(r, 200)["store"]
        self.assertEqual((u["default_language"], u["logo_url"], u["accent_color"],
                          u["return_window_days"], u["cancel_window_hours"],
                          u["widget_origins"]),
                         ("ko", "https://cdn.shop.example/logo.png", "#1A2b3C", 14, 0,
                          ["https://shop.example", "http://127.0.0.1:8080"]))
        self.assertEqual((u["name"], u["platform"], u["slug"], u["secret_set"]),
                         (s["name"], "shopify", s["slug"], True), "what was not sent stays")
        self.assertGreaterEqual(parse_time(u["updated_at"]), parse_time(s["updated_at"]))
        u = self.expect(self.as_admin("PATCH", "/api/v1/stores/%d" % s["id"],
                                      {"secret": None, "logo_url": None, "platform": "custom"}),
                        200)["store"]
        self.assertEqual((u["secret_set"], u["logo_url"], u["platform"], u["accent_color"]),
                         (False, None, "custom", "#1A2b3C"))
        self.server.restart()
        got = self.expect(self.as_admin("GET", "/api/v1/stores/%d" % s["id"]), 200)["store"]
        self.assertEqual(got, u, "kept across a restart")

    def test_slug_is_unique_for_ever(self):
        s = self.create()
        err = self.expect_error(self.create(expect=409, slug=s["slug"]), 409, "conflict")
        self.assertIn(s["slug"], err["message"])
        self.expect(self.as_admin("DELETE", "/api/v1/stores/%d" % s["id"]), 204)
        self.expect_error(self.as_admin("GET", "/api/v1/stores/%d" % s["id"]), 404, "not_found")
        self.assertNotIn(s["id"], [x["id"] for x in
                                   self.as_admin("GET", "/api/v1/stores").body["stores"]])
        self.expect_error(self.as_admin("DELETE", "/api/v1/stores/%d" % s["id"]), 404,
                          "not_found")
        self.expect_error(self.create(expect=409, slug=s["slug"]), 409, "conflict",
                          "a deleted store's slug is not given again")
        err = self.expect_error(self.as_admin("PATCH", "/api/v1/stores/%d" % self.create()["id"],
                                              {"slug": "other"}), 422, "validation_failed")
        self.assertIn("slug", err["message"])

    def test_mailbox_must_exist(self):
        box = self.expect(self.as_admin("POST", "/api/v1/mailboxes", {
            "address": unique("help") + "@shop.example", "name": "Help"}), 201)["mailbox"]
        s = self.create(mailbox_id=box["id"])
        self.assertEqual(s["mailbox_id"], box["id"])
        err = self.expect_error(self.create(expect=422, mailbox_id=999999), 422,
                                "validation_failed")
        self.assertIn("mailbox", err["message"])
        self.expect(self.as_admin("DELETE", "/api/v1/mailboxes/%d" % box["id"]), 204)
        self.expect_error(self.create(expect=422, mailbox_id=box["id"]), 422,
                          "validation_failed", "a deleted mailbox is not there")
        u = self.expect(self.as_admin("PATCH", "/api/v1/stores/%d" % s["id"],
                                      {"mailbox_id": None}), 200)["store"]
        self.assertIsNone(u["mailbox_id"])

    def test_bad_values_name_their_field(self):
        cases = [
            ("slug", "Upper"), ("slug", "-edge"), ("slug", "edge-"), ("slug", "a b"),
            ("slug", "ş"), ("slug", "x" * 65), ("slug", ""), ("slug", 5),
            ("name", ""), ("name", "x" * 201), ("name", ["x"]),
            ("platform", "magento"), ("platform", "Shopify"),
            ("secret", "short"), ("secret", 12345678),
            ("mailbox_id", -1), ("mailbox_id", "1"),
            ("default_language", "de"), ("default_language", "EN"),
            ("logo_url", "javascript:alert(1)"), ("logo_url", "https://x/a b.png"),
            ("logo_url", 'https://x/"onerror=alert(1)'), ("logo_url", "ftp://x/logo"),
            ("logo_url", "http://cdn.shop.example/logo.png"),
            ("accent_color", "red"), ("accent_color", "#12345g"), ("accent_color", "#1234567"),
            ("accent_color", "#12345"),
            ("return_window_days", -1), ("return_window_days", 366),
            ("return_window_days", 1.5), ("return_window_days", "30"),
            ("cancel_window_hours", 721), ("cancel_window_hours", True),
            ("widget_origins", "https://shop.example"),
            ("widget_origins", ["https://shop.example/path"]),
            ("widget_origins", ["shop.example"]), ("widget_origins", [5]),
            ("widget_origins", ["https://a.example"] * 21),
            ("widget_origins", ["javascript://x"]),
        ]
        for field, value in cases:
            with self.subTest(field=field, value=value):
                body = {"slug": unique("s").lower().replace("_", "-"), "name": "Shop"}
                body[field] = value
                r = self.as_admin("POST", "/api/v1/stores", body)
                err = self.expect_error(r, 422, "validation_failed")
                self.assertIn(field, err["message"])
        r = self.as_admin("POST", "/api/v1/stores", {"name": "no slug"})
        self.assertIn("slug", self.expect_error(r, 422, "validation_failed")["message"])
        r = self.as_admin("POST", "/api/v1/stores", {"slug": unique("s").lower()})
        self.assertIn("name", self.expect_error(r, 422, "validation_failed")["message"])

    def test_bad_bodies(self):
        s = self.create()
        for method, path in (("POST", "/api/v1/stores"),
                             ("PATCH", "/api/v1/stores/%d" % s["id"])):
            valid = {"name": "Bad Body Shop"}
            if method == "POST":
                valid = {"name": "Bad Body Shop", "slug": unique("b").lower()}
            refuse_bad_bodies(self, method, path, self.admin, valid,
                              {"name": [5, None if method == "POST" else [], {}],
                               "platform": [1, ["shopify"]]})

    def test_agents_and_strangers_are_refused(self):
        s = self.create()
        for method, path, body in (("GET", "/api/v1/stores", None),
                                   ("POST", "/api/v1/stores", {"slug": "x", "name": "x"}),
                                   ("GET", "/api/v1/stores/%d" % s["id"], None),
                                   ("PATCH", "/api/v1/stores/%d" % s["id"], {"name": "Taken"}),
                                   ("DELETE", "/api/v1/stores/%d" % s["id"], None)):
            with self.subTest(method=method, path=path):
                self.expect_error(self.as_agent(method, path, body), 403, "forbidden")
                self.expect_error(self.req(method, path, body), 401, "unauthorized")
        got = self.expect(self.as_admin("GET", "/api/v1/stores/%d" % s["id"]), 200)["store"]
        self.assertEqual(got, s, "nothing changed")


if __name__ == "__main__":
    unittest.main()
