"""GET /api/v1/tickets/counts: every inbox view's count in one answer. Each count
must equal the number of tickets GET /api/v1/tickets lists for the same
filters, after creates, updates and reassignments. Counts may lag a write by
up to a second (they are shared), so a check waits for them to settle."""

import time
import unittest

from harness import E2ETestCase, Session, AGENT_EMAIL, AGENT_PASSWORD, unique, urlquote

STATUSES = ["new", "open", "pending", "on-hold", "solved", "closed"]
UNSOLVED = STATUSES[:4]
CHANNELS = ["email", "chat", "web", "api", "phone"]
SETTLE_SECONDS = 5


class CountsBase(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        email = unique("agent2") + "@example.com"
        cls.server.add_user(email, "Ayşe Yılmaz", "agent", "agent2-password")
        cls.agent2 = cls.server.create_token(email, "agent2")
        r = cls.server.req("GET", "/api/v1/auth/me", token=cls.agent2)
        assert r.status == 200, r
        cls.agent2_id = r.body["user"]["id"]

    def count(self, query, token=None):
        return len(self.list_all(query, token=token))

    def listed(self, token, tags):
        """The counts as the ticket list tells them, for the caller of `token`."""
        return {
            "by_status": {s: self.count("status=" + s, token) for s in STATUSES},
            "mine": {s: self.count("status=%s&assignee=me" % s, token) for s in UNSOLVED},
            "unassigned": {s: self.count("status=%s&assignee=none" % s, token)
                           for s in UNSOLVED},
            "by_channel": {c: {s: self.count("status=%s&channel=%s" % (s, c), token)
                               for s in UNSOLVED} for c in CHANNELS},
            "by_tag": {g: {s: self.count("status=%s&tag=%s" % (s, urlquote(g)), token) for s in UNSOLVED}
                       for g in tags},
        }

    def counts(self, token=None):
        r = self.req("GET", "/api/v1/tickets/counts", token=token or self.agent)
        self.expect(r, 200, "counts")
        self.assertEqual(set(r.body), {"counts"}, r)
        return r.body["counts"]

    def assert_counts_match(self, token=None, tags=()):
        """Waits until the counts equal what the lists say (they may be a second old)."""
        token = token or self.agent
        want = self.listed(token, tags)
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            got = self.counts(token)
            part = {k: got[k] for k in ("by_status", "mine", "unassigned", "by_channel")}
            part["by_tag"] = {g: got["by_tag"].get(g) for g in tags}
            if part == want or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(part, want)
        return got

    def patch(self, ticket, **changes):
        r = self.req("PATCH", "/api/v1/tickets/%d" % ticket["id"], changes, token=self.agent)
        self.expect(r, 200, "update ticket")


class CountsTest(CountsBase):

    def test_shape(self):
        c = self.counts()
        self.assertEqual(set(c), {"by_status", "mine", "unassigned", "by_channel", "by_tag",
                                  "views"})
        self.assertEqual(list(c["by_status"]), STATUSES)
        self.assertEqual(list(c["mine"]), UNSOLVED)
        self.assertEqual(list(c["unassigned"]), UNSOLVED)
        self.assertEqual(list(c["by_channel"]), CHANNELS)
        for per_status in c["by_channel"].values():
            self.assertEqual(list(per_status), UNSOLVED)
        for n in c["by_status"].values():
            self.assertIsInstance(n, int)

    def test_counts_follow_creates_and_updates(self):
        tag, other = unique("vip").lower(), unique("배송")
        made = [
            self.new_ticket(channel="email", tags=[tag]),
            self.new_ticket(channel="chat", assignee_id=self.agent_id, tags=[tag, other]),
            self.new_ticket(channel="phone", assignee_id=self.agent2_id),
            self.new_ticket(channel="web", assignee_id=self.agent_id),
            self.new_ticket(channel="email"),
        ]
        self.assert_counts_match(tags=[tag, other])
        self.patch(made[0], status="open", assignee_id=self.agent_id)
        self.patch(made[1], status="pending")
        self.patch(made[2], status="solved")
        self.patch(made[3], status="on-hold", assignee_id=None)
        self.patch(made[4], status="closed", tags=[tag])
        c = self.assert_counts_match(tags=[tag, other])
        self.assertEqual(c["by_tag"][tag], {"new": 0, "open": 1, "pending": 1, "on-hold": 0})
        self.assert_counts_match(token=self.agent2, tags=[tag])

    def test_mine_is_the_callers(self):
        self.new_ticket(assignee_id=self.agent2_id)
        self.new_ticket(assignee_id=self.agent2_id)
        self.new_ticket(assignee_id=self.agent_id)
        mine = self.assert_counts_match()["mine"]
        theirs = self.assert_counts_match(token=self.agent2)["mine"]
        self.assertGreaterEqual(theirs["open"], 2, "an assigned ticket starts open")
        self.assertGreaterEqual(mine["open"], 1)
        self.assertEqual(theirs["open"], self.count("status=open&assignee=%d" % self.agent2_id))

    def test_saved_views(self):
        tag = unique("view").lower()
        self.new_ticket(channel="chat", tags=[tag], assignee_id=self.agent_id)
        self.new_ticket(channel="chat", tags=[tag])
        filters = [
            ({"status": "new,open", "channel": "chat"}, True),
            ({"status": "new", "assignee": "me"}, True),
            ({"assignee": "none", "status": "new,open,pending,on-hold"}, True),
            ({"tag": tag, "status": "new,open"}, True),
            ({"status": "solved"}, True),
            ({}, True),
            ({"status": "solved", "assignee": "me"}, False),
            ({"tag": tag, "channel": "chat"}, False),
            ({"tag": tag, "channel": "chat", "status": "new,open"}, True),
            ({"tag": tag, "assignee": "me", "status": "open"}, True),
            ({"tag": tag, "assignee": "none", "status": "new,open,pending,on-hold"}, True),
        ]
        ids = []
        for f, _ in filters:
            r = self.req("POST", "/api/v1/views", {"name": unique("v"), "filters": f},
                         token=self.agent)
            ids.append(self.expect(r, 201, "create view")["view"]["id"])
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            views = self.counts()["views"]
            want = {}
            for (f, countable), i in zip(filters, ids):
                query = "&".join("%s=%s" % (k, urlquote(v)) for k, v in f.items())
                want[str(i)] = self.count(query) if countable else None
            got = {k: views.get(k) for k in want}
            if got == want or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(got, want)
        self.assertEqual(got[str(ids[3])], 2, "the tag view counts the new tickets")
        r = self.req("GET", "/api/v1/tickets/counts", token=self.agent2)
        self.assertFalse(set(map(str, ids)) & set(self.expect(r, 200)["counts"]["views"]),
                         "another agent's views are not counted for them")

    def test_needs_authentication(self):
        self.expect_error(self.req("GET", "/api/v1/tickets/counts"), 401, "unauthorized")
        r = self.req("GET", "/api/v1/tickets/counts", token="not-a-token")
        self.expect_error(r, 401, "unauthorized")

    def test_cookie_session(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        r = s.req("GET", "/api/v1/tickets/counts", csrf=False)
        self.expect(r, 200, "counts with a session cookie")
        self.assertIn("by_status", r.body["counts"])

    def test_not_a_ticket_id(self):
        """/tickets/counts is its own route; the ticket routes still take ids."""
        t = self.new_ticket()
        self.expect(self.req("GET", "/api/v1/tickets/%d" % t["id"], token=self.agent), 200)
        r = self.req("PATCH", "/api/v1/tickets/counts", {"status": "open"}, token=self.agent)
        self.assertIn(r.status, (404, 405), r)


class AskedTagsTest(CountsBase):
    """Its own server: forty tags would push the other tests' tags out of the
    shared 32."""

    def test_any_tag_asked_for_is_counted(self):
        """40 tags: the 40th is carried by the fewest tickets, so it is not among
        the 32 shared ones; asked for, it gets its real count, and a saved view
        of it too."""
        base = unique("many").lower()
        tags = ["%s-%02d" % (base, i) for i in range(40)]
        # ticket j carries the first 40 - j tags: tag i is on 40 - i tickets
        for j in range(40):
            self.new_ticket(tags=tags[:40 - j])
        last = tags[39]
        chat = self.new_ticket(channel="chat", tags=[last, "Ünïcode-" + base])
        mine = self.new_ticket(assignee_id=self.agent_id, tags=[last.upper()])
        self.patch(mine, status="pending")
        solved = self.new_ticket(tags=[last])
        self.patch(solved, status="solved")
        want = {s: self.count("status=%s&tag=%s" % (s, last)) for s in UNSOLVED}
        self.assertEqual(want, {"new": 2, "open": 0, "pending": 1, "on-hold": 0})

        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            shared = self.counts()["by_tag"]
            if tags[0] in shared or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIn(tags[0], shared, "the most used tag is shared")
        self.assertNotIn(last, shared, "the 40th tag is outside the shared 32")

        r = self.req("GET", "/api/v1/tickets/counts?tag=" + urlquote(last.upper()),
                     token=self.agent)
        c = self.expect(r, 200)["counts"]
        self.assertEqual(c["by_tag"][last], want)
        self.assertIn(tags[0], c["by_tag"], "asking for one tag keeps the shared ones")
        # several at once, one that no ticket carries (zeros) and one with non-ASCII
        nobody = unique("nobody").lower()
        r = self.req("GET", "/api/v1/tickets/counts?tag=%s,%s,%s,%s" % (
            urlquote(last), nobody, urlquote("ÜNÏCODE-" + base), tags[0]), token=self.agent)
        c = self.expect(r, 200)["counts"]
        self.assertEqual(c["by_tag"][last], want)
        self.assertEqual(c["by_tag"][nobody], {"new": 0, "open": 0, "pending": 0, "on-hold": 0})
        self.assertEqual(c["by_tag"]["ünïcode-" + base],
                         {"new": 1, "open": 0, "pending": 0, "on-hold": 0})
        self.assertEqual(sum(c["by_tag"][tags[0]].values()), 40)

        views = {}
        for f in ({"tag": last, "status": "new,open,pending,on-hold"},
                  {"tag": last, "status": "new", "channel": "chat"},
                  {"tag": last, "status": "pending", "assignee": "me"},
                  # capitals beyond ASCII fold as stored: the chat ticket's ünïcode- tag
                  {"tag": "ÜNÏCODE-" + base, "status": "new"}):
            r = self.req("POST", "/api/v1/views", {"name": unique("v"), "filters": f},
                         token=self.agent)
            views[str(self.expect(r, 201)["view"]["id"])] = f
        got = self.counts()["views"]
        for i, f in views.items():
            query = "&".join("%s=%s" % (k, urlquote(v)) for k, v in f.items())
            self.assertEqual(got[i], self.count(query), f)
        self.assertEqual([got[i] for i in views], [3, 1, 1, 1])

    def test_asked_tags_that_no_ticket_could_carry_are_400(self):
        for q in ("tag=", "tag=,", "tag=a%20b", "tag=" + "x" * 65, "tag=%ff%fe",
                  "tag=a%09b", "tag=%01", "tag=" + ",".join("t%d" % i for i in range(51))):
            with self.subTest(q=q[:40]):
                r = self.req("GET", "/api/v1/tickets/counts?" + q, token=self.agent)
                self.expect_error(r, 400, "bad_request")
        r = self.req("GET", "/api/v1/tickets/counts?tag=" + ",".join(
            "t%d" % i for i in range(50)), token=self.agent)
        self.assertEqual(len([t for t in self.expect(r, 200)["counts"]["by_tag"]
                              if t in {"t%d" % i for i in range(50)}]), 50)
        r = self.req("GET", "/api/v1/tickets/counts?tag=" + urlquote("é" * 32), token=self.agent)
        self.expect(r, 200, "64 bytes of UTF-8 is a tag")


if __name__ == "__main__":
    unittest.main()
