"""API tokens (admin only): create (shown once), list without secrets, revoke."""

import unittest

from harness import E2ETestCase, parse_time, unique


class TokensTest(E2ETestCase):

    def test_create_for_self(self):
        name = "zapier " + unique()
        r = self.as_admin("POST", "/api/v1/tokens", {"name": name})
        self.expect(r, 201)
        self.assertEqual(r.body["name"], name)
        self.assertEqual(r.body["user_id"], self.admin_id, "the default owner is the caller")
        self.assertTrue(r.body["token"].startswith("dsk_"), r.body)
        self.assertGreater(len(r.body["token"]), 20)
        self.assertIsInstance(r.body["id"], int)
        parse_time(r.body["created_at"])
        me = self.req("GET", "/api/v1/auth/me", token=r.body["token"])
        self.expect(me, 200)
        self.assertEqual(me.body["user"]["id"], self.admin_id)

    def test_token_for_agent_acts_as_agent(self):
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "agent bot", "user_id": self.agent_id})
        self.expect(r, 201)
        self.assertEqual(r.body["user_id"], self.agent_id)
        tok = r.body["token"]
        self.expect(self.req("GET", "/api/v1/tickets", token=tok), 200)
        self.expect_error(self.req("GET", "/api/v1/users", token=tok), 403, "forbidden")

    def test_list_has_no_secrets(self):
        name = "listed " + unique()
        r = self.as_admin("POST", "/api/v1/tokens", {"name": name})
        self.expect(r, 201)
        secret, tid = r.body["token"], r.body["id"]
        self.expect(self.req("GET", "/api/v1/tickets", token=secret), 200)  # sets last_used_at

        r = self.as_admin("GET", "/api/v1/tokens")
        self.expect(r, 200)
        mine = [t for t in r.body["tokens"] if t["id"] == tid]
        self.assertEqual(len(mine), 1, r.body)
        t = mine[0]
        self.assertEqual(t["name"], name)
        self.assertEqual(t["user_id"], self.admin_id)
        self.assertEqual(set(t), {"id", "name", "user_id", "created_at", "last_used_at"}, t)
        self.assertIsNotNone(t["last_used_at"], "the token was used")
        parse_time(t["last_used_at"])
        self.assertNotIn(secret, r.raw.decode("utf-8"), "a secret leaked into the list")
        self.assertNotIn(secret[4:], r.raw.decode("utf-8"))

    def test_revoke(self):
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "revoke me"})
        tok, tid = r.body["token"], r.body["id"]
        self.expect(self.as_admin("DELETE", "/api/v1/tokens/%d" % tid), 204)
        self.expect_error(self.req("GET", "/api/v1/tickets", token=tok), 401, "unauthorized")

    def test_revoke_unknown_is_404(self):
        self.expect_error(self.as_admin("DELETE", "/api/v1/tokens/9876543"), 404, "not_found")

    def test_validation(self):
        for body in ({}, {"name": ""}, {"name": 5}, {"name": "x", "user_id": "1"},
                     {"name": "x", "user_id": 9876543}):
            with self.subTest(body=body):
                self.expect_error(self.as_admin("POST", "/api/v1/tokens", body),
                                  422, "validation_failed")


if __name__ == "__main__":
    unittest.main()
