"""Login, cookie sessions and CSRF, bearer tokens, logout, me, throttling,
deactivated users and revoked tokens."""

import unittest

from harness import (ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_EMAIL, AGENT_PASSWORD, BACKEND,
                     E2ETestCase, Server, Session, unique)

USER_FIELDS = {"id", "email", "name", "role", "active", "created_at"}


def cookie_attrs(set_cookie):
    """The attributes of one Set-Cookie value, names lower-cased."""
    parts = [p.strip() for p in set_cookie.split(";")]
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return parts[0], attrs


class LoginTest(E2ETestCase):

    def test_login_returns_user_csrf_and_session_cookie(self):
        r = self.req("POST", "/api/v1/auth/login",
                     {"email": AGENT_EMAIL, "password": AGENT_PASSWORD})
        self.expect(r, 200)
        user = r.body["user"]
        self.assertTrue(USER_FIELDS <= set(user), user)
        self.assertEqual(user["email"], AGENT_EMAIL)
        self.assertEqual(user["name"], "김지민 Agent")
        self.assertEqual(user["role"], "agent")
        self.assertIs(user["active"], True)
        self.assertEqual(user["id"], self.agent_id)
        for secret in ("password", "password_hash"):
            self.assertNotIn(secret, user)
        self.assertIsInstance(r.body["csrf_token"], str)
        self.assertGreaterEqual(len(r.body["csrf_token"]), 16)

        cookies = r.headers.get_all("Set-Cookie") or []
        session = [c for c in cookies if c.startswith("deskd_session=")]
        self.assertEqual(len(session), 1, cookies)
        pair, attrs = cookie_attrs(session[0])
        self.assertGreater(len(pair), len("deskd_session=") + 16, pair)
        self.assertIn("httponly", attrs, session[0])
        self.assertEqual(attrs.get("samesite", "").lower(), "lax", session[0])
        self.assertEqual(attrs.get("path"), "/", session[0])
        self.assertNotIn("secure", attrs, "plain HTTP must not get a Secure cookie: " + session[0])

    def test_login_email_is_case_insensitive(self):
        r = self.req("POST", "/api/v1/auth/login",
                     {"email": "Admin@Example.COM", "password": ADMIN_PASSWORD})
        self.expect(r, 200)
        self.assertEqual(r.body["user"]["email"], ADMIN_EMAIL)

    def test_secure_cookie_behind_https_proxy(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD,
                    headers={"X-Forwarded-Proto": "https"})
        _, attrs = cookie_attrs(s.set_cookie)
        self.assertIn("secure", attrs, s.set_cookie)
        self.assertIn("httponly", attrs, s.set_cookie)

    def test_wrong_password_and_unknown_email_are_401(self):
        for creds in ({"email": "nobody-%s@example.com" % unique(), "password": "whatever-123"},):
            r = self.req("POST", "/api/v1/auth/login", creds)
            self.expect_error(r, 401, "unauthorized")
            self.assertIsNone(r.headers.get("Set-Cookie"), r.headers)
        # one wrong password for the admin: far below the 5-failure limit
        r = self.req("POST", "/api/v1/auth/login",
                     {"email": ADMIN_EMAIL, "password": "not-the-password"})
        self.expect_error(r, 401, "unauthorized")
        self.assertIsNone(r.headers.get("Set-Cookie"), r.headers)

    def test_me_with_cookie_and_with_bearer(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        r = s.req("GET", "/api/v1/auth/me", csrf=False)
        self.expect(r, 200)
        self.assertEqual(r.body["user"]["email"], AGENT_EMAIL)
        self.assertEqual(r.body["csrf_token"], s.csrf)

        r = self.as_admin("GET", "/api/v1/auth/me")
        self.expect(r, 200)
        self.assertEqual(r.body["user"]["email"], ADMIN_EMAIL)
        self.assertEqual(r.body["user"]["role"], "admin")
        self.assertIsNone(r.body.get("csrf_token"), "bearer callers get no csrf_token: %r" % (r,))

    def test_cookie_writes_need_csrf(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        subject = "CSRF check " + unique()
        body = {"subject": subject, "body": "hello",
                "customer": {"email": unique("c") + "@shop.example"}}

        r = s.req("POST", "/api/v1/tickets", body, csrf=False)
        self.expect_error(r, 403, "forbidden", "POST without X-CSRF-Token")
        r = s.req("POST", "/api/v1/tickets", body, headers={"X-CSRF-Token": "x" + s.csrf})
        self.expect_error(r, 403, "forbidden", "POST with a wrong X-CSRF-Token")
        r = self.as_agent("GET", "/api/v1/tickets?limit=100")
        self.assertNotIn(subject, [t["subject"] for t in r.body["tickets"]],
                         "a refused POST created a ticket")

        r = s.req("POST", "/api/v1/tickets", body)
        self.expect(r, 201, "POST with the right X-CSRF-Token")
        tid = r.body["ticket"]["id"]

        r = s.req("PATCH", "/api/v1/tickets/%d" % tid, {"priority": "high"}, csrf=False)
        self.expect_error(r, 403, "forbidden", "PATCH without X-CSRF-Token")
        r = s.req("PATCH", "/api/v1/tickets/%d" % tid, {"priority": "urgent"})
        self.expect(r, 200)
        self.assertEqual(r.body["ticket"]["priority"], "urgent")

        # reads need no CSRF token
        r = s.req("GET", "/api/v1/tickets/%d" % tid, csrf=False)
        self.expect(r, 200)
        self.assertEqual(r.body["ticket"]["priority"], "urgent")

    def test_cookie_delete_needs_csrf(self):
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "doomed " + unique()})
        self.expect(r, 201)
        tok_id, tok = r.body["id"], r.body["token"]
        s = Session(self.server, ADMIN_EMAIL, ADMIN_PASSWORD)
        r = s.req("DELETE", "/api/v1/tokens/%d" % tok_id, csrf=False)
        self.expect_error(r, 403, "forbidden", "DELETE without X-CSRF-Token")
        self.expect(self.req("GET", "/api/v1/auth/me", token=tok), 200,
                    "the token must survive a refused DELETE")
        r = s.req("DELETE", "/api/v1/tokens/%d" % tok_id)
        self.expect(r, 204)
        self.expect_error(self.req("GET", "/api/v1/auth/me", token=tok), 401, "unauthorized")

    def test_csrf_token_belongs_to_its_session(self):
        a = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        b = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        self.assertNotEqual(a.csrf, b.csrf, "each session has its own CSRF token")
        self.assertNotEqual(a.cookie, b.cookie)
        r = a.req("POST", "/api/v1/customers", {"name": "Cross"}, headers={"X-CSRF-Token": b.csrf})
        self.expect_error(r, 403, "forbidden", "another session's CSRF token")
        r = a.req("POST", "/api/v1/customers", {"name": "Own " + unique()})
        self.expect(r, 201)

    def test_bearer_writes_need_no_csrf(self):
        r = self.as_agent("POST", "/api/v1/tickets",
                          {"subject": "bearer", "body": "no csrf needed",
                           "customer": {"email": unique("c") + "@shop.example"}})
        self.expect(r, 201)

    def test_logout(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        r = s.req("POST", "/api/v1/auth/logout", csrf=False)
        self.expect_error(r, 403, "forbidden", "logout without X-CSRF-Token")
        self.expect(s.req("GET", "/api/v1/auth/me"), 200, "session must survive a refused logout")

        r = s.req("POST", "/api/v1/auth/logout")
        self.expect(r, 204)
        self.assertEqual(r.raw, b"")
        self.expect_error(s.req("GET", "/api/v1/auth/me"), 401, "unauthorized")
        self.expect_error(s.req("GET", "/api/v1/tickets"), 401, "unauthorized")
        # another session of the same user is untouched
        s2 = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        self.expect(s2.req("GET", "/api/v1/auth/me"), 200)

    def test_forged_session_cookie_is_401(self):
        r = self.req("GET", "/api/v1/auth/me", cookie="deskd_session=" + "A" * 43)
        self.expect_error(r, 401, "unauthorized")
        r = self.req("GET", "/api/v1/auth/me", cookie="deskd_session=")
        self.expect_error(r, 401, "unauthorized")

    def test_bad_authorization_headers_are_401(self):
        for value in ("Bearer", "Bearer ", "Bearer dsk_" + "0" * 64, "Basic YWRtaW46eA==",
                      "bearer" + self.agent, "Bearer " + self.agent + "x",
                      "Bearer " + self.agent[:-1]):
            r = self.req("GET", "/api/v1/auth/me", headers={"Authorization": value})
            self.expect_error(r, 401, "unauthorized", "Authorization: %r" % value)


    def test_401_says_how_to_authenticate(self):
        """RFC 6750: every 401 names the Bearer scheme and the realm; a token
        that was sent and refused is also called invalid_token, while a
        request that sent no token gets no error code."""
        plain = 'Bearer realm="deskd"'
        invalid = 'Bearer realm="deskd", error="invalid_token"'
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "gone " + unique()})
        self.expect(r, 201)
        revoked = r.body["token"]
        self.expect(self.as_admin("DELETE", "/api/v1/tokens/%d" % r.body["id"]), 204)
        for what, kw, expect in (
                ("no credentials", {}, plain),
                ("unknown token", {"token": "dsk_" + "0" * 43}, invalid),
                ("token with a byte changed", {"token": self.agent[:-1] + "x"}, invalid),
                ("revoked token", {"token": revoked}, invalid),
                ("hostile token", {"headers": {"Authorization": "Bearer \"; a=b, error=x"}},
                 invalid),
                ("not a bearer header", {"headers": {"Authorization": "Basic YWRtaW46eA=="}},
                 plain),
                ("forged cookie", {"cookie": "deskd_session=" + "A" * 43}, plain)):
            for path in ("/api/v1/auth/me", "/api/v1/users", "/metrics"):
                with self.subTest(what=what, path=path):
                    r = self.req("GET", path, **kw)
                    self.expect_error(r, 401, "unauthorized")
                    self.assertEqual(r.headers.get_all("WWW-Authenticate"), [expect])
        r = self.req("POST", "/api/v1/auth/login",
                     {"email": ADMIN_EMAIL, "password": "not-the-password"})
        self.expect_error(r, 401, "unauthorized")
        self.assertEqual(r.headers.get_all("WWW-Authenticate"), [plain])
        # answers that are not 401 carry none
        for r in (self.as_agent("GET", "/api/v1/auth/me"), self.as_agent("GET", "/api/v1/users")):
            self.assertIn(r.status, (200, 403), r)
            self.assertIsNone(r.headers.get("WWW-Authenticate"), r)


class DeactivationAndRevocationTest(E2ETestCase):

    def test_deactivated_user_is_locked_out(self):
        email = unique("u") + "@example.com"
        r = self.as_admin("POST", "/api/v1/users",
                          {"email": email, "name": "Ayşe Yılmaz", "role": "agent",
                           "password": "long-enough-pw"})
        self.expect(r, 201)
        uid = r.body["id"] if "id" in r.body else r.body["user"]["id"]
        token = self.server.create_token(email)
        session = Session(self.server, email, "long-enough-pw")
        self.expect(self.req("GET", "/api/v1/auth/me", token=token), 200)

        r = self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"active": False})
        self.expect(r, 200)
        user = r.body.get("user", r.body)
        self.assertIs(user["active"], False)

        self.expect_error(self.req("GET", "/api/v1/auth/me", token=token), 401, "unauthorized",
                          "token of a deactivated user")
        self.expect_error(self.req("GET", "/api/v1/tickets", token=token), 401, "unauthorized")
        self.expect_error(session.req("GET", "/api/v1/auth/me"), 401, "unauthorized",
                          "session of a deactivated user")
        r = self.req("POST", "/api/v1/auth/login", {"email": email, "password": "long-enough-pw"})
        self.expect_error(r, 401, "unauthorized", "login of a deactivated user")

    def test_revoked_token(self):
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "ci " + unique()})
        self.expect(r, 201)
        tok = r.body["token"]
        self.expect(self.req("GET", "/api/v1/tickets", token=tok), 200)
        self.expect(self.as_admin("DELETE", "/api/v1/tokens/%d" % r.body["id"]), 204)
        self.expect_error(self.req("GET", "/api/v1/tickets", token=tok), 401, "unauthorized")
        self.expect_error(self.req("GET", "/api/v1/auth/me", token=tok), 401, "unauthorized")
        # the admin's own bootstrap token is not affected
        self.expect(self.as_admin("GET", "/api/v1/auth/me"), 200)


class ThrottleTest(unittest.TestCase):
    """Each test gets its own server: the address limit would leak otherwise."""

    def setUp(self):
        self.server = Server().start()
        E2ETestCase.bootstrap(self.server)

    def tearDown(self):
        try:
            self.server.stop()
        finally:
            self.server.cleanup()

    def login(self, email, password):
        return self.server.req("POST", "/api/v1/auth/login",
                               {"email": email, "password": password})

    def assert_429(self, r):
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.body["error"]["code"], "too_many_requests", r)
        retry = r.headers.get("Retry-After")
        self.assertIsNotNone(retry, "429 without Retry-After: %r" % (r,))
        self.assertTrue(retry.strip().isdigit(), "Retry-After %r is not seconds" % retry)
        self.assertTrue(1 <= int(retry) <= 15 * 60, "Retry-After %r" % retry)
        self.assertIsNone(r.headers.get("Set-Cookie"))

    def test_five_failures_lock_one_account(self):
        for i in range(5):
            r = self.login(AGENT_EMAIL, "wrong-password-%d" % i)
            self.assertEqual(r.status, 401, "failure %d: %r" % (i + 1, r))
        # the sixth try is refused even with the right password
        self.assert_429(self.login(AGENT_EMAIL, AGENT_PASSWORD))
        self.assert_429(self.login(AGENT_EMAIL.upper(), AGENT_PASSWORD))
        # another account from the same address still logs in
        r = self.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        self.assertEqual(r.status, 200, r)
        # bearer tokens of the locked account are not affected
        r = self.server.req("GET", "/api/v1/auth/me", token=self.server.ids["agent"])
        self.assertEqual(r.status, 200, r)

    def test_twenty_failures_lock_one_address(self):
        for i in range(20):
            r = self.login("stranger-%d-%s@example.com" % (i, unique()), "wrong-password")
            self.assertEqual(r.status, 401, "failure %d: %r" % (i + 1, r))
        self.assert_429(self.login(ADMIN_EMAIL, ADMIN_PASSWORD))

    def test_counts_survive_a_restart(self):
        """The counts are in the database: restarting deskd does not wipe them."""
        for i in range(3):
            self.assertEqual(self.login(AGENT_EMAIL, "wrong-%d" % i).status, 401)
        self.server.restart()
        for i in range(2):
            self.assertEqual(self.login(AGENT_EMAIL, "wrong-again-%d" % i).status, 401)
        self.assert_429(self.login(AGENT_EMAIL, AGENT_PASSWORD))
        self.server.restart()
        self.assert_429(self.login(AGENT_EMAIL, AGENT_PASSWORD))
        self.assertEqual(self.login(ADMIN_EMAIL, ADMIN_PASSWORD).status, 200)

    def test_success_clears_the_account_only(self):
        """Four failures then a success: the account starts over (five more
        failures to lock it), the address keeps its count."""
        for i in range(4):
            self.assertEqual(self.login(AGENT_EMAIL, "wrong-%d" % i).status, 401)
        self.assertEqual(self.login(AGENT_EMAIL, AGENT_PASSWORD).status, 200)
        for i in range(5):
            r = self.login(AGENT_EMAIL, "wrong-later-%d" % i)
            self.assertEqual(r.status, 401, "failure %d after the success: %r" % (i + 1, r))
        self.assert_429(self.login(AGENT_EMAIL, AGENT_PASSWORD))
        # 9 failures from this address so far; 11 more of strangers lock it
        for i in range(11):
            r = self.login("stranger-%d-%s@example.com" % (i, unique()), "wrong-password")
            self.assertEqual(r.status, 401, "stranger %d: %r" % (i + 1, r))
        self.assert_429(self.login(ADMIN_EMAIL, ADMIN_PASSWORD))

    def test_parallel_guesses_are_all_counted(self):
        """Twenty guesses at once at one account: at most five are checked."""
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            got = list(pool.map(lambda i: self.login(AGENT_EMAIL, "guess-%d" % i).status,
                                range(20)))
        self.assertLessEqual(got.count(401), 5, got)
        self.assertEqual(got.count(401) + got.count(429), 20, got)
        # those refused only because four checks were running were not counted:
        # exactly the rest of the five may still fail before the lock
        for i in range(5 - got.count(401)):
            self.assertEqual(self.login(AGENT_EMAIL, "after-%d" % i).status, 401)
        self.assert_429(self.login(AGENT_EMAIL, AGENT_PASSWORD))


@unittest.skipUnless(BACKEND == "postgres", "several servers share only a PostgreSQL database")
class SharedThrottleTest(unittest.TestCase):
    """Two deskd nodes on one PostgreSQL database count the same attempts."""

    def setUp(self):
        self.a = Server().start()
        E2ETestCase.bootstrap(self.a)
        self.b = Server(beside=self.a).start()

    def tearDown(self):
        try:
            self.b.stop()
            self.a.stop()
        finally:
            self.b.cleanup()
            self.a.cleanup()

    def login(self, server, email, password):
        return server.req("POST", "/api/v1/auth/login", {"email": email, "password": password})

    def test_two_nodes_share_the_count(self):
        for i, node in enumerate((self.a, self.b, self.a, self.b, self.b)):
            r = self.login(node, AGENT_EMAIL, "wrong-%d" % i)
            self.assertEqual(r.status, 401, "failure %d: %r" % (i + 1, r))
        for node in (self.a, self.b):
            r = self.login(node, AGENT_EMAIL, AGENT_PASSWORD)
            self.assertEqual(r.status, 429, r)
            self.assertTrue(1 <= int(r.headers.get("Retry-After")) <= 15 * 60, r)
        # either node still logs another account in
        self.assertEqual(self.login(self.b, ADMIN_EMAIL, ADMIN_PASSWORD).status, 200)


if __name__ == "__main__":
    unittest.main()
