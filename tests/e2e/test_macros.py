"""Canned replies (macros): any agent lists them sorted by title, only admins
create, change and delete them; limits, 404s, CSRF and broken bodies.

refuse_bad_bodies() here is shared with test_views.py and test_live.py."""

import json
import time
import unittest

from harness import E2ETestCase, Session, ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_EMAIL, \
    AGENT_PASSWORD, parse_time, unique

MiB = 1024 * 1024
MACRO_FIELDS = {"id", "title", "body", "created_at", "updated_at"}

MALFORMED = [b'{"title": ', b'{"title": "x"', b'{"title" "x"}', b"{'title': 'x'}",
             b'{"title": "x",}', b"{,}", b"nul", b"", b"   ", b'{"a":1}{"b":2}',
             b'{"a": "\\x"}', b'{"a": tru}', b"{]"]
NOT_AN_OBJECT = [b"[]", b"[1, 2]", b'[{"title": "x"}]', b'"a string"', b"42", b"null", b"true"]


def refuse_bad_bodies(tc, method, path, token, valid, wrong_types):
    """Sends every kind of broken body to one route: each must get a JSON error
    with the documented 4xx (400 invalid_json / bad_request, 413, 415, 422
    validation_failed naming the field), never a 5xx.

    valid: a body the route would accept (its first string member is where bad
    bytes go); wrong_types: {field: [wrongly typed values]}."""
    text_field = next(k for k, v in valid.items() if isinstance(v, str))

    def send(raw, ctype="application/json"):
        return tc.req(method, path, token=token, raw=raw, headers={"Content-Type": ctype})

    def error_of(r, what):
        tc.assertLess(r.status, 500, "%s: %r" % (what, r))
        tc.assertIsInstance(r.body, dict, "%s: the error is not JSON: %r" % (what, r))
        err = r.body.get("error") or {}
        tc.assertIsInstance(err.get("code"), str, r)
        tc.assertTrue(err.get("message"), r)
        return err

    for raw in MALFORMED:
        with tc.subTest(route=path, malformed=raw):
            err = tc.expect_error(send(raw), 400, "invalid_json")
            tc.assertIsInstance(err.get("position"), int, err)
            tc.assertTrue(0 <= err["position"] <= len(raw), err)
    for raw in NOT_AN_OBJECT:
        with tc.subTest(route=path, not_an_object=raw):
            tc.expect_error(send(raw), 400, "bad_request")
    with tc.subTest(route=path, case="duplicate key"):
        v = json.dumps(valid[text_field])
        raw = ('{"%s": %s, "%s": %s}' % (text_field, v, text_field, v)).encode()
        tc.expect_error(send(raw), 400, "invalid_json")
    for bad in (b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"):
        with tc.subTest(route=path, invalid_utf8=bad):
            body = dict(valid)
            body[text_field] = "ab@@BAD@@cd"
            raw = json.dumps(body, ensure_ascii=False).encode()
            at = raw.index(b"@@BAD@@")
            raw = raw.replace(b"@@BAD@@", bad)
            err = tc.expect_error(send(raw), 400, "invalid_json")
            tc.assertEqual(err.get("position"), at, "position must name the first bad byte")
    for escape in (b"\\ud800 lone", b"nul \\u0000 inside"):
        with tc.subTest(route=path, escape=escape):
            body = dict(valid)
            body[text_field] = "@@ESC@@"
            raw = json.dumps(body).encode().replace(b"@@ESC@@", escape)
            r = send(raw)
            tc.assertIn(r.status, (400, 422), r)
            error_of(r, "escape")
    for field, values in wrong_types.items():
        for value in values:
            with tc.subTest(route=path, field=field, value=value):
                body = dict(valid)
                body[field] = value
                r = tc.req(method, path, body, token=token)
                err = tc.expect_error(r, 422, "validation_failed")
                tc.assertIn(field, err["message"])
    for extra in ({"colour": "red"}, {text_field.upper(): "x"}, {"id": 5}, {"": 1}):
        with tc.subTest(route=path, unknown=extra):
            r = tc.req(method, path, dict(valid, **extra), token=token)
            err = tc.expect_error(r, 422, "validation_failed")
            tc.assertIn("unknown field", err["message"])
    raw = json.dumps(valid).encode()
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; b=x",
                  "text/json", "application/jsonx", None):
        with tc.subTest(route=path, content_type=ctype):
            tc.expect_error(send(raw, ctype), 415, "unsupported_media_type")
    for size in (MiB + 1, 2 * MiB):
        with tc.subTest(route=path, size=size):
            prefix = b'{"' + text_field.encode() + b'": "'
            raw = prefix + b"a" * (size - len(prefix) - 2) + b'"}'
            head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n"
                    % (method, path, len(raw), token)).encode()
            status, data = tc.server.raw_request(head, [raw[i:i + 65536]
                                                        for i in range(0, len(raw), 65536)])
            tc.assertEqual(status, 413, data[:300])
            tc.assertIn(b'"payload_too_large"', data)
    tc.expect(tc.req("GET", "/healthz"), 200, "the server after bad bodies on " + path)


class MacrosTest(E2ETestCase):

    def create(self, title, body, token=None, expect=201):
        r = self.req("POST", "/api/v1/macros", {"title": title, "body": body},
                     token=token or self.admin)
        self.expect(r, expect, "create macro")
        return r.body["macro"] if expect == 201 else r

    def macros(self, token=None):
        r = self.req("GET", "/api/v1/macros", token=token or self.agent)
        self.expect(r, 200, "list macros")
        self.assertEqual(set(r.body), {"macros"}, r)
        return r.body["macros"]

    def by_id(self, mid, token=None):
        found = [m for m in self.macros(token) if m["id"] == mid]
        return found[0] if found else None

    def test_admin_creates_and_every_agent_reads(self):
        title = "Tracking link " + unique()
        body = ("Hi {{customer.first_name}}, here is your tracking link.\n"
                "주문하신 상품은 발송되었습니다 — “{{ticket.number}}” </script> ' OR 1=1 -- 🚚\n"
                "{{agent.name}}")
        m = self.create(title, body)
        self.assertEqual(set(m), MACRO_FIELDS, m)
        self.assertIsInstance(m["id"], int)
        self.assertEqual(m["title"], title)
        self.assertEqual(m["body"], body, "the body and its placeholders are kept verbatim")
        self.assertEqual(m["created_at"], m["updated_at"])
        self.assertLessEqual(abs(parse_time(m["created_at"]) - time.time()), 120)
        self.assertEqual(self.by_id(m["id"], self.agent), m, "an agent sees it")
        self.assertEqual(self.by_id(m["id"], self.admin), m, "the admin sees it")

    def test_list_is_sorted_by_title(self):
        p = unique("M")
        titles = [p + "-delta", p + "-alpha", p + "-charlie", p + "-bravo", p + "-alphabet"]
        ids = {self.create(t, "body of " + t)["id"]: t for t in titles}
        listed = self.macros()
        mine = [m["title"] for m in listed if m["id"] in ids]
        self.assertEqual(mine, sorted(titles))
        self.assertEqual(len(mine), len(titles))
        # the same title twice is allowed; both are listed
        twin = self.create(p + "-alpha", "the other alpha")
        again = [m["id"] for m in self.macros() if m["title"] == p + "-alpha"]
        self.assertEqual(sorted(again), sorted([i for i, t in ids.items() if t == p + "-alpha"]
                                               + [twin["id"]]))

    def test_title_and_body_limits_count_characters(self):
        before = self.macros()
        ok_title = "가" * 200
        m = self.create(ok_title, "é" * 20000)
        self.assertEqual(m["title"], ok_title)
        self.assertEqual(m["body"], "é" * 20000)
        self.assertEqual(self.by_id(m["id"])["body"], "é" * 20000)
        m2 = self.create("x", "y")
        self.assertEqual((m2["title"], m2["body"]), ("x", "y"))
        cases = [({"title": "a" * 201, "body": "b"}, "title"),
                 ({"title": "가" * 201, "body": "b"}, "title"),
                 ({"title": "t" * 100000, "body": "b"}, "title"),
                 ({"title": "", "body": "b"}, "title"),
                 ({"body": "b"}, "title"),
                 ({"title": None, "body": "b"}, "title"),
                 ({"title": "t", "body": "b" * 20001}, "body"),
                 ({"title": "t", "body": "😀" * 20001}, "body"),
                 ({"title": "t", "body": ""}, "body"),
                 ({"title": "t"}, "body"),
                 ({}, "title")]
        for body, field in cases:
            with self.subTest(body={k: (v[:20] if isinstance(v, str) else v)
                                    for k, v in body.items()}):
                err = self.expect_error(self.as_admin("POST", "/api/v1/macros", body), 422,
                                        "validation_failed")
                self.assertIn(field, err["message"])
        after = self.macros()
        self.assertEqual([x for x in after if x["id"] not in (m["id"], m2["id"])], before,
                         "a refused create must not leave a macro")

    def test_patch_changes_only_what_is_sent(self):
        m = self.create("Refund policy " + unique(), "We refund within 14 days.")
        time.sleep(1.1)
        r = self.as_admin("PATCH", "/api/v1/macros/%d" % m["id"], {"title": "Refunds 환불"})
        got = self.expect(r, 200)["macro"]
        self.assertEqual(set(got), MACRO_FIELDS)
        self.assertEqual(got["id"], m["id"])
        self.assertEqual(got["title"], "Refunds 환불")
        self.assertEqual(got["body"], m["body"], "the body was not sent, so it stays")
        self.assertEqual(got["created_at"], m["created_at"])
        self.assertGreater(parse_time(got["updated_at"]), parse_time(m["created_at"]))
        self.assertEqual(self.by_id(m["id"]), got)

        r = self.as_admin("PATCH", "/api/v1/macros/%d" % m["id"],
                          {"body": "Hi {{customer.name}}, refunds take 5 days."})
        got = self.expect(r, 200)["macro"]
        self.assertEqual(got["title"], "Refunds 환불")
        self.assertEqual(got["body"], "Hi {{customer.name}}, refunds take 5 days.")

        r = self.as_admin("PATCH", "/api/v1/macros/%d" % m["id"], {"title": "Both", "body": "B"})
        got = self.expect(r, 200)["macro"]
        self.assertEqual((got["title"], got["body"]), ("Both", "B"))

        r = self.as_admin("PATCH", "/api/v1/macros/%d" % m["id"], {})
        same = self.expect(r, 200)["macro"]
        self.assertEqual((same["title"], same["body"]), ("Both", "B"))

    def test_patch_validation_leaves_the_macro(self):
        m = self.create("Keep me " + unique(), "unchanged body")
        for body, field in (({"title": ""}, "title"), ({"title": "a" * 201}, "title"),
                            ({"title": 5}, "title"), ({"body": ""}, "body"),
                            ({"body": "b" * 20001}, "body"), ({"body": ["x"]}, "body"),
                            ({"title": "ok", "colour": "red"}, "colour")):
            with self.subTest(body={k: str(v)[:20] for k, v in body.items()}):
                r = self.as_admin("PATCH", "/api/v1/macros/%d" % m["id"], body)
                err = self.expect_error(r, 422, "validation_failed")
                self.assertIn(field, err["message"])
        self.assertEqual(self.by_id(m["id"]), m)

    def test_delete(self):
        keep = self.create("Neighbour " + unique(), "stays")
        m = self.create("Delete me " + unique(), "gone soon")
        r = self.as_admin("DELETE", "/api/v1/macros/%d" % m["id"])
        self.expect(r, 204)
        self.assertEqual(r.raw, b"")
        self.assertIsNone(self.by_id(m["id"]), "a deleted macro is not listed")
        self.assertEqual(self.by_id(keep["id"]), keep, "only that macro is deleted")
        self.expect_error(self.as_admin("PATCH", "/api/v1/macros/%d" % m["id"], {"title": "x"}),
                          404, "not_found")
        self.expect_error(self.as_admin("DELETE", "/api/v1/macros/%d" % m["id"]), 404,
                          "not_found")
        self.assertIsNone(self.by_id(m["id"]), "a PATCH must not bring it back")

    def test_unknown_macro_is_404(self):
        for mid in (987654, 2 ** 62):
            with self.subTest(id=mid):
                self.expect_error(self.as_admin("PATCH", "/api/v1/macros/%d" % mid,
                                                {"title": "x"}), 404, "not_found")
                self.expect_error(self.as_admin("DELETE", "/api/v1/macros/%d" % mid), 404,
                                  "not_found")
        for path in ("/api/v1/macros/0", "/api/v1/macros/-1", "/api/v1/macros/abc",
                     "/api/v1/macros/99999999999999999999"):
            with self.subTest(path=path):
                self.expect_error(self.as_admin("DELETE", path), 404, "not_found")

    def test_agent_cannot_write(self):
        m = self.create("Admin owned " + unique(), "body")
        before = self.macros()
        for method, path, body in (("POST", "/api/v1/macros", {"title": "sneaky", "body": "b"}),
                                   ("PATCH", "/api/v1/macros/%d" % m["id"], {"title": "sneaky"}),
                                   ("DELETE", "/api/v1/macros/%d" % m["id"], None)):
            with self.subTest(method=method):
                self.expect_error(self.as_agent(method, path, body), 403, "forbidden")
                self.expect_error(self.req(method, path, body), 401, "unauthorized")
        self.expect_error(self.req("GET", "/api/v1/macros"), 401, "unauthorized")
        self.assertEqual(self.macros(), before, "nothing the agent tried happened")

    def test_cookie_session_needs_csrf(self):
        admin = Session(self.server, ADMIN_EMAIL, ADMIN_PASSWORD)
        title = "Session macro " + unique()
        r = admin.req("POST", "/api/v1/macros", {"title": title, "body": "b"}, csrf=False)
        self.expect_error(r, 403, "forbidden")
        self.assertNotIn(title, [m["title"] for m in self.macros()])
        r = admin.req("POST", "/api/v1/macros", {"title": title, "body": "b"})
        m = self.expect(r, 201)["macro"]
        for method, body in (("PATCH", {"title": "changed"}), ("DELETE", None)):
            with self.subTest(method=method):
                r = admin.req(method, "/api/v1/macros/%d" % m["id"], body, csrf=False)
                self.expect_error(r, 403, "forbidden")
        self.assertEqual(self.by_id(m["id"]), m)
        self.expect(admin.req("PATCH", "/api/v1/macros/%d" % m["id"], {"title": "changed"}), 200)
        self.expect(admin.req("DELETE", "/api/v1/macros/%d" % m["id"]), 204)
        agent = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        r = agent.req("GET", "/api/v1/macros")
        self.expect(r, 200)
        self.assertNotIn(m["id"], [x["id"] for x in r.body["macros"]])
        self.expect_error(agent.req("POST", "/api/v1/macros", {"title": "t", "body": "b"}), 403,
                          "forbidden")

    def test_bad_bodies_on_create(self):
        before = self.macros()
        refuse_bad_bodies(self, "POST", "/api/v1/macros", self.admin,
                          {"title": "Bad input " + unique(), "body": "b"},
                          {"title": [5, 1.5, True, ["t"], {"t": 1}],
                           "body": [5, False, ["b"], {"b": 1}, None]})
        self.assertEqual(self.macros(), before, "no broken body may create a macro")

    def test_bad_bodies_on_update(self):
        m = self.create("Patch target " + unique(), "original")
        refuse_bad_bodies(self, "PATCH", "/api/v1/macros/%d" % m["id"], self.admin,
                          {"title": "Changed"},
                          {"title": [5, True, ["t"], {"t": 1}], "body": [5, ["b"], {"b": 1}]})
        self.assertEqual(self.by_id(m["id"]), m, "no broken body may change the macro")


if __name__ == "__main__":
    unittest.main()
