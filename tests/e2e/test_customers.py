"""Customers: create with identities, conflicts, lookup with ticket history,
update, list with q and cursor pagination."""

import time
import unittest

from harness import E2ETestCase, parse_time, unique, urlquote

CUSTOMER_FIELDS = {"id", "name", "email", "identities", "language", "created_at", "updated_at"}


class CustomersTest(E2ETestCase):

    def create(self, body, expect=201):
        r = self.as_agent("POST", "/api/v1/customers", body)
        self.expect(r, expect)
        return r.body["customer"] if expect == 201 else r

    def get(self, cid):
        r = self.as_agent("GET", "/api/v1/customers/%d" % cid)
        self.expect(r, 200)
        return r.body["customer"]

    def test_create_with_identities(self):
        local = unique("Hana")
        phone = "+82-10-%s" % unique("")[:8]
        ext = "shopify:" + unique()
        c = self.create({"name": "박하나", "email": "%s@Mail.Example" % local,
                         "identities": [{"type": "phone", "value": phone},
                                        {"type": "external", "value": ext}]})
        self.assertTrue(CUSTOMER_FIELDS <= set(c), c)
        self.assertEqual(c["name"], "박하나")
        self.assertEqual(c["email"], "%s@mail.example" % local.lower(), "emails stored lower-case")
        idents = {(i["type"], i["value"]) for i in c["identities"]}
        self.assertIn(("phone", phone), idents)
        self.assertIn(("external", ext), idents)
        self.assertIn(("email", "%s@mail.example" % local.lower()), idents)
        parse_time(c["created_at"])
        parse_time(c["updated_at"])
        got = self.get(c["id"])
        self.assertEqual(got["tickets"], [])
        self.assertEqual({(i["type"], i["value"]) for i in got["identities"]}, idents)

    def test_create_with_name_only(self):
        c = self.create({"name": "Walk-in Kim"})
        self.assertEqual(c["name"], "Walk-in Kim")
        self.assertIsNone(c["email"])
        self.assertEqual(c["identities"], [])

    def test_owned_identity_is_409(self):
        email = unique("owned") + "@example.com"
        phone = "+90-555-" + unique("")[:7]
        first = self.create({"name": "Ayşe", "email": email,
                             "identities": [{"type": "phone", "value": phone}]})
        self.expect_error(self.create({"name": "Copy", "email": email.upper()}, expect=409),
                          409, "conflict")
        r = self.create({"name": "Copy", "identities": [{"type": "email", "value": email}]},
                        expect=409)
        self.expect_error(r, 409, "conflict")
        r = self.create({"name": "Copy", "identities": [{"type": "phone", "value": phone}]},
                        expect=409)
        self.expect_error(r, 409, "conflict")
        r = self.as_agent("GET", "/api/v1/customers?q=" + urlquote(email))
        self.assertEqual([c["id"] for c in r.body["customers"]], [first["id"]],
                         "a refused create must not leave a customer")

    def test_validation(self):
        for body, field in (({}, "name"), ({"name": ""}, "name"), ({"name": 5}, "name"),
                            ({"name": "x", "email": "nope"}, "email"),
                            ({"name": "x", "email": 5}, "email"),
                            ({"name": "x", "identities": "a"}, "identities"),
                            ({"name": "x", "identities": [{"type": "fax", "value": "1"}]}, "type"),
                            ({"name": "x", "identities": [{"type": "phone"}]}, "value"),
                            ({"name": "x", "identities": [{"type": "phone", "value": ""}]},
                             "value"),
                            ({"name": "x", "identities": [{"type": "email", "value": "bad"}]},
                             "email")):
            with self.subTest(body=body):
                err = self.expect_error(self.as_agent("POST", "/api/v1/customers", body), 422,
                                        "validation_failed")
                self.assertIn(field, err["message"])

    def test_ticket_history_newest_first(self):
        email = unique("hist") + "@shop.example"
        c = self.create({"name": "Deniz Kaya", "email": email})
        ids = []
        for i in range(3):
            t = self.new_ticket(subject="History %d" % i, customer={"email": email.upper()})
            self.assertEqual(t["customer_id"], c["id"], "ticket by email finds the customer")
            ids.append(t["id"])
            time.sleep(1.05)
        got = self.get(c["id"])
        self.assertEqual([t["id"] for t in got["tickets"]], list(reversed(ids)))
        self.assertEqual([t["subject"] for t in got["tickets"]],
                         ["History 2", "History 1", "History 0"])
        self.assertEqual(got["name"], "Deniz Kaya", "a ticket must not rename the customer")

    def test_ticket_by_phone_identity_customer_is_separate(self):
        c = self.create({"name": "Phone only",
                         "identities": [{"type": "phone", "value": "+1-555-" + unique("")[:6]}]})
        t = self.new_ticket(customer={"email": unique("fresh") + "@shop.example",
                                      "name": "Fresh"})
        self.assertNotEqual(t["customer_id"], c["id"])
        fresh = self.get(t["customer_id"])
        self.assertEqual(fresh["name"], "Fresh")

    def test_patch_name_and_identities(self):
        email = unique("patch") + "@example.com"
        c = self.create({"name": "Old Name", "email": email,
                         "identities": [{"type": "phone", "value": "+81-90-" + unique("")[:8]}]})
        time.sleep(1.05)
        r = self.as_agent("PATCH", "/api/v1/customers/%d" % c["id"], {"name": "Yamada Tarō 山田"})
        self.expect(r, 200)
        self.assertEqual(r.body["customer"]["name"], "Yamada Tarō 山田")
        self.assertGreater(parse_time(r.body["customer"]["updated_at"]),
                           parse_time(c["updated_at"]))
        self.assertEqual(self.get(c["id"])["name"], "Yamada Tarō 山田")

        new_ids = [{"type": "email", "value": email},
                   {"type": "external", "value": "amazon:" + unique()}]
        r = self.as_agent("PATCH", "/api/v1/customers/%d" % c["id"], {"identities": new_ids})
        self.expect(r, 200)
        want = {(i["type"], i["value"]) for i in new_ids}
        self.assertEqual({(i["type"], i["value"]) for i in r.body["customer"]["identities"]},
                         want, "identities are replaced, not merged")
        self.assertEqual({(i["type"], i["value"]) for i in self.get(c["id"])["identities"]}, want)

    def test_patch_identity_owned_by_another_is_409(self):
        a = self.create({"name": "A", "email": unique("a") + "@example.com"})
        b = self.create({"name": "B", "email": unique("b") + "@example.com"})
        r = self.as_agent("PATCH", "/api/v1/customers/%d" % b["id"],
                          {"identities": [{"type": "email", "value": a["email"].upper()}]})
        self.expect_error(r, 409, "conflict")
        self.assertEqual({i["value"] for i in self.get(b["id"])["identities"]}, {b["email"]})

    def test_patch_validation_and_404(self):
        c = self.create({"name": "Valid"})
        for body in ({"name": ""}, {"name": 3}, {"identities": [{"type": "carrier-pigeon",
                                                                 "value": "x"}]}):
            with self.subTest(body=body):
                self.expect_error(self.as_agent("PATCH", "/api/v1/customers/%d" % c["id"], body),
                                  422, "validation_failed")
        self.assertEqual(self.get(c["id"])["name"], "Valid")
        self.expect_error(self.as_agent("PATCH", "/api/v1/customers/987654", {"name": "x"}),
                          404, "not_found")
        self.expect_error(self.as_agent("GET", "/api/v1/customers/987654"), 404, "not_found")

    def test_list_q_and_pagination(self):
        word = unique("Zeynep")
        made = []
        for i in range(7):
            made.append(self.create({"name": "%s Müşteri %d" % (word, i),
                                     "email": "%s-%d@example.com" % (word.lower(), i)})["id"])
        self.create({"name": "Unrelated " + unique()})

        r = self.as_agent("GET", "/api/v1/customers?q=" + urlquote(word))
        self.expect(r, 200)
        self.assertEqual({c["id"] for c in r.body["customers"]}, set(made))
        self.assertIsNone(r.body["next_cursor"])

        seen, cursor, pages = [], None, 0
        while True:
            q = "q=%s&limit=3" % urlquote(word)
            if cursor:
                q += "&cursor=" + urlquote(cursor)
            r = self.as_agent("GET", "/api/v1/customers?" + q)
            self.expect(r, 200)
            self.assertLessEqual(len(r.body["customers"]), 3)
            seen += [c["id"] for c in r.body["customers"]]
            cursor = r.body["next_cursor"]
            pages += 1
            if cursor is None:
                break
            self.assertLess(pages, 10)
        self.assertEqual(sorted(seen), sorted(made))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(pages, 3)

        r = self.as_agent("GET", "/api/v1/customers?q=" + urlquote("%s-3@example.com" % word.lower()))
        self.expect(r, 200)
        self.assertEqual([c["id"] for c in r.body["customers"]], [made[3]])

        r = self.as_agent("GET", "/api/v1/customers?q=" + unique("nobody"))
        self.expect(r, 200)
        self.assertEqual(r.body["customers"], [])

    def test_list_all(self):
        r = self.as_agent("GET", "/api/v1/customers?limit=100")
        self.expect(r, 200)
        self.assertIn("next_cursor", r.body)
        for c in r.body["customers"]:
            self.assertTrue(CUSTOMER_FIELDS <= set(c), c)

    def test_list_bad_parameters(self):
        for q in ("limit=0", "limit=abc", "limit=-5", "cursor=garbage"):
            with self.subTest(q=q):
                self.expect_error(self.as_agent("GET", "/api/v1/customers?" + q), 400,
                                  "bad_request")


if __name__ == "__main__":
    unittest.main()
