"""Hostile and broken input on every body-bearing endpoint and on paths:
each gets a clear 4xx, nothing is lost or mangled, the server stays up."""

import json
import unittest

from harness import E2ETestCase, unique

MiB = 1024 * 1024


class BadInputTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.req("POST", "/api/v1/tickets",
                           {"subject": "target", "body": "b",
                            "customer": {"email": "target@shop.example"}}, token=cls.agent)
        assert r.status == 201, r
        cls.ticket = r.body["ticket"]["id"]
        cls.customer = r.body["ticket"]["customer_id"]
        # every endpoint that takes a JSON body: (method, path, token, wrong-typed fields)
        cls.endpoints = [
            ("POST", "/api/v1/auth/login", None,
             {"email": 5, "password": ["x"]}),
            ("POST", "/api/v1/users", cls.admin,
             {"email": 5, "name": {"x": 1}, "role": 1, "password": 12345678}),
            ("PATCH", "/api/v1/users/%d" % cls.agent_id, cls.admin,
             {"name": 5, "role": ["agent"], "active": "yes", "password": 123456789}),
            ("POST", "/api/v1/tokens", cls.admin, {"name": 5, "user_id": "2"}),
            ("POST", "/api/v1/tickets", cls.agent,
             {"subject": 5, "body": ["b"], "customer": "c@x.example", "channel": 1,
              "priority": 2, "tags": "a", "assignee_id": "1"}),
            ("PATCH", "/api/v1/tickets/%d" % cls.ticket, cls.agent,
             {"status": 1, "priority": [], "assignee_id": "1", "tags": "x", "subject": 5}),
            ("POST", "/api/v1/tickets/%d/messages" % cls.ticket, cls.agent,
             {"body": 5, "kind": 1, "html": ["x"]}),
            ("POST", "/api/v1/customers", cls.agent,
             {"name": 5, "email": [], "identities": "phone"}),
            ("PATCH", "/api/v1/customers/%d" % cls.customer, cls.agent,
             {"name": 5, "identities": {"type": "phone"}}),
            ("POST", "/api/v1/webhooks", cls.admin,
             {"url": 5, "events": "*", "secret": 5}),
        ]
        cls.valid = {
            "/api/v1/auth/login": {"email": "nobody@example.com", "password": "x" * 10},
            "/api/v1/users": {"email": "v@example.com", "name": "V", "role": "agent",
                              "password": "password-1"},
            "/api/v1/tokens": {"name": "t"},
            "/api/v1/tickets": {"subject": "s", "body": "b",
                                "customer": {"email": "v@shop.example"}},
            "/api/v1/customers": {"name": "n"},
            "/api/v1/webhooks": {"url": "http://127.0.0.1:9/", "events": ["*"]},
            "/api/v1/tickets/%d/messages" % cls.ticket: {"body": "b"},
        }

    def tearDown(self):
        r = self.req("GET", "/healthz")
        self.assertEqual(r.status, 200, "the server is not healthy after this test: %r" % (r,))

    def send(self, method, path, token, raw, content_type="application/json"):
        return self.req(method, path, token=token, raw=raw,
                        headers={"Content-Type": content_type})

    def send_big(self, method, path, token, raw):
        """Sends a body the server may refuse before reading it all; the
        answer is read while sending so an early 413 is not lost to a reset."""
        head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\nConnection: close\r\n%s\r\n"
                % (method, path, len(raw),
                   "Authorization: Bearer %s\r\n" % token if token else "")).encode()
        chunks = [raw[i:i + 65536] for i in range(0, len(raw), 65536)]
        status, data = self.server.raw_request(head, chunks)
        body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
        try:
            body = json.loads(body.decode("utf-8"))
        except ValueError:
            pass
        return status, body, data

    def assert_413(self, method, path, token, raw):
        status, body, data = self.send_big(method, path, token, raw)
        self.assertEqual(status, 413, data[:400])
        self.assertIsInstance(body, dict, data[:400])
        self.assertEqual(body["error"]["code"], "payload_too_large", body)
        self.assertTrue(body["error"]["message"])

    def assert_json_error(self, r, statuses):
        self.assertIn(r.status, statuses, r)
        self.assertIsInstance(r.body, dict, "error is not JSON: %r" % (r,))
        self.assertIsInstance(r.body.get("error", {}).get("code"), str, r)
        self.assertIsInstance(r.body["error"].get("message"), str, r)
        return r.body["error"]

    def test_malformed_json(self):
        for method, path, token, _ in self.endpoints:
            for raw in (b'{"name": ', b'{"name": "x"', b'{"name" "x"}', b"{'name': 'x'}",
                        b'{"name": "x",}', b"{,}", b"nul", b"", b"   ", b'{"a":1}{"b":2}',
                        b'{"a": "\\x"}', b'{"a": tru}', b"{]"):
                with self.subTest(route="%s %s" % (method, path), raw=raw):
                    r = self.send(method, path, token, raw)
                    err = self.assert_json_error(r, (400,))
                    self.assertEqual(err["code"], "invalid_json", r)
                    self.assertIsInstance(err.get("position"), int, r)
                    self.assertTrue(0 <= err["position"] <= len(raw), r)

    def test_truncated_json_position(self):
        raw = b'{"subject": "Where is my order", "body": "th'
        r = self.send("POST", "/api/v1/tickets", self.agent, raw)
        err = self.expect_error(r, 400, "invalid_json")
        self.assertIn(err.get("position"), (len(raw) - 1, len(raw)), r)
        raw = b'{"subject": "ok", "body": "b", oops}'
        r = self.send("POST", "/api/v1/tickets", self.agent, raw)
        err = self.expect_error(r, 400, "invalid_json")
        # the position points into the offending token
        start = raw.index(b"oops")
        self.assertIn(err.get("position"), range(start, start + len(b"oops") + 1), r)

    def test_json_that_is_not_an_object(self):
        for method, path, token, _ in self.endpoints:
            for raw in (b"[1, 2]", b'"a string"', b"42", b"null", b"true", b"[]",
                        b'[{"name": "x"}]'):
                with self.subTest(route="%s %s" % (method, path), raw=raw):
                    r = self.send(method, path, token, raw)
                    self.assert_json_error(r, (400, 422))

    def test_wrong_types_per_field(self):
        for method, path, token, fields in self.endpoints:
            base = self.valid.get(path, {})
            for field, value in fields.items():
                with self.subTest(route="%s %s" % (method, path), field=field):
                    body = dict(base)
                    body[field] = value
                    r = self.req(method, path, body, token=token)
                    if path.endswith("/login"):
                        self.assertIn(r.status, (401, 422), r)  # no account can match
                        self.assert_json_error(r, (401, 422))
                        continue
                    err = self.expect_error(r, 422, "validation_failed")
                    self.assertIn(field.split("_")[0], err["message"])

    def test_invalid_utf8_has_position(self):
        cases = [b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                 b"\xe4\xb8", b"\x80", b"\xfe\xfe"]
        for method, path, token, _ in self.endpoints:
            for bad in cases:
                prefix = b'{"name": "ab'
                raw = prefix + bad + b'cd"}'
                with self.subTest(route="%s %s" % (method, path), bad=bad):
                    r = self.send(method, path, token, raw)
                    err = self.expect_error(r, 400, "invalid_json")
                    self.assertEqual(err.get("position"), len(prefix),
                                     "position must point at the first bad byte: %r" % (r,))
        # bad bytes outside a string are invalid too
        r = self.send("POST", "/api/v1/tickets", self.agent, b'{"subject": "x"}\xff')
        self.expect_error(r, 400, "invalid_json")

    def test_invalid_utf8_is_not_stored(self):
        before = len(self.list_all())
        raw = b'{"subject": "\xc3\x28", "body": "b", "customer": {"email": "u@shop.example"}}'
        self.expect_error(self.send("POST", "/api/v1/tickets", self.agent, raw), 400,
                          "invalid_json")
        self.assertEqual(len(self.list_all()), before)

    def test_nul_and_escapes(self):
        r = self.as_agent("POST", "/api/v1/tickets",
                          {"subject": "nul \u0000 inside", "body": "b",
                           "customer": {"email": "nul@shop.example"}})
        self.assertIn(r.status, (201, 400, 422), r)
        if r.status == 201:
            self.assertEqual(r.body["ticket"]["subject"], "nul \u0000 inside")
        else:
            self.assert_json_error(r, (400, 422))
        # escaped surrogate pairs are fine; a lone surrogate is not text
        r = self.send("POST", "/api/v1/tickets", self.agent,
                      b'{"subject": "\\ud83d\\ude00 ok", "body": "b", '
                      b'"customer": {"email": "emoji@shop.example"}}')
        self.expect(r, 201)
        self.assertEqual(r.body["ticket"]["subject"], "\U0001F600 ok")
        r = self.send("POST", "/api/v1/tickets", self.agent,
                      b'{"subject": "\\ud83d lone", "body": "b", '
                      b'"customer": {"email": "emoji@shop.example"}}')
        self.assert_json_error(r, (400, 422))

    def test_deep_nesting_and_huge_numbers(self):
        deep = b'{"subject": ' + b"[" * 100000 + b"]" * 100000 + b"}"
        r = self.send("POST", "/api/v1/tickets", self.agent, deep)
        self.assert_json_error(r, (400, 422))
        for raw in (b'{"subject":"s","body":"b","customer":{"email":"n@shop.example"},'
                    b'"assignee_id": 99999999999999999999999}',
                    b'{"subject":"s","body":"b","customer":{"email":"n@shop.example"},'
                    b'"assignee_id": 1e400}',
                    b'{"subject":"s","body":"b","customer":{"email":"n@shop.example"},'
                    b'"assignee_id": -1}',
                    b'{"subject":"s","body":"b","customer":{"email":"n@shop.example"},'
                    b'"assignee_id": 1.5}'):
            with self.subTest(raw=raw[-30:]):
                self.assert_json_error(self.send("POST", "/api/v1/tickets", self.agent, raw),
                                       (400, 422))

    def test_two_mib_body_is_413(self):
        for method, path, token, _ in self.endpoints:
            with self.subTest(route="%s %s" % (method, path)):
                self.assert_413(method, path, token, b'{"name": "' + b"a" * (2 * MiB) + b'"}')

    def test_limit_is_one_mib(self):
        for size, want_413 in ((MiB, False), (MiB + 1, True)):
            with self.subTest(size=size):
                pad = size - len(b'{"subject": "", "body": "b", "customer": {"email": "l@x.example"}}')
                raw = (b'{"subject": "' + b"s" * pad
                       + b'", "body": "b", "customer": {"email": "l@x.example"}}')
                self.assertEqual(len(raw), size)
                if want_413:
                    self.assert_413("POST", "/api/v1/tickets", self.agent, raw)
                else:
                    r = self.send("POST", "/api/v1/tickets", self.agent, raw)
                    # too long a subject, but read and judged, not cut off
                    self.expect_error(r, 422, "validation_failed")

    def test_chunked_body_over_limit_is_413(self):
        head = ("POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % self.agent).encode()
        piece = b"a" * 65536
        chunks = [b'b\r\n{"name": "a\r\n'] + [b"%x\r\n%s\r\n" % (len(piece), piece)] * 32 \
            + [b'2\r\n"}\r\n0\r\n\r\n']
        status, data = self.server.raw_request(head, chunks)
        self.assertEqual(status, 413, data[:300])
        self.assertIn(b"payload_too_large", data)

    def test_declared_length_over_limit_is_413_early(self):
        """A client that says 2 MiB is refused without sending it all."""
        head = ("POST /api/v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n"
                % (self.agent, 2 * MiB)).encode()
        status, data = self.server.raw_request(head, [b'{"name": "' + b"a" * 1000], timeout=10)
        self.assertEqual(status, 413, data[:300])

    def test_refused_callers_are_answered_before_their_body(self):
        """A caller who may not use a route cannot make deskd hold a 30 MiB
        upload: the 401 or 403 comes on the headers, the body is never read."""
        for who, expect in ((None, 401), (self.agent, 403)):
            with self.subTest(caller="agent" if who else "nobody"):
                path = "/api/v1/mail/inbound" if who else "/api/v1/attachments?filename=a"
                head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
                        "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n"
                        % (path, "Authorization: Bearer %s\r\n" % who if who else "",
                           30 * MiB)).encode()
                status, data = self.server.raw_request(head, [b"x" * 1000], timeout=10)
                self.assertEqual(status, expect, data[:300])
                if expect == 401:
                    self.assertIn(b"WWW-Authenticate: Bearer", data)

    def test_wrong_content_type_is_415(self):
        for method, path, token, _ in self.endpoints:
            body = json.dumps(self.valid.get(path, {"name": "x"})).encode()
            for ctype in ("text/plain", "application/x-www-form-urlencoded",
                          "multipart/form-data; boundary=x", "application/xml", "text/json",
                          "application/jsonx", None):
                with self.subTest(route="%s %s" % (method, path), ctype=ctype):
                    r = self.req(method, path, token=token, raw=body,
                                 headers={"Content-Type": ctype})
                    self.expect_error(r, 415, "unsupported_media_type")

    def test_json_with_charset_is_accepted(self):
        for ctype in ("application/json; charset=utf-8", "Application/JSON",
                      "application/json;charset=UTF-8"):
            with self.subTest(ctype=ctype):
                r = self.req("POST", "/api/v1/customers", token=self.agent,
                             raw=json.dumps({"name": "Charset " + unique()}).encode(),
                             headers={"Content-Type": ctype})
                self.expect(r, 201)

    def test_sql_metacharacters_are_stored_verbatim(self):
        nasty = ["'; DROP TABLE tickets; --", "Robert'); DROP TABLE customers;--",
                 "\" OR 1=1 --", "1; SELECT * FROM users", "%_\\' \\\" `ls`", "$1 $2 ?1 :name @x",
                 "' UNION SELECT password_hash FROM users --"]
        for s in nasty:
            with self.subTest(s=s):
                t = self.new_ticket(subject=s, body=s, customer={"email": unique("q") + "@x.example",
                                                                 "name": s},
                                    tags=["x';--", "o'reilly"])
                self.assertEqual(t["subject"], s)
                self.assertEqual(t["tags"], sorted(["x';--", "o'reilly"]))
                got = self.as_agent("GET", "/api/v1/tickets/%d" % t["id"]).body["ticket"]
                self.assertEqual(got["subject"], s)
                msgs = self.as_agent("GET", "/api/v1/tickets/%d/messages" % t["id"]).body
                self.assertEqual(msgs["messages"][0]["body"], s)
                cust = self.as_agent("GET", "/api/v1/customers/%d" % t["customer_id"]).body
                self.assertEqual(cust["customer"]["name"], s)
                r = self.as_agent("POST", "/api/v1/tickets/%d/messages" % t["id"],
                                  {"body": s, "kind": "note"})
                self.expect(r, 201)
                self.assertEqual(r.body["message"]["body"], s)
                r = self.as_agent("GET", "/api/v1/tickets?tag=" + "x%27%3B--")
                self.expect(r, 200)
                self.assertIn(t["id"], [x["id"] for x in r.body["tickets"]])
        # the tables are all still there
        self.expect(self.as_agent("GET", "/api/v1/tickets"), 200)
        self.expect(self.as_agent("GET", "/api/v1/customers"), 200)
        self.expect(self.as_admin("GET", "/api/v1/users"), 200)
        self.expect(self.as_agent("GET", "/api/v1/search?q=" + "DROP"), 200)

    def test_path_tricks(self):
        paths = ["/api/v1/tickets/../users", "/api/v1/tickets/..%2fusers",
                 "/api/v1/tickets/%2e%2e/users", "/api/v1/tickets/1%00", "/api/v1/tickets/%00",
                 "/api/v1/tickets/-1", "/api/v1/tickets/0", "/api/v1/tickets/+1",
                 "/api/v1/tickets/1abc", "/api/v1/tickets/0x10", "/api/v1/tickets/1.0",
                 "/api/v1/tickets/1e3", "/api/v1/tickets/%201",
                 "/api/v1/tickets/99999999999999999999", "/api/v1/tickets/9223372036854775807",
                 "/api/v1/tickets/9223372036854775808", "/api/v1/tickets/18446744073709551616",
                 "/api/v1/tickets/" + "9" * 4000, "/api/v1/tickets/-9223372036854775808",
                 "/api/v1/tickets/99999999999999999999/messages",
                 "/api/v1/tickets/99999999999999999999/events",
                 "/api/v1/customers/99999999999999999999", "/api/v1/customers/-1",
                 "/api/v1/webhooks/99999999999999999999/deliveries",
                 "/api/v1/tickets/%d/../../users" % self.ticket,
                 "/api/v1/tickets/%d/" % self.ticket + "x" * 5000, "/api/v1//tickets/1",
                 "/api/v1/tickets/1;drop", "/api/v1/tickets/%ff%fe", "/api/v1/%E2%80%AE"]
        for path in paths:
            for token in (self.admin, self.agent):
                with self.subTest(path=path[:80], who="admin" if token == self.admin else "agent"):
                    self.setUp()  # a request that killed deskd must not fail the next ones
                    r = self.req("GET", path, token=token)
                    self.assertIn(r.status, (400, 404), r)
                    self.assert_json_error(r, (400, 404))
        for path in ("/api/v1/tickets/99999999999999999999", "/api/v1/tickets/-1",
                     "/api/v1/customers/99999999999999999999", "/api/v1/users/-1",
                     "/api/v1/users/99999999999999999999"):
            for method in ("PATCH", "POST"):
                with self.subTest(method=method, path=path):
                    self.setUp()
                    r = self.req(method, path, {"name": "x"}, token=self.admin)
                    self.assertIn(r.status, (400, 404, 405), r)
                    self.assert_json_error(r, (400, 404, 405))

    def test_huge_ids_in_bodies_and_queries(self):
        for q in ("customer=99999999999999999999", "assignee=99999999999999999999",
                  "customer=-1", "limit=18446744073709551617", "updated_since=9999-99-99",
                  "cursor=" + "A" * 5000):
            with self.subTest(q=q):
                r = self.as_agent("GET", "/api/v1/tickets?" + q)
                self.assertIn(r.status, (200, 400), r)
                if r.status != 200:
                    self.assert_json_error(r, (400,))
        r = self.as_agent("PATCH", "/api/v1/tickets/%d" % self.ticket,
                          {"assignee_id": 2 ** 63 - 1})
        self.expect_error(r, 422, "validation_failed")
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "x", "user_id": 2 ** 63 - 1})
        self.expect_error(r, 422, "validation_failed")

    def test_unknown_route_and_method(self):
        for path in ("/api/v1/nope", "/api/v2/tickets", "/nope", "/api/v1/tickets/1/nope"):
            with self.subTest(path=path):
                self.expect_error(self.as_agent("GET", path), 404, "not_found")
        for method, path in (("PUT", "/api/v1/tickets/%d" % self.ticket),
                             ("DELETE", "/api/v1/tickets/%d" % self.ticket),
                             ("POST", "/healthz"), ("PATCH", "/api/v1/tickets")):
            with self.subTest(method=method, path=path):
                r = self.req(method, path, {} if method != "DELETE" else None, token=self.agent)
                self.expect_error(r, 405, "method_not_allowed")
                # HEAD is answered wherever GET is, so it is allowed there too
                allowed = {"/healthz": "GET, HEAD", "/api/v1/tickets": "GET, HEAD, POST"}.get(
                    path, "GET, HEAD, PATCH")
                self.assertEqual(r.headers.get("Allow"), allowed, "a 405 says what is allowed")
        self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % self.ticket), 200,
                    "the refused DELETE must not remove the ticket")

    def test_405_allow_comes_from_the_route_table(self):
        """Allow names exactly the methods the path's routes take, each once,
        for public, agent and admin routes, without credentials too."""
        for method, path, allowed in (
                ("PUT", "/api/v1/tokens/7", "DELETE"),
                ("GET", "/api/v1/auth/login", "POST"),
                ("DELETE", "/api/v1/mailboxes", "GET, HEAD, POST"),
                ("POST", "/api/v1/mailboxes/3", "GET, HEAD, PATCH, DELETE"),
                ("PUT", "/api/v1/tickets/1/presence", "GET, HEAD, POST"),
                ("DELETE", "/static/x.js", "GET, HEAD"),
                ("BREW", "/api/v1/webhooks/1", "GET, HEAD, DELETE")):
            for token in (None, self.agent):
                with self.subTest(method=method, path=path, caller=bool(token)):
                    r = self.req(method, path, None, token=token)
                    self.expect_error(r, 405, "method_not_allowed")
                    self.assertEqual(r.headers.get_all("Allow"), [allowed])
                    self.assertIsNone(r.headers.get("WWW-Authenticate"),
                                      "a 405 comes before credentials are asked for")
        # a path that no route takes is 404 and names no methods
        r = self.req("PUT", "/api/v1/nope", None, token=self.agent)
        self.expect_error(r, 404, "not_found")
        self.assertIsNone(r.headers.get("Allow"))
        # answers other than 405 carry no Allow
        r = self.as_agent("GET", "/api/v1/tickets/%d" % self.ticket)
        self.expect(r, 200)
        self.assertIsNone(r.headers.get("Allow"))

    def test_garbage_headers(self):
        for headers in ({"Idempotency-Key": ""}, {"Idempotency-Key": "x" * 5000},
                        {"X-CSRF-Token": "\u00ff" * 10}, {"Cookie": "deskd_session=" + "a" * 8000},
                        {"Authorization": "Bearer " + "x" * 8000}):
            with self.subTest(headers={k: v[:20] for k, v in headers.items()}):
                r = self.as_agent("POST", "/api/v1/tickets",
                                  {"subject": "hdr", "body": "b",
                                   "customer": {"email": "h@shop.example"}}, headers=headers)
                self.assertLess(r.status, 500, r)
                if r.status >= 400:
                    self.assert_json_error(r, (r.status,))

    def test_server_still_healthy(self):
        r = self.req("GET", "/healthz")
        self.expect(r, 200)
        self.assertEqual(r.body, {"status": "ok", "db": "ok"})
        self.new_ticket()


if __name__ == "__main__":
    unittest.main()
