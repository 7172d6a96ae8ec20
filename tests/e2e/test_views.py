"""Saved views: each agent's own inbox filters. Create, list (only one's own),
delete; another agent's view is a 404 and stays; limits and broken bodies."""

import time
import unittest

from harness import E2ETestCase, Session, AGENT_EMAIL, AGENT_PASSWORD, parse_time, unique
from test_macros import refuse_bad_bodies

VIEW_FIELDS = {"id", "name", "filters", "created_at"}
ALL_FILTERS = {"status": "open", "assignee": "me", "tag": "vip", "channel": "email",
               "sort": "-updated_at"}


class ViewsTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        req = cls.server.req
        email = unique("agent2") + "@example.com"
        r = req("POST", "/api/v1/users", {"email": email, "name": "Ayşe Yılmaz", "role": "agent",
                                          "password": "agent2-password"}, token=cls.admin)
        assert r.status == 201, r
        cls.agent2_id = r.body["user"]["id"]
        r = req("POST", "/api/v1/tokens", {"name": "agent2", "user_id": cls.agent2_id},
                token=cls.admin)
        assert r.status == 201, r
        cls.agent2 = r.body["token"]

    def create(self, name, filters, token=None, expect=201):
        r = self.req("POST", "/api/v1/views", {"name": name, "filters": filters},
                     token=token or self.agent)
        self.expect(r, expect, "create view")
        return r.body["view"] if expect == 201 else r

    def views(self, token=None):
        r = self.req("GET", "/api/v1/views", token=token or self.agent)
        self.expect(r, 200, "list views")
        self.assertEqual(set(r.body), {"views"}, r)
        return r.body["views"]

    def ids(self, token=None):
        return [v["id"] for v in self.views(token)]

    def test_create_and_list_own(self):
        name = "Meine offenen Tickets 🔥 " + unique()
        v = self.create(name, ALL_FILTERS)
        self.assertEqual(set(v), VIEW_FIELDS, v)
        self.assertIsInstance(v["id"], int)
        self.assertEqual(v["name"], name)
        self.assertEqual(v["filters"], ALL_FILTERS)
        self.assertLessEqual(abs(parse_time(v["created_at"]) - time.time()), 120)
        self.assertIn(v, self.views(), "the creator lists it, exactly as created")
        self.assertNotIn(v["id"], self.ids(self.agent2), "another agent does not")
        self.assertNotIn(v["id"], self.ids(self.admin), "an admin does not either")

    def test_lists_are_per_agent(self):
        mine = [self.create("mine %d" % i, {"status": "new"})["id"] for i in range(3)]
        theirs = [self.create("theirs %d" % i, {"tag": "x"}, token=self.agent2)["id"]
                  for i in range(2)]
        self.assertTrue(set(mine) <= set(self.ids()))
        self.assertFalse(set(theirs) & set(self.ids()))
        self.assertEqual(set(theirs) & set(self.ids(self.agent2)), set(theirs))
        self.assertFalse(set(mine) & set(self.ids(self.agent2)))

    def test_filters_round_trip(self):
        for filters in ({}, {"status": "pending"}, {"tag": "배송"}, {"assignee": "none"},
                        {"sort": "created_at", "channel": "chat"},
                        {"status": "open,pending", "tag": "o'reilly; DROP TABLE x"},
                        {"status": ""}):
            with self.subTest(filters=filters):
                v = self.create("Filters " + unique(), filters)
                self.assertEqual(v["filters"], filters)
                got = [x for x in self.views() if x["id"] == v["id"]]
                self.assertEqual(got, [v])

    def test_name_limit_counts_characters(self):
        v = self.create("가" * 100, {})
        self.assertEqual(v["name"], "가" * 100)
        before = self.views()
        for body, field in (({"name": "a" * 101, "filters": {}}, "name"),
                            ({"name": "가" * 101, "filters": {}}, "name"),
                            ({"name": "", "filters": {}}, "name"),
                            ({"filters": {}}, "name"),
                            ({"name": None, "filters": {}}, "name"),
                            ({"name": "n" * 50000, "filters": {}}, "name")):
            with self.subTest(name=str(body.get("name"))[:20]):
                err = self.expect_error(self.as_agent("POST", "/api/v1/views", body), 422,
                                        "validation_failed")
                self.assertIn(field, err["message"])
        self.assertEqual(self.views(), before)

    def test_filter_values_are_short_strings(self):
        v = self.create("Long tag", {"tag": "t" * 200})
        self.assertEqual(v["filters"], {"tag": "t" * 200})
        v = self.create("Long Korean tag", {"tag": "배" * 66})  # 198 bytes
        self.assertEqual(v["filters"], {"tag": "배" * 66})
        before = self.views()
        cases = [({"tag": "t" * 201}, "tag"),
                 ({"tag": "배" * 67}, "tag"),  # 201 bytes: the limit is 200 bytes
                 ({"status": 5}, "status"), ({"status": ["open"]}, "status"),
                 ({"status": None}, "status"), ({"sort": True}, "sort"),
                 ({"channel": {"x": 1}}, "channel"), ({"assignee": 12}, "assignee"),
                 ({"priority": "high"}, "priority"), ({"q": "lamp"}, "q"),
                 ({"Status": "open"}, "Status")]
        for filters, field in cases:
            with self.subTest(filters=str(filters)[:40]):
                r = self.as_agent("POST", "/api/v1/views", {"name": "bad", "filters": filters})
                err = self.expect_error(r, 422, "validation_failed")
                self.assertIn(field, err["message"])
        self.assertEqual(self.views(), before)

    def test_filters_must_be_an_object(self):
        before = self.views()
        for body in ({"name": "x"}, {"name": "x", "filters": None},
                     {"name": "x", "filters": []}, {"name": "x", "filters": "status=open"},
                     {"name": "x", "filters": 5}, {"name": "x", "filters": [["status", "open"]]}):
            with self.subTest(body=body):
                err = self.expect_error(self.as_agent("POST", "/api/v1/views", body), 422,
                                        "validation_failed")
                self.assertIn("filters", err["message"])
        self.assertEqual(self.views(), before)

    def test_delete_own(self):
        keep = self.create("Keep " + unique(), {"status": "open"})
        v = self.create("Delete " + unique(), {"status": "solved"})
        r = self.as_agent("DELETE", "/api/v1/views/%d" % v["id"])
        self.expect(r, 204)
        self.assertEqual(r.raw, b"")
        self.assertNotIn(v["id"], self.ids())
        self.assertIn(keep["id"], self.ids(), "only that view is deleted")
        self.expect_error(self.as_agent("DELETE", "/api/v1/views/%d" % v["id"]), 404, "not_found")

    def test_another_agents_view_is_404_and_stays(self):
        theirs = self.create("Ayşe's queue " + unique(), {"assignee": "me"}, token=self.agent2)
        for who, token in (("agent", self.agent), ("admin", self.admin)):
            with self.subTest(who=who):
                self.expect_error(self.req("DELETE", "/api/v1/views/%d" % theirs["id"],
                                           token=token), 404, "not_found")
        self.assertIn(theirs, self.views(self.agent2), "the owner's view must not be deleted")
        self.expect(self.req("DELETE", "/api/v1/views/%d" % theirs["id"], token=self.agent2),
                    204)
        self.assertNotIn(theirs["id"], self.ids(self.agent2))

    def test_unknown_view_is_404(self):
        for path in ("/api/v1/views/987654", "/api/v1/views/0", "/api/v1/views/-1",
                     "/api/v1/views/abc", "/api/v1/views/99999999999999999999"):
            with self.subTest(path=path):
                self.expect_error(self.as_agent("DELETE", path), 404, "not_found")
        self.expect_error(self.as_agent("PATCH", "/api/v1/views", {}), 405, "method_not_allowed")

    def test_no_credentials_is_401(self):
        v = self.create("Mine " + unique(), {})
        for method, path, body in (("GET", "/api/v1/views", None),
                                   ("POST", "/api/v1/views", {"name": "x", "filters": {}}),
                                   ("DELETE", "/api/v1/views/%d" % v["id"], None)):
            with self.subTest(method=method):
                self.expect_error(self.req(method, path, body), 401, "unauthorized")
                self.expect_error(self.req(method, path, body, token="dsk_" + "0" * 64), 401,
                                  "unauthorized")
        self.assertIn(v["id"], self.ids())

    def test_cookie_session_needs_csrf(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        name = "Cookie view " + unique()
        self.expect_error(s.req("POST", "/api/v1/views", {"name": name, "filters": {}},
                                csrf=False), 403, "forbidden")
        self.assertNotIn(name, [v["name"] for v in self.views()])
        v = self.expect(s.req("POST", "/api/v1/views", {"name": name, "filters": {}}), 201)["view"]
        self.assertIn(v, self.views(), "the session and the token are the same agent")
        listed = self.expect(s.req("GET", "/api/v1/views"), 200)["views"]
        self.assertIn(v, listed)
        self.expect_error(s.req("DELETE", "/api/v1/views/%d" % v["id"], csrf=False), 403,
                          "forbidden")
        self.assertIn(v["id"], self.ids())
        self.expect(s.req("DELETE", "/api/v1/views/%d" % v["id"]), 204)
        self.assertNotIn(v["id"], self.ids())

    def test_bad_bodies(self):
        before = self.views()
        refuse_bad_bodies(self, "POST", "/api/v1/views", self.agent,
                          {"name": "Bad input", "filters": {"status": "open"}},
                          {"name": [5, True, ["n"], {"n": 1}], "filters": [5, "x", [], True]})
        self.assertEqual(self.views(), before, "no broken body may create a view")


if __name__ == "__main__":
    unittest.main()
