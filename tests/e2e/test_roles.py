"""Every route against every kind of caller: no credentials and a garbage
token get 401 everywhere but the public routes; an agent gets 403 on the
admin routes and the admin-only data stays unchanged."""

import re
import unittest

from harness import E2ETestCase, unique
from test_mail import dsn

PUBLIC, AGENT, ADMIN = "public", "agent", "admin"

# (method, path template, access, body). {ticket} {customer} {user} {token}
# {webhook} {macro} {view} are filled with real ids, so only the caller can be the reason
# for a refusal.
ROUTES = [
    ("GET", "/healthz", PUBLIC, None),
    ("GET", "/metrics", ADMIN, None),
    ("GET", "/api/v1/openapi.json", PUBLIC, None),
    ("POST", "/api/v1/auth/login", PUBLIC, None),
    ("POST", "/api/v1/auth/logout", AGENT, None),
    ("GET", "/api/v1/auth/me", AGENT, None),
    ("GET", "/api/v1/users", ADMIN, None),
    ("GET", "/api/v1/agents", AGENT, None),
    ("POST", "/api/v1/users", ADMIN, lambda: {"email": unique("r") + "@example.com",
                                              "name": "Role Test", "role": "admin",
                                              "password": "password-123"}),
    ("PATCH", "/api/v1/users/{user}", ADMIN, lambda: {"name": unique("renamed")}),
    ("GET", "/api/v1/tokens", ADMIN, None),
    ("POST", "/api/v1/tokens", ADMIN, lambda: {"name": "sneaky"}),
    ("DELETE", "/api/v1/tokens/{token}", ADMIN, None),
    ("GET", "/api/v1/tickets", AGENT, None),
    ("GET", "/api/v1/tickets/counts", AGENT, None),
    ("POST", "/api/v1/tickets", AGENT, lambda: {"subject": "roles", "body": "b",
                                                "customer": {"email": "roles@shop.example"}}),
    ("GET", "/api/v1/tickets/{ticket}", AGENT, None),
    ("PATCH", "/api/v1/tickets/{ticket}", AGENT, lambda: {"priority": "high"}),
    ("GET", "/api/v1/tickets/{ticket}/messages", AGENT, None),
    ("POST", "/api/v1/tickets/{ticket}/messages", AGENT, lambda: {"body": "x", "kind": "note"}),
    ("GET", "/api/v1/tickets/{ticket}/events", AGENT, None),
    ("GET", "/api/v1/tickets/{ticket}/wismo", AGENT, None),
    ("GET", "/api/v1/reports/wismo", AGENT, None),
    ("GET", "/api/v1/customers", AGENT, None),
    ("POST", "/api/v1/customers", AGENT, lambda: {"name": "Role Customer"}),
    ("GET", "/api/v1/customers/{customer}", AGENT, None),
    ("PATCH", "/api/v1/customers/{customer}", AGENT, lambda: {"name": "Renamed"}),
    ("GET", "/api/v1/search?q=lamp", AGENT, None),
    ("GET", "/api/v1/webhooks", ADMIN, None),
    ("POST", "/api/v1/webhooks", ADMIN, lambda: {"url": "http://127.0.0.1:9/x", "events": ["*"]}),
    ("GET", "/api/v1/webhooks/{webhook}", ADMIN, None),
    ("DELETE", "/api/v1/webhooks/{webhook}", ADMIN, None),
    ("GET", "/api/v1/webhooks/{webhook}/deliveries", ADMIN, None),
    # a 200 stream is answered with its status and headers only (see harness.req)
    ("GET", "/api/v1/stream", AGENT, None),
    ("GET", "/api/v1/tickets/{ticket}/presence", AGENT, None),
    ("POST", "/api/v1/tickets/{ticket}/presence", AGENT, lambda: {"state": "viewing"}),
    ("GET", "/api/v1/macros", AGENT, None),
    ("POST", "/api/v1/macros", ADMIN, lambda: {"title": unique("role"), "body": "b"}),
    ("PATCH", "/api/v1/macros/{macro}", ADMIN, lambda: {"title": unique("renamed")}),
    ("DELETE", "/api/v1/macros/{macro}", ADMIN, None),
    ("GET", "/api/v1/views", AGENT, None),
    ("POST", "/api/v1/views", AGENT, lambda: {"name": unique("view"),
                                              "filters": {"status": "open"}}),
    ("DELETE", "/api/v1/views/{view}", AGENT, None),
    ("POST", "/api/v1/attachments?filename=roles.txt", AGENT, lambda: b"a file"),
    ("GET", "/api/v1/attachments/{attachment}", AGENT, None),
    ("GET", "/api/v1/messages/{email}/raw", AGENT, None),
    # each call first bounces the reply, so that there is an email to send again
    ("POST", "/api/v1/messages/{reply}/resend", AGENT, lambda: RolesTest.bounce_reply()),
    ("POST", "/api/v1/mail/inbound", ADMIN, lambda: (
        "From: Roles <roles-%s@shop.example>\r\nSubject: roles\r\n\r\nhello\r\n"
        % unique()).encode()),
    ("GET", "/api/v1/mailboxes", ADMIN, None),
    ("POST", "/api/v1/mailboxes", ADMIN, lambda: {"address": unique("box") + "@shop.example"}),
    ("GET", "/api/v1/mailboxes/{mailbox}", ADMIN, None),
    ("PATCH", "/api/v1/mailboxes/{mailbox}", ADMIN, lambda: {"name": unique("renamed")}),
    ("DELETE", "/api/v1/mailboxes/{mailbox}", ADMIN, None),
    ("GET", "/api/v1/stores", ADMIN, None),
    ("POST", "/api/v1/stores", ADMIN, lambda: {"slug": unique("shop").lower().replace("_", "-"),
                                               "name": "Role Shop"}),
    ("GET", "/api/v1/stores/{store}", ADMIN, None),
    ("PATCH", "/api/v1/stores/{store}", ADMIN, lambda: {"name": unique("renamed")}),
    ("DELETE", "/api/v1/stores/{store}", ADMIN, None),
    ("PUT", "/api/v1/stores/{shop_slug}/orders/{order_external}", ADMIN, lambda: {
        "number": "R-1", "currency": "EUR", "total": "1.00",
        "placed_at": "2026-12-01T10:00:00+01:00", "financial_status": "paid",
        "shipments": [{"external_id": "roles-shp", "status": "shipped"}]}),
    ("GET", "/api/v1/orders", AGENT, None),
    ("GET", "/api/v1/orders/{order}", AGENT, None),
    ("GET", "/api/v1/orders/{order}/events", AGENT, None),
    ("POST", "/api/v1/shipments/{shipment}/events", ADMIN, lambda: {
        "status": "in_transit", "at": "2026-12-02T09:00:00+01:00"}),
    # signed by the store's secret instead of a token (test_hooks.py)
    ("POST", "/hooks/shopify/{shop_slug}", PUBLIC, None),
    ("POST", "/hooks/woocommerce/{shop_slug}", PUBLIC, None),
    ("GET", "/track/{shop_slug}", PUBLIC, None),
    ("POST", "/track/{shop_slug}", PUBLIC, None),
    ("GET", "/track/{shop_slug}/{token}", PUBLIC, None),
    ("GET", "/", PUBLIC, None),
    ("GET", "/static/*", PUBLIC, None),
]

GARBAGE = ["Bearer garbage", "Bearer dsk_" + "f" * 64, "Bearer " + "A" * 500, "Token abc",
           "Bearer", "Bearer  ", "Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4tcGFzc3dvcmQtMQ=="]


class RolesTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        req = cls.server.req
        t = req("POST", "/api/v1/tickets", {"subject": "roles", "body": "b",
                                            "customer": {"email": "roles@shop.example"}},
                token=cls.agent).body["ticket"]
        w = req("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/x",
                                             "events": ["ticket.updated"]},
                token=cls.admin).body["webhook"]
        tok = req("POST", "/api/v1/tokens", {"name": "keep me"}, token=cls.admin).body
        cls.token_secret = tok["token"]
        m = req("POST", "/api/v1/macros", {"title": "roles", "body": "b"},
                token=cls.admin).body["macro"]
        v = req("POST", "/api/v1/views", {"name": "roles", "filters": {}},
                token=cls.agent).body["view"]
        f = req("POST", "/api/v1/attachments?filename=roles.txt", raw=b"shared file",
                token=cls.agent).body["attachment"]
        req("POST", "/api/v1/tickets/%d/messages" % t["id"],
            {"body": "with a file", "kind": "note", "attachment_ids": [f["id"]]}, token=cls.agent)
        mail = req("POST", "/api/v1/mail/inbound", token=cls.admin,
                   raw=b"From: Roles <roles-mail@shop.example>\r\nSubject: roles mail\r\n"
                       b"Message-ID: <roles-setup@shop.example>\r\n\r\nhello\r\n").body
        box = req("POST", "/api/v1/mailboxes", {"address": "roles-box@shop.example"},
                  token=cls.admin).body["mailbox"]
        shop = req("POST", "/api/v1/stores", {"slug": "roles-shop", "name": "Roles Shop"},
                   token=cls.admin).body["store"]
        order = req("PUT", "/api/v1/stores/roles-shop/orders/roles-1", {
            "number": "R-1", "currency": "EUR", "total": "1.00",
            "placed_at": "2026-12-01T10:00:00+01:00",
            "shipments": [{"external_id": "roles-shp", "status": "shipped"}]},
            token=cls.admin).body["order"]
        reply = req("POST", "/api/v1/tickets/%d/messages" % mail["ticket_id"],
                    {"body": "answer", "kind": "reply"}, token=cls.agent).body["message"]
        cls.reply_mail_id = reply["mail_message_id"]
        cls.fill = {"ticket": t["id"], "customer": t["customer_id"], "user": cls.agent_id,
                    "token": tok["id"], "webhook": w["id"], "macro": m["id"], "view": v["id"],
                    "attachment": f["id"], "email": mail["message_id"], "mailbox": box["id"],
                    "reply": reply["id"], "store": shop["id"], "order": order["id"],
                    "shipment": order["shipments"][0]["id"],
                    "order_external": "roles-1", "shop_slug": shop["slug"]}

    @classmethod
    def bounce_reply(cls):
        r = cls.server.req("POST", "/api/v1/mail/inbound", token=cls.admin,
                           raw=dsn(cls.reply_mail_id))
        if r.status != 201:
            raise AssertionError("bouncing the reply: %r" % (r,))
        return {}

    def path(self, template):
        return re.sub(r"\{(\w+)\}", lambda m: str(self.fill[m.group(1)]), template)

    def call(self, method, template, body, **kw):
        payload = body() if body else None
        if method in ("POST", "PATCH") and payload is None:
            payload = {}
        if isinstance(payload, bytes):  # a file or an email, sent as it is
            return self.req(method, self.path(template), raw=payload, **kw)
        return self.req(method, self.path(template), payload, **kw)

    def test_no_credentials_is_401(self):
        for method, template, access, body in ROUTES:
            if access == PUBLIC:
                continue
            with self.subTest(route="%s %s" % (method, template)):
                self.expect_error(self.call(method, template, body), 401, "unauthorized")

    def test_garbage_token_is_401(self):
        for method, template, access, body in ROUTES:
            if access == PUBLIC:
                continue
            for auth in GARBAGE:
                with self.subTest(route="%s %s" % (method, template), auth=auth[:20]):
                    r = self.call(method, template, body, headers={"Authorization": auth})
                    self.expect_error(r, 401, "unauthorized")

    def test_garbage_cookie_is_401(self):
        for method, template, access, body in ROUTES:
            if access == PUBLIC:
                continue
            with self.subTest(route="%s %s" % (method, template)):
                r = self.call(method, template, body, cookie="deskd_session=forged",
                              headers={"X-CSRF-Token": "forged"})
                self.expect_error(r, 401, "unauthorized")

    def admin_state(self):
        get = lambda path, key: self.as_admin("GET", path).body[key]
        return {"users": get("/api/v1/users", "users"), "tokens": get("/api/v1/tokens", "tokens"),
                "webhooks": get("/api/v1/webhooks", "webhooks"),
                "mailboxes": get("/api/v1/mailboxes", "mailboxes")}

    def test_agent_on_admin_routes_is_403(self):
        before = self.admin_state()
        for method, template, access, body in ROUTES:
            if access != ADMIN:
                continue
            with self.subTest(route="%s %s" % (method, template)):
                r = self.call(method, template, body, token=self.agent)
                self.expect_error(r, 403, "forbidden")
        # nothing the agent tried happened
        after = self.admin_state()
        after["tokens"] = [dict(t, last_used_at=None) for t in after["tokens"]]
        before["tokens"] = [dict(t, last_used_at=None) for t in before["tokens"]]
        self.assertEqual(after, before)
        self.expect(self.req("GET", "/api/v1/auth/me", token=self.token_secret), 200,
                    "the agent revoked a token")

    def test_agent_on_agent_routes_is_allowed(self):
        for method, template, access, body in ROUTES:
            if access != AGENT or template.endswith("logout"):
                continue
            with self.subTest(route="%s %s" % (method, template)):
                r = self.call(method, template, body, token=self.agent)
                self.assertIn(r.status, (200, 201, 204), r)

    def test_admin_everywhere(self):
        for method, template, access, body in ROUTES:
            if access == PUBLIC or method == "DELETE" or template.endswith("logout"):
                continue
            with self.subTest(route="%s %s" % (method, template)):
                r = self.call(method, template, body, token=self.admin)
                self.assertIn(r.status, (200, 201, 204), r)

    def test_public_routes_need_nothing(self):
        self.expect(self.req("GET", "/healthz"), 200)
        self.expect(self.req("GET", "/api/v1/openapi.json"), 200)
        r = self.req("POST", "/api/v1/auth/login", {"email": "agent@example.com",
                                                     "password": "agent-password-1"})
        self.expect(r, 200)
        r = self.req("POST", "/api/v1/auth/login", {"email": "agent@example.com",
                                                     "password": "agent-password-1"},
                     headers={"Authorization": "Bearer garbage"})
        self.assertIn(r.status, (200, 401), r)

    def test_table_covers_every_documented_route(self):
        """New routes must join this table (and so get their 401/403 tests)."""
        doc = self.req("GET", "/api/v1/openapi.json").body
        norm = lambda p: re.sub(r"\{[^}]*\}", "{}", p.split("?")[0])
        table = {(m, norm(p)) for m, p, _, _ in ROUTES}
        documented = set()
        for path, ops in doc.get("paths", {}).items():
            for method in ops:
                if method.lower() in ("get", "post", "patch", "put", "delete"):
                    documented.add((method.upper(), norm(path)))
        self.assertTrue(documented, "openapi.json lists no operations")
        self.assertEqual(documented - table, set(), "routes without role tests")


if __name__ == "__main__":
    unittest.main()
