"""Webhooks: subscriptions, signed deliveries to a local receiver, retries,
delivery records, admin only."""

import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
import unittest

from harness import E2ETestCase, free_port, parse_time, unique

WAIT = 10.0


class Receiver:
    """A local HTTP server that records every POST per path. `plan[path]` is a
    list of statuses to answer in turn (the last one repeats); default 200."""

    def __init__(self):
        self.lock = threading.Condition()
        self.got = {}
        self.plan = {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                with outer.lock:
                    seq = outer.plan.get(self.path, [200])
                    calls = outer.got.setdefault(self.path, [])
                    status = seq[min(len(calls), len(seq) - 1)]
                    calls.append({"headers": self.headers, "raw": raw, "time": time.time(),
                                  "answered": status})
                    outer.lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait(self, path, pred=lambda c: True, count=1, timeout=WAIT):
        """Waits until `count` requests to path satisfy pred; returns them."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                calls = [c for c in self.got.get(path, []) if pred(c)]
                if len(calls) >= count:
                    return calls
                left = deadline - time.monotonic()
                if left <= 0:
                    return calls
                self.lock.wait(left)

    def calls(self, path):
        with self.lock:
            return list(self.got.get(path, []))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def verify(secret, call):
    """Checks X-Deskd-Signature as a receiver would; returns the timestamp."""
    header = call["headers"].get("X-Deskd-Signature") or ""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, v1 = parts.get("t"), parts.get("v1")
    if not t or not v1:
        raise AssertionError("bad X-Deskd-Signature %r" % header)
    mac = hmac.new(secret.encode(), t.encode() + b"." + call["raw"], hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, v1):
        raise AssertionError("signature does not verify: %r" % header)
    return int(t)


def body_of(call):
    return json.loads(call["raw"].decode("utf-8"))


def about_ticket(tid):
    def pred(call):
        try:
            return body_of(call)["data"]["ticket"]["id"] == tid
        except (KeyError, TypeError, ValueError):
            return False
    return pred


class WebhooksTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rx = Receiver()

    @classmethod
    def tearDownClass(cls):
        cls.rx.close()
        super().tearDownClass()

    def hook(self, path, events=("*",), secret=None, expect=201):
        body = {"url": self.rx.url(path), "events": list(events)}
        if secret is not None:
            body["secret"] = secret
        r = self.as_admin("POST", "/api/v1/webhooks", body)
        self.expect(r, expect)
        return r.body["webhook"] if expect == 201 else r

    def deliveries(self, hid):
        r = self.as_admin("GET", "/api/v1/webhooks/%d/deliveries" % hid)
        self.expect(r, 200)
        return r.body["deliveries"]

    def test_create_shape(self):
        path = "/" + unique("shape")
        w = self.hook(path, ["ticket.created", "message.created"])
        self.assertEqual(w["url"], self.rx.url(path))
        self.assertEqual(sorted(w["events"]), ["message.created", "ticket.created"])
        self.assertIs(w["active"], True)
        self.assertIsInstance(w["secret"], str)
        self.assertGreaterEqual(len(w["secret"]), 16, "a generated secret must be strong")
        parse_time(w["created_at"])
        other = self.hook(path + "2")
        self.assertNotEqual(other["secret"], w["secret"])

        r = self.as_admin("GET", "/api/v1/webhooks/%d" % w["id"])
        self.expect(r, 200)
        got = r.body["webhook"]
        self.assertNotIn("secret", got)
        self.assertEqual(got["url"], w["url"])
        self.assertEqual(got["id"], w["id"])
        self.assertNotIn(w["secret"], r.raw.decode())

        r = self.as_admin("GET", "/api/v1/webhooks")
        self.expect(r, 200)
        mine = [x for x in r.body["webhooks"] if x["id"] == w["id"]]
        self.assertEqual(len(mine), 1)
        self.assertNotIn("secret", mine[0])
        self.assertNotIn(w["secret"], r.raw.decode())

    def test_delivery_is_signed(self):
        path = "/" + unique("signed")
        w = self.hook(path, ["ticket.created"])
        before = time.time()
        t = self.new_ticket(subject="Webhook ölçümü 웹훅")
        calls = self.rx.wait(path, about_ticket(t["id"]))
        self.assertEqual(len(calls), 1, "no delivery within %.0fs: %r" % (WAIT, self.rx.calls(path)))
        call = calls[0]
        ts = verify(w["secret"], call)
        self.assertLess(abs(ts - before), 120, "signature time is not now")
        self.assertEqual(call["headers"].get("X-Deskd-Event"), "ticket.created")
        self.assertTrue((call["headers"].get("Content-Type") or "").startswith("application/json"))
        delivery_id = call["headers"].get("X-Deskd-Delivery")
        self.assertTrue(delivery_id, call["headers"])
        body = body_of(call)
        self.assertEqual(body["type"], "ticket.created")
        self.assertIsInstance(body["id"], int)
        parse_time(body["created_at"])
        self.assertEqual(body["data"]["ticket"], self.as_agent(
            "GET", "/api/v1/tickets/%d" % t["id"]).body["ticket"])
        self.assertEqual(body["data"]["ticket"]["subject"], "Webhook ölçümü 웹훅")

        # a tampered body or another secret does not verify
        with self.assertRaises(AssertionError):
            verify(w["secret"], dict(call, raw=call["raw"] + b" "))
        with self.assertRaises(AssertionError):
            verify(w["secret"] + "x", call)

        deadline = time.monotonic() + WAIT
        while True:
            ds = self.deliveries(w["id"])
            if ds and ds[0]["status"] == "delivered" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(ds), 1, ds)
        d = ds[0]
        self.assertEqual(str(d["id"]), delivery_id)
        self.assertEqual(d["event_type"], "ticket.created")
        self.assertEqual(d["status"], "delivered")
        self.assertEqual(d["attempts"], 1)
        self.assertEqual(d["response_status"], 200)
        self.assertIsNone(d["last_error"])
        parse_time(d["created_at"])
        parse_time(d["delivered_at"])

    def test_given_secret_and_event_filter(self):
        path = "/" + unique("filtered")
        secret = "s3cr3t-" + unique()
        w = self.hook(path, ["ticket.updated"], secret=secret)
        self.assertEqual(w["secret"], secret)
        t = self.new_ticket()
        r = self.as_agent("PATCH", "/api/v1/tickets/%d" % t["id"], {"priority": "urgent"})
        self.expect(r, 200)
        calls = self.rx.wait(path, about_ticket(t["id"]))
        self.assertEqual(len(calls), 1, self.rx.calls(path))
        verify(secret, calls[0])
        self.assertEqual(calls[0]["headers"].get("X-Deskd-Event"), "ticket.updated")
        body = body_of(calls[0])
        self.assertEqual(body["type"], "ticket.updated")
        self.assertEqual(body["data"]["ticket"]["priority"], "urgent")
        time.sleep(1.0)
        types = [c["headers"].get("X-Deskd-Event") for c in self.rx.calls(path)]
        self.assertEqual(types, ["ticket.updated"], "only subscribed events are sent")

    def test_star_gets_every_event_type(self):
        path = "/" + unique("star")
        w = self.hook(path, ["*"])
        t = self.new_ticket(customer={"email": unique("new") + "@shop.example", "name": "New"})
        self.expect(self.as_agent("PATCH", "/api/v1/tickets/%d" % t["id"], {"status": "open"}), 200)
        self.expect(self.as_agent("POST", "/api/v1/tickets/%d/messages" % t["id"],
                                  {"body": "hi"}), 201)
        r = self.as_agent("POST", "/api/v1/customers", {"name": "Hook Customer",
                                                        "email": unique("h") + "@example.com"})
        self.expect(r, 201)
        cid = r.body["customer"]["id"]
        self.expect(self.as_agent("PATCH", "/api/v1/customers/%d" % cid, {"name": "Renamed"}), 200)
        want = {"ticket.created", "ticket.updated", "message.created", "customer.created",
                "customer.updated"}
        calls = self.rx.wait(path, count=5)
        deadline = time.monotonic() + WAIT
        while {c["headers"].get("X-Deskd-Event") for c in calls} < want \
                and time.monotonic() < deadline:
            time.sleep(0.2)
            calls = self.rx.calls(path)
        seen = {c["headers"].get("X-Deskd-Event") for c in calls}
        self.assertTrue(want <= seen, "missing %r" % (want - seen))
        for c in calls:
            verify(w["secret"], c)
            self.assertEqual(body_of(c)["type"], c["headers"].get("X-Deskd-Event"))
        ids = [c["headers"].get("X-Deskd-Delivery") for c in calls]
        self.assertEqual(len(ids), len(set(ids)), "each delivery has its own id")

    def test_retry_until_delivered(self):
        path = "/" + unique("flaky")
        self.rx.plan[path] = [500, 200]
        w = self.hook(path, ["ticket.created"])
        t = self.new_ticket()
        calls = self.rx.wait(path, about_ticket(t["id"]), count=2)
        self.assertEqual(len(calls), 2, "not retried within %.0fs: %r" % (WAIT, calls))
        self.assertEqual([c["answered"] for c in calls], [500, 200])
        self.assertGreaterEqual(calls[1]["time"] - calls[0]["time"], 0.5, "no backoff")
        for c in calls:
            verify(w["secret"], c)
        self.assertEqual(calls[0]["headers"].get("X-Deskd-Delivery"),
                         calls[1]["headers"].get("X-Deskd-Delivery"),
                         "a retry is the same delivery")
        self.assertEqual(body_of(calls[0]), body_of(calls[1]))

        deadline = time.monotonic() + WAIT
        while True:
            ds = self.deliveries(w["id"])
            if (ds and ds[0]["status"] == "delivered") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(ds), 1)
        self.assertEqual(ds[0]["status"], "delivered")
        self.assertGreater(ds[0]["attempts"], 1)
        self.assertEqual(ds[0]["attempts"], 2)
        self.assertEqual(ds[0]["response_status"], 200)
        self.assertIsNotNone(ds[0]["delivered_at"])
        time.sleep(2.5)
        self.assertEqual(len(self.rx.calls(path)), 2, "a delivered event is not sent again")

    def test_unreachable_receiver_is_retried_with_error(self):
        port = free_port()  # nothing listens there
        r = self.as_admin("POST", "/api/v1/webhooks",
                          {"url": "http://127.0.0.1:%d/hook" % port, "events": ["ticket.created"]})
        self.expect(r, 201)
        hid = r.body["webhook"]["id"]
        self.new_ticket()
        deadline = time.monotonic() + WAIT
        while True:
            ds = self.deliveries(hid)
            if (ds and ds[0]["attempts"] >= 2) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(len(ds), 1, ds)
        d = ds[0]
        self.assertGreaterEqual(d["attempts"], 2, d)
        self.assertEqual(d["status"], "pending", "8 attempts are not used up yet: %r" % d)
        self.assertIsNone(d["response_status"])
        self.assertIsInstance(d["last_error"], str)
        self.assertTrue(d["last_error"])
        self.assertIsNone(d["delivered_at"])

    def test_error_status_is_recorded(self):
        path = "/" + unique("broken")
        self.rx.plan[path] = [503]
        w = self.hook(path, ["ticket.created"])
        self.new_ticket()
        self.rx.wait(path)
        deadline = time.monotonic() + WAIT
        while True:
            ds = self.deliveries(w["id"])
            if (ds and ds[0]["attempts"] >= 1 and ds[0]["response_status"]) \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(ds[0]["response_status"], 503, ds)
        self.assertEqual(ds[0]["status"], "pending")
        self.assertTrue(ds[0]["last_error"], ds)

    def test_delete(self):
        path = "/" + unique("deleted")
        w = self.hook(path, ["ticket.created"])
        self.expect(self.as_admin("DELETE", "/api/v1/webhooks/%d" % w["id"]), 204)
        self.expect_error(self.as_admin("GET", "/api/v1/webhooks/%d" % w["id"]), 404, "not_found")
        self.assertNotIn(w["id"], [x["id"] for x in
                                   self.as_admin("GET", "/api/v1/webhooks").body["webhooks"]])
        self.new_ticket()
        time.sleep(2.0)
        self.assertEqual(self.rx.calls(path), [], "a deleted webhook must not be called")
        self.expect_error(self.as_admin("DELETE", "/api/v1/webhooks/%d" % w["id"]), 404,
                          "not_found")

    def test_validation(self):
        for body, field in (({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
                            ({"url": "javascript:alert(1)", "events": ["*"]}, "url"),
                            ({"url": "not a url", "events": ["*"]}, "url"),
                            ({"events": ["*"]}, "url"),
                            ({"url": 5, "events": ["*"]}, "url"),
                            ({"url": "http://127.0.0.1/x", "events": ["ticket.deleted"]}, "event"),
                            ({"url": "http://127.0.0.1/x", "events": "ticket.created"}, "event"),
                            ({"url": "http://127.0.0.1/x", "events": [5]}, "event"),
                            ({"url": "http://127.0.0.1/x"}, "event"),
                            ({"url": "http://127.0.0.1/x", "events": ["*"], "secret": 5},
                             "secret")):
            with self.subTest(body=body):
                err = self.expect_error(self.as_admin("POST", "/api/v1/webhooks", body), 422,
                                        "validation_failed")
                self.assertIn(field, err["message"])
        self.expect(self.as_admin("POST", "/api/v1/webhooks",
                                  {"url": "https://hooks.example.com/deskd", "events": ["*"]}),
                    201, "https is allowed")

    def test_unknown_ids_are_404(self):
        self.expect_error(self.as_admin("GET", "/api/v1/webhooks/987654"), 404, "not_found")
        self.expect_error(self.as_admin("GET", "/api/v1/webhooks/987654/deliveries"), 404,
                          "not_found")

    def test_agent_is_forbidden(self):
        w = self.hook("/" + unique("agent"))
        for method, path, body in (
                ("GET", "/api/v1/webhooks", None),
                ("POST", "/api/v1/webhooks", {"url": self.rx.url("/x"), "events": ["*"]}),
                ("GET", "/api/v1/webhooks/%d" % w["id"], None),
                ("GET", "/api/v1/webhooks/%d/deliveries" % w["id"], None),
                ("DELETE", "/api/v1/webhooks/%d" % w["id"], None)):
            with self.subTest(method=method, path=path):
                self.expect_error(self.as_agent(method, path, body), 403, "forbidden")
        self.expect(self.as_admin("GET", "/api/v1/webhooks/%d" % w["id"]), 200,
                    "the agent's DELETE must not have removed it")


class BesideEmailTest(E2ETestCase):
    """Webhooks and emails are separate queues: a reply stuck on an SMTP server
    that takes the email and then never answers (an attempt may last two
    minutes) holds up no webhook delivery."""

    def test_a_stalled_smtp_server_holds_up_no_webhook(self):
        rx = Receiver()
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.2)
        held, stalled, stop = [], threading.Event(), threading.Event()

        def converse(conn):
            # answers everything up to the email's text, then nothing more
            conn.sendall(b"220 slow ESMTP\r\n")
            for line in conn.makefile("rb"):
                if line.upper().startswith(b"DATA"):
                    conn.sendall(b"354 go ahead\r\n")
                    stalled.set()
                    return
                conn.sendall(b"250 OK\r\n")

        def accept():
            while not stop.is_set():
                try:
                    conn = listener.accept()[0]
                except OSError:
                    continue
                held.append(conn)
                threading.Thread(target=converse, args=(conn,), daemon=True).start()
        threading.Thread(target=accept, daemon=True).start()
        try:
            address = unique("slow") + "@shop.example"
            self.expect(self.as_admin("POST", "/api/v1/mailboxes", {
                "address": address, "name": "Slow", "smtp": {
                    "host": "127.0.0.1", "port": listener.getsockname()[1], "security": "none"}}),
                201)
            raw = ("From: Jane <jane@shop.example>\r\nTo: %s\r\nSubject: Lamp\r\n"
                   "Message-ID: <%s@shop.example>\r\n\r\nWhere is my lamp?\r\n"
                   % (address, unique("m"))).encode()
            r = self.req("POST", "/api/v1/mail/inbound?mailbox=" + address, token=self.admin,
                         raw=raw, headers={"Content-Type": "message/rfc822"})
            tid = self.expect(r, 201)["ticket_id"]
            self.expect(self.as_agent("POST", "/api/v1/tickets/%d/messages" % tid,
                                      {"body": "On its way.", "kind": "reply"}), 201)
            self.assertTrue(stalled.wait(WAIT), "the email never reached the SMTP server")

            r = self.as_admin("POST", "/api/v1/webhooks", {"url": rx.url("/beside"),
                                                          "events": ["ticket.created"]})
            self.expect(r, 201)
            t = self.new_ticket()
            self.assertTrue(rx.wait("/beside", about_ticket(t["id"]), timeout=30),
                            "the webhook waited behind the email")
            reply = [m for m in self.expect(self.as_agent(
                "GET", "/api/v1/tickets/%d/messages" % tid), 200)["messages"]
                if m["body"] == "On its way."]
            self.assertEqual(reply[0]["mail_status"], "queued", "the email is still on its way")
        finally:
            stop.set()
            for conn in held:
                conn.close()
            listener.close()
            rx.close()

if __name__ == "__main__":
    unittest.main()
