"""Users (admin only): list, create, update; duplicates and validation."""

import unittest

from harness import ADMIN_EMAIL, AGENT_EMAIL, E2ETestCase, Session, unique


def user_of(body):
    # The spec says "201 user"; deskd wraps it like every other resource.
    return body["user"] if isinstance(body, dict) and "user" in body else body


class UsersTest(E2ETestCase):

    def create(self, **fields):
        body = {"email": unique("u") + "@example.com", "name": "Yuki Tanaka 田中",
                "role": "agent", "password": "correct horse"}
        body.update(fields)
        return self.as_admin("POST", "/api/v1/users", body)

    def test_list_has_bootstrap_users_without_secrets(self):
        r = self.as_admin("GET", "/api/v1/users")
        self.expect(r, 200)
        by_email = {u["email"]: u for u in r.body["users"]}
        self.assertEqual(by_email[ADMIN_EMAIL]["role"], "admin")
        self.assertEqual(by_email[AGENT_EMAIL]["role"], "agent")
        self.assertEqual(by_email[AGENT_EMAIL]["name"], "김지민 Agent")
        for u in r.body["users"]:
            self.assertEqual(set(u) & {"password", "password_hash"}, set(), u)
            self.assertTrue({"id", "email", "name", "role", "active", "created_at"} <= set(u), u)

    def test_create_then_login(self):
        email = unique("Mixed") + "@Example.COM"
        r = self.create(email=email, name="Mehmet Öztürk", role="agent")
        self.expect(r, 201)
        u = user_of(r.body)
        self.assertEqual(u["email"].lower(), email.lower())
        self.assertEqual(u["name"], "Mehmet Öztürk")
        self.assertEqual(u["role"], "agent")
        self.assertIs(u["active"], True)
        self.assertIsInstance(u["id"], int)
        listed = [x for x in self.as_admin("GET", "/api/v1/users").body["users"]
                  if x["id"] == u["id"]]
        self.assertEqual(len(listed), 1)
        s = Session(self.server, u["email"], "correct horse")
        self.assertEqual(s.login.body["user"]["id"], u["id"])

    def test_duplicate_email_is_409_case_insensitive(self):
        email = unique("dup") + "@example.com"
        self.expect(self.create(email=email), 201)
        self.expect_error(self.create(email=email.upper()), 409, "conflict")
        self.expect_error(self.create(email=ADMIN_EMAIL.upper()), 409, "conflict")

    def test_validation(self):
        cases = [
            ({"role": "superuser"}, "role"),
            ({"password": "short"}, "password"),
            ({"password": "1234567"}, "password"),
            ({"email": "not-an-email"}, "email"),
            ({"email": ""}, "email"),
            ({"email": None}, "email"),
            ({"role": None}, "role"),
            ({"name": 42}, "name"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields):
                self.expect_error(self.create(**fields), 422, "validation_failed")
        self.expect(self.create(password="12345678"), 201, "8 characters is long enough")

    def test_patch_fields(self):
        r = self.create()
        uid = user_of(r.body)["id"]
        email = user_of(r.body)["email"]
        r = self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"name": "Kırmızı Ayşe"})
        self.expect(r, 200)
        self.assertEqual(user_of(r.body)["name"], "Kırmızı Ayşe")
        r = self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"role": "admin"})
        self.expect(r, 200)
        self.assertEqual(user_of(r.body)["role"], "admin")
        r = self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"password": "a brand new one"})
        self.expect(r, 200)
        self.assertEqual(Session(self.server, email, "a brand new one").login.status, 200)
        r = self.req("POST", "/api/v1/auth/login", {"email": email, "password": "correct horse"})
        self.expect_error(r, 401, "unauthorized", "the old password must stop working")

        listed = {x["id"]: x for x in self.as_admin("GET", "/api/v1/users").body["users"]}
        self.assertEqual(listed[uid]["name"], "Kırmızı Ayşe")
        self.assertEqual(listed[uid]["role"], "admin")

    def test_role_change_applies_to_existing_credentials(self):
        email = unique("role") + "@example.com"
        uid = user_of(self.create(email=email, role="agent").body)["id"]
        token = self.server.create_token(email)
        self.expect_error(self.req("GET", "/api/v1/users", token=token), 403, "forbidden")
        self.expect(self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"role": "admin"}), 200)
        self.expect(self.req("GET", "/api/v1/users", token=token), 200, "promoted: admin now")
        self.expect(self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"role": "agent"}), 200)
        self.expect_error(self.req("GET", "/api/v1/users", token=token), 403, "forbidden",
                          "demoted: the old role must not linger")
        self.expect(self.req("GET", "/api/v1/tickets", token=token), 200)

    def test_patch_validation(self):
        uid = user_of(self.create().body)["id"]
        for body in ({"role": "owner"}, {"password": "short"}, {"active": "no"},
                     {"name": 7}):
            with self.subTest(body=body):
                self.expect_error(self.as_admin("PATCH", "/api/v1/users/%d" % uid, body),
                                  422, "validation_failed")

    def test_patch_unknown_user_is_404(self):
        self.expect_error(self.as_admin("PATCH", "/api/v1/users/987654", {"name": "x"}),
                          404, "not_found")


if __name__ == "__main__":
    unittest.main()


class AgentsDirectoryTest(E2ETestCase):
    """Agents see their colleagues' names and roles (to assign), never emails."""

    def test_agent_lists_colleagues_without_emails(self):
        r = self.req("GET", "/api/v1/agents", token=self.agent)
        self.assertEqual(r.status, 200, r)
        agents = {a["id"]: a for a in r.body["agents"]}
        self.assertIn(self.agent_id, agents)
        for a in agents.values():
            self.assertEqual(set(a), {"id", "name", "role", "active"})
            self.assertIn(a["role"], ("admin", "agent"))
        self.assertNotIn("@", r.raw.decode() if hasattr(r, "raw") and r.raw else str(r.body))
