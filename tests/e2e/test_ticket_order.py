"""A ticket's linked order set by an agent (PATCH /api/v1/tickets/{id} with
`order_id`): one of the ticket's customer's orders or null, never another
customer's or an order that does not exist; the change is a ticket.updated
event like any other field's; the usual credentials and CSRF rules hold."""

import unittest

from harness import AGENT_EMAIL, AGENT_PASSWORD, E2ETestCase, Session, unique


class TicketOrderTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slug = "link-shop"
        r = cls.server.req("POST", "/api/v1/stores", {"slug": cls.slug, "name": "Link Shop",
                                                      "platform": "custom"}, token=cls.admin)
        assert r.status == 201, r

    def order(self, email=None, number=None):
        doc = {"number": number or unique("L-"), "currency": "EUR", "total": "12.50",
               "placed_at": "2026-11-28T10:00:00+01:00"}
        if email:
            doc["email"] = email
        r = self.as_admin("PUT", "/api/v1/stores/%s/orders/%s" % (self.slug, unique("o")), doc)
        return self.expect(r, 201)["order"]

    def ticket_of(self, email):
        return self.new_ticket(customer={"email": email, "name": "Lena Vogel"})

    def patch(self, tid, body, token=None):
        return self.req("PATCH", "/api/v1/tickets/%d" % tid, body, token=token or self.agent)

    def events(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d/events" % tid), 200)["events"]

    def test_link_and_unlink(self):
        email = unique("lena") + "@example.de"
        t = self.ticket_of(email)
        first, second = self.order(email), self.order(email)
        self.assertEqual(first["customer_id"], t["customer_id"])
        self.assertIsNone(t["order_id"])
        got = self.expect(self.patch(t["id"], {"order_id": first["id"]}), 200)["ticket"]
        self.assertEqual(got["order_id"], first["id"])
        # an admin may change it too, and GET shows what was stored
        self.expect(self.patch(t["id"], {"order_id": second["id"]}, token=self.admin), 200)
        self.assertEqual(self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % t["id"]),
                                     200)["ticket"]["order_id"], second["id"])
        got = self.expect(self.patch(t["id"], {"order_id": None}), 200)["ticket"]
        self.assertIsNone(got["order_id"])
        changes = [e["changes"].get("order_id") for e in self.events(t["id"])
                   if e["type"] == "ticket.updated"]
        self.assertEqual(changes, [[None, first["id"]], [first["id"], second["id"]],
                                   [second["id"], None]])

    def test_event_names_the_actor_and_nothing_else(self):
        email = unique("lena") + "@example.de"
        t, o = self.ticket_of(email), self.order(email)
        self.expect(self.patch(t["id"], {"order_id": o["id"]}), 200)
        ev = self.events(t["id"])[-1]
        self.assertEqual((ev["type"], ev["changes"]), ("ticket.updated",
                                                       {"order_id": [None, o["id"]]}))
        self.assertIsNotNone(ev["actor_id"])
        # the same order again is no change
        self.expect(self.patch(t["id"], {"order_id": o["id"]}), 200)
        self.assertEqual(self.events(t["id"])[-1]["changes"], {})

    def test_another_customers_order_is_refused(self):
        t = self.ticket_of(unique("lena") + "@example.de")
        theirs = self.order(unique("max") + "@example.de")
        nobodys = self.order()  # no email or phone: no customer at all
        for o in (theirs, nobodys):
            with self.subTest(o["number"]):
                err = self.expect_error(self.patch(t["id"], {"order_id": o["id"]}), 422,
                                        "validation_failed")
                self.assertIn("order %d" % o["id"], err["message"])
                self.assertIn("customer", err["message"])
        self.assertIsNone(self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % t["id"]),
                                      200)["ticket"]["order_id"])
        self.assertEqual([e["type"] for e in self.events(t["id"])], ["ticket.created"],
                         "a refused change records nothing")

    def test_unknown_order(self):
        t = self.ticket_of(unique("lena") + "@example.de")
        err = self.expect_error(self.patch(t["id"], {"order_id": 987654321}), 422,
                                "validation_failed")
        self.assertEqual(err["message"], "no order 987654321")

    def test_wrong_types(self):
        t = self.ticket_of(unique("lena") + "@example.de")
        for bad in ("1", 1.5, 0, -3, True, [1], {"id": 1}):
            with self.subTest(bad=bad):
                err = self.expect_error(self.patch(t["id"], {"order_id": bad}), 422,
                                        "validation_failed")
                self.assertEqual(err["message"], "order_id must be a positive integer")

    def test_closed_ticket_and_unknown_ticket(self):
        email = unique("lena") + "@example.de"
        t, o = self.ticket_of(email), self.order(email)
        self.expect(self.patch(t["id"], {"status": "closed"}), 200)
        self.expect_error(self.patch(t["id"], {"order_id": o["id"]}), 422, "validation_failed")
        self.expect_error(self.patch(99999999, {"order_id": o["id"]}), 404, "not_found")

    def test_credentials(self):
        email = unique("lena") + "@example.de"
        t, o = self.ticket_of(email), self.order(email)
        path = "/api/v1/tickets/%d" % t["id"]
        self.expect_error(self.req("PATCH", path, {"order_id": o["id"]}), 401, "unauthorized")
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        self.expect_error(s.req("PATCH", path, {"order_id": o["id"]}, csrf=False), 403,
                          "forbidden")
        got = self.expect(s.req("PATCH", path, {"order_id": o["id"]}), 200)["ticket"]
        self.assertEqual(got["order_id"], o["id"])


if __name__ == "__main__":
    unittest.main()
