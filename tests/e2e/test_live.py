"""The live channel: GET /api/v1/stream (Server-Sent Events of new events and
presence changes, resumable with Last-Event-ID) and ticket presence
(POST/GET /api/v1/tickets/{id}/presence).

A stream never ends by itself, so EventStream reads it on a raw socket in a
thread and every test closes its streams."""

import http.client
import io
import json
import socket
import threading
import time
import unittest

from harness import E2ETestCase, Session, AGENT_EMAIL, AGENT_PASSWORD, parse_time, unique
from test_macros import refuse_bad_bodies

EVENT_FIELDS = {"id", "ticket_id", "customer_id", "actor_id", "type", "changes", "created_at"}
EVENT_TYPES = {"ticket.created", "ticket.updated", "message.created", "customer.created",
               "customer.updated"}
SOON = 2.0  # what "live" means: a change shows on other agents' streams within 2 s


class EventStream:
    """One GET /api/v1/stream, read by a thread into parsed SSE blocks.

    messages: dicts with "event", "id", "data" (text), "json" (parsed data) and
    "retry" as sent; comments: the text of ":" lines; text: everything decoded."""

    def __init__(self, server, token=None, cookie=None, last_event_id=None, headers=None):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        lines = ["GET /api/v1/stream HTTP/1.1", "Host: 127.0.0.1:%d" % server.port,
                 "Accept: text/event-stream"]
        if token:
            lines.append("Authorization: Bearer " + token)
        if cookie:
            lines.append("Cookie: " + cookie)
        if last_event_id is not None:
            lines.append("Last-Event-ID: %s" % last_event_id)
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("the stream closed before its headers: %r" % buf)
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        status_line, _, header_bytes = head.partition(b"\r\n")
        self.status = int(status_line.split()[1])
        self.headers = http.client.parse_headers(io.BytesIO(header_bytes + b"\r\n\r\n"))
        self.chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        self.cond = threading.Condition()
        self.messages, self.comments, self.blocks = [], [], []
        self.text, self.ended, self.closed = "", False, False
        self._raw, self._body = b"", b""
        self.opened_at = time.monotonic()
        if self.status != 200:
            n = int(self.headers.get("Content-Length") or 0)
            while len(rest) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            self.body = json.loads(rest.decode()) if rest else None
            self.sock.close()
            self.ended = True
            return
        self._feed(rest)
        self.sock.settimeout(0.5)  # the reader polls, so close() is seen quickly
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                self._feed(data)
            except Exception as e:  # noqa: BLE001 - a stream that is not SSE ends the read
                self.text += "\n[unreadable stream: %r]" % (e,)
                break
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def _feed(self, data):
        if self.chunked:
            self._raw += data
            while True:
                line_end = self._raw.find(b"\r\n")
                if line_end < 0:
                    break
                size = int(self._raw[:line_end].split(b";")[0], 16)
                if size == 0:
                    self._raw = b""
                    break
                if len(self._raw) < line_end + 2 + size + 2:
                    break
                self._body += self._raw[line_end + 2:line_end + 2 + size]
                self._raw = self._raw[line_end + 2 + size + 2:]
        else:
            self._body += data
        with self.cond:
            while b"\n\n" in self._body:
                block, self._body = self._body.split(b"\n\n", 1)
                text = block.decode("utf-8")
                self.text += text + "\n\n"
                self.blocks.append(text)
                msg = {}
                for line in text.split("\n"):
                    if line.startswith(":"):
                        self.comments.append((line[1:].lstrip(" "), time.monotonic()))
                        continue
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    msg[field] = msg[field] + "\n" + value if field == "data" and "data" in msg \
                        else value
                if "data" in msg:
                    msg["json"] = json.loads(msg["data"])
                    msg["at"] = time.monotonic()
                    self.messages.append(msg)
                elif msg:
                    self.messages.append(msg)
            self.cond.notify_all()

    def wait_for(self, pred, timeout=SOON):
        """The first message for which pred is true, waiting up to timeout; None if none."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if "json" in m and pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    return None
                self.cond.wait(left)

    def wait_until(self, check, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not check():
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    return check()
                self.cond.wait(left)
            return True

    def events(self, kind=None):
        with self.cond:
            return [m for m in self.messages if "json" in m and m.get("event") != "presence"
                    and (kind is None or m.get("event") == kind)]

    def presence(self, ticket_id=None):
        with self.cond:
            return [m["json"] for m in self.messages if m.get("event") == "presence"
                    and (ticket_id is None or m["json"].get("ticket_id") == ticket_id)]

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if hasattr(self, "thread"):
            self.thread.join(5)


def add_agent(server, admin_token, name):
    """A new agent made through the API; returns (id, bearer token, email)."""
    email = unique("live") + "@example.com"
    r = server.req("POST", "/api/v1/users", {"email": email, "name": name, "role": "agent",
                                             "password": "live-password-1"}, token=admin_token)
    assert r.status == 201, r
    uid = r.body["user"]["id"]
    r = server.req("POST", "/api/v1/tokens", {"name": "live", "user_id": uid}, token=admin_token)
    assert r.status == 201, r
    return uid, r.body["token"], email


class LiveCase(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ayse_name = "Ayşe Yılmaz"
        cls.ayse_id, cls.ayse, _ = add_agent(cls.server, cls.admin, cls.ayse_name)

    def open(self, token=None, **kw):
        s = EventStream(self.server, token=token, **kw)
        self.addCleanup(s.close)
        if s.status == 200:
            self.assertTrue(s.wait_until(lambda: ": open" in s.text, SOON),
                            "the stream did not say it is open: %r" % s.text)
        return s

    def events_of_ticket(self, tid):
        r = self.as_agent("GET", "/api/v1/tickets/%d/events" % tid)
        self.expect(r, 200)
        return r.body["events"]

    def patch_ticket(self, tid, body, token=None):
        return self.expect(self.req("PATCH", "/api/v1/tickets/%d" % tid, body,
                                    token=token or self.agent), 200)["ticket"]


class StreamTest(LiveCase):

    def test_opens_with_retry_and_open_comment(self):
        s = self.open(self.agent)
        self.assertEqual(s.status, 200)
        self.assertEqual((s.headers.get("Content-Type") or "").split(";")[0],
                         "text/event-stream")
        self.assertIn("no-", s.headers.get("Cache-Control") or "", "a stream is not cached")
        self.assertTrue(s.text.startswith("retry: 2000\n: open\n\n"), repr(s.text[:100]))
        self.assertEqual(s.blocks[0].split("\n"), ["retry: 2000", ": open"])

    def test_ticket_by_another_agent_arrives_within_2s(self):
        s = self.open(self.agent)
        t = self.new_ticket(token=self.ayse)
        m = s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"])
        self.assertIsNotNone(m, "no event for ticket %d within %.0fs: %r" % (t["id"], SOON, s.text))
        self.assertEqual(m["event"], "ticket.created")
        data = m["json"]
        self.assertEqual(set(data), EVENT_FIELDS, data)
        self.assertEqual(data["type"], "ticket.created")
        self.assertEqual(data["actor_id"], self.ayse_id)
        self.assertEqual(m["id"], str(data["id"]), "the id: line is the event id")
        parse_time(data["created_at"])
        self.assertIn(data, self.events_of_ticket(t["id"]),
                      "the data is the event of GET /tickets/{id}/events")

    def test_reply_note_and_patch(self):
        t = self.new_ticket()
        s = self.open(self.agent)
        r = self.req("POST", "/api/v1/tickets/%d/messages" % t["id"],
                     {"body": "Your parcel left the warehouse."}, token=self.ayse)
        self.expect(r, 201)
        m = s.wait_for(lambda m: m["event"] == "message.created"
                       and m["json"]["ticket_id"] == t["id"])
        self.assertIsNotNone(m, "the reply did not show within %.0fs: %r" % (SOON, s.text))
        self.assertEqual(m["json"]["type"], "message.created")
        self.assertEqual(m["json"]["actor_id"], self.ayse_id)
        self.assertEqual(m["json"]["changes"].get("status"), ["new", "open"],
                         "the first reply opened the ticket")

        r = self.req("POST", "/api/v1/tickets/%d/messages" % t["id"],
                     {"body": "VIP", "kind": "note"}, token=self.admin)
        self.expect(r, 201)
        note = s.wait_for(lambda x: x["event"] == "message.created" and x is not m
                          and x["json"]["actor_id"] == self.admin_id)
        self.assertIsNotNone(note, s.text)
        self.assertEqual(note["json"]["ticket_id"], t["id"])

        self.patch_ticket(t["id"], {"priority": "urgent", "tags": ["vip"]}, token=self.ayse)
        up = s.wait_for(lambda x: x["event"] == "ticket.updated"
                        and x["json"]["ticket_id"] == t["id"])
        self.assertIsNotNone(up, s.text)
        self.assertEqual(up["json"]["changes"].get("priority"), ["normal", "urgent"], up)
        self.assertEqual(up["json"]["actor_id"], self.ayse_id)
        on_stream = [x["json"] for x in s.events() if x["json"]["ticket_id"] == t["id"]]
        self.assertEqual(on_stream, [e for e in self.events_of_ticket(t["id"])
                                     if e["id"] >= m["json"]["id"]],
                         "the stream carries the ticket's timeline after it opened, in order")

    def test_customer_events(self):
        s = self.open(self.agent)
        c = self.expect(self.req("POST", "/api/v1/customers", {"name": "Wanjiru " + unique()},
                                 token=self.ayse), 201)["customer"]
        m = s.wait_for(lambda m: m["event"] == "customer.created")
        self.assertIsNotNone(m, s.text)
        self.assertEqual(set(m["json"]), EVENT_FIELDS)
        self.assertIsNone(m["json"]["ticket_id"])
        self.assertEqual(m["json"]["actor_id"], self.ayse_id)
        self.expect(self.req("PATCH", "/api/v1/customers/%d" % c["id"], {"name": "Wanjiru K."},
                             token=self.ayse), 200)
        m = s.wait_for(lambda m: m["event"] == "customer.updated")
        self.assertIsNotNone(m, s.text)
        self.assertEqual(m["json"]["type"], "customer.updated")
        self.assertIsNone(m["json"]["ticket_id"])

    def test_only_what_happens_after_opening(self):
        before = self.new_ticket()
        self.patch_ticket(before["id"], {"priority": "low"})
        s = self.open(self.agent)
        after = self.new_ticket(token=self.ayse)
        self.assertIsNotNone(s.wait_for(lambda m: m["json"].get("ticket_id") == after["id"]),
                             s.text)
        time.sleep(0.5)
        self.assertEqual([m for m in s.events() if m["json"].get("ticket_id") == before["id"]],
                         [], "events from before the stream opened are not sent")
        newest_before = max(e["id"] for e in self.events_of_ticket(before["id"]))
        self.assertTrue(all(int(m["id"]) > newest_before for m in s.events()), s.text)

    def test_every_event_exactly_once_and_in_order(self):
        s = self.open(self.agent)
        other = self.open(self.ayse)
        tickets = []
        lock = threading.Lock()

        def work(token, n):
            for i in range(n):
                t = self.new_ticket(token=token, subject="burst %d" % i)
                with lock:
                    tickets.append(t["id"])
                self.patch_ticket(t["id"], {"status": "pending"}, token=token)

        threads = [threading.Thread(target=work, args=(tok, 4))
                   for tok in (self.agent, self.ayse, self.admin)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        self.assertEqual(len(tickets), 12)
        want = sorted(e["id"] for tid in tickets for e in self.events_of_ticket(tid))
        for name, st in (("agent", s), ("ayşe", other)):
            with self.subTest(stream=name):
                ok = st.wait_until(lambda: set(want) <= {int(m["id"]) for m in st.events()},
                                   SOON + 3)
                got = [int(m["id"]) for m in st.events()]
                self.assertTrue(ok, "missing events %s" % sorted(set(want) - set(got)))
                self.assertEqual(got, sorted(set(got)), "ids must be unique and increasing")
                self.assertEqual([i for i in got if i in set(want)], want)
                for m in st.events():
                    self.assertIn(m["event"], EVENT_TYPES)
                    self.assertEqual(m["event"], m["json"]["type"])

    def test_cookie_session_stream(self):
        session = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        s = self.open(cookie=session.cookie)
        self.assertEqual(s.status, 200)
        t = self.new_ticket(token=self.ayse)
        self.assertIsNotNone(s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"]),
                             "a browser session gets the events too: %r" % s.text)

    def test_without_credentials_is_401_json(self):
        for kw in ({}, {"token": "garbage"}, {"token": "dsk_" + "f" * 64},
                   {"cookie": "deskd_session=forged"}):
            with self.subTest(**kw):
                s = EventStream(self.server, **kw)
                self.addCleanup(s.close)
                self.assertEqual(s.status, 401)
                self.assertEqual(s.body["error"]["code"], "unauthorized", s.body)
                self.assertIn("json", s.headers.get("Content-Type"))

    def test_ping_while_idle(self):
        s = self.open(self.agent)
        ok = s.wait_until(lambda: any(c == "ping" for c, _ in s.comments), 18)
        self.assertTrue(ok, "no ': ping' within 18 s of quiet: %r" % s.text)
        at = [t for c, t in s.comments if c == "ping"][0] - s.opened_at
        self.assertGreater(at, 12, "the first ping comes after about 15 s, not at %.1fs" % at)
        self.assertTrue(s.text.endswith(": ping\n\n"), repr(s.text[-50:]))
        # the stream still works after a ping
        t = self.new_ticket(token=self.ayse)
        self.assertIsNotNone(s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"]), s.text)

    # -- Last-Event-ID --------------------------------------------------------

    def missed_while_away(self):
        """Opens a stream, sees one event, goes away; meanwhile others work.
        Returns (the last id seen, the ids of the events missed)."""
        s = self.open(self.agent)
        t1 = self.new_ticket()
        seen = s.wait_for(lambda m: m["json"].get("ticket_id") == t1["id"])
        self.assertIsNotNone(seen, s.text)
        last = int(seen["id"])
        s.close()
        t2 = self.new_ticket(token=self.ayse)  # ticket.created + customer.created
        self.expect(self.req("POST", "/api/v1/tickets/%d/messages" % t1["id"],
                             {"body": "Back in stock tomorrow."}, token=self.ayse), 201)
        self.patch_ticket(t2["id"], {"priority": "high"}, token=self.admin)
        missed = sorted(e["id"] for tid in (t1["id"], t2["id"])
                        for e in self.events_of_ticket(tid) if e["id"] > last)
        self.assertGreaterEqual(len(missed), 3)
        return last, missed

    def test_resume_delivers_missed_events_at_once(self):
        """A reconnecting browser gets what it missed first, without waiting
        for something else to happen (docs: 'to get every event after N first')."""
        last, missed = self.missed_while_away()
        s = self.open(self.agent, last_event_id=last)
        ok = s.wait_until(lambda: set(missed) <= {int(m["id"]) for m in s.events()}, SOON + 1)
        self.assertTrue(ok, "Last-Event-ID: %d: the missed events %s did not come within %.0fs "
                        "(got %r)" % (last, missed, SOON + 1, s.text))

    def test_resume_delivers_missed_events_exactly_once(self):
        last, missed = self.missed_while_away()
        s = self.open(self.agent, last_event_id=last)
        s.wait_until(lambda: set(missed) <= {int(m["id"]) for m in s.events()}, SOON)
        t3 = self.new_ticket(token=self.admin)  # something new happens after the resume
        new = s.wait_for(lambda m: m["json"].get("ticket_id") == t3["id"], SOON + 1)
        self.assertIsNotNone(new, s.text)
        time.sleep(0.5)
        got = [int(m["id"]) for m in s.events()]
        self.assertEqual(len(got), len(set(got)), "an event came twice: %s" % got)
        self.assertEqual(got, sorted(got))
        self.assertTrue(all(i > last for i in got), "event %d or older came again: %s"
                        % (last, got))
        self.assertEqual([i for i in got if i < int(new["id"])],
                         list(range(last + 1, int(new["id"]))),
                         "every event after Last-Event-ID, none missing")
        self.assertTrue(set(missed) <= set(got))

    def test_resume_after_more_than_200_missed_events(self):
        t = self.new_ticket()
        s = self.open(self.agent)
        self.patch_ticket(t["id"], {"priority": "low"})
        seen = s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"])
        self.assertIsNotNone(seen, s.text)
        last = int(seen["id"])
        s.close()
        for i in range(230):
            self.patch_ticket(t["id"], {"priority": ("high", "low")[i % 2]})
        newest = max(e["id"] for e in self.events_of_ticket(t["id"]))
        self.assertEqual(newest - last, 230)
        s = self.open(self.agent, last_event_id=last)
        time.sleep(0.5)
        t2 = self.new_ticket(token=self.ayse)
        ok = s.wait_until(lambda: any(m["json"].get("ticket_id") == t2["id"]
                                      for m in s.events()), 5)
        got = [int(m["id"]) for m in s.events()]
        self.assertTrue(ok and set(range(last + 1, newest + 1)) <= set(got),
                        "after Last-Event-ID: %d and a new ticket, the stream has %d of the %d "
                        "missed events (ids %s..%s) and %s the new one"
                        % (last, len(set(got) & set(range(last + 1, newest + 1))), newest - last,
                           got[0] if got else "-", got[-1] if got else "-",
                           "also" if ok else "not"))
        self.assertEqual(got, sorted(set(got)))

    def test_garbage_last_event_id_starts_from_now(self):
        old = self.new_ticket()
        for value in ("abc", "-5", "", " "):
            with self.subTest(last_event_id=value):
                s = self.open(self.agent, last_event_id=value)
                self.assertEqual(s.status, 200)
                t = self.new_ticket(token=self.ayse)
                self.assertIsNotNone(s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"]),
                                     s.text)
                self.assertFalse([m for m in s.events()
                                  if m["json"].get("ticket_id") == old["id"]], s.text)
                s.close()

    # -- who may keep a stream ------------------------------------------------

    def test_deactivated_user_gets_no_more_events(self):
        uid, token, _ = add_agent(self.server, self.admin, "Leaving Agent")
        s = self.open(token)
        t1 = self.new_ticket()
        self.assertIsNotNone(s.wait_for(lambda m: m["json"].get("ticket_id") == t1["id"]), s.text)
        self.expect(self.as_admin("PATCH", "/api/v1/users/%d" % uid, {"active": False}), 200)
        self.expect_error(self.req("GET", "/api/v1/tickets", token=token), 401, "unauthorized")
        t2 = self.new_ticket(subject="Confidential: after the lock-out " + unique())
        leaked = s.wait_for(lambda m: m["json"].get("ticket_id") == t2["id"], SOON)
        if leaked:
            self.fail("a deactivated user's open stream still receives new events (docs: "
                      "deactivation locks the user out at once): %s" % leaked["data"])

    def test_revoked_token_gets_no_more_events(self):
        uid, token, _ = add_agent(self.server, self.admin, "Revoked Agent")
        r = self.as_admin("POST", "/api/v1/tokens", {"name": "revoke me", "user_id": uid})
        self.expect(r, 201)
        s = self.open(r.body["token"])
        self.expect(self.as_admin("DELETE", "/api/v1/tokens/%d" % r.body["id"]), 204)
        self.expect_error(self.req("GET", "/api/v1/tickets", token=r.body["token"]), 401,
                          "unauthorized")
        t = self.new_ticket()
        leaked = s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"], SOON)
        if leaked:
            self.fail("a stream opened with a token that was then revoked still receives new "
                      "events: %s" % leaked["data"])

    def test_zz_stop_with_open_streams(self):
        """SIGTERM with streams open: deskd exits 0 promptly (stop() checks it) and
        the streams end; afterwards the server works again."""
        streams = [self.open(self.agent), self.open(self.ayse), self.open(self.admin)]
        started = time.monotonic()
        self.server.stop()
        self.assertLess(time.monotonic() - started, 10, "stopping took too long")
        for st in streams:
            self.assertTrue(st.wait_until(lambda: st.ended, 5), "the stream did not end")
        self.server.start()
        s = self.open(self.agent)
        t = self.new_ticket(token=self.ayse)
        self.assertIsNotNone(s.wait_for(lambda m: m["json"].get("ticket_id") == t["id"]), s.text)


class StreamUnderLoadTest(LiveCase):
    """Many agents writing at once (with a webhook, so each write does a little
    more after it records its event): every open stream gets every event."""

    def test_concurrent_writers_lose_no_event(self):
        self.expect(self.as_admin("POST", "/api/v1/webhooks",
                                  {"url": "http://127.0.0.1:9/hook", "events": ["*"]}), 201)
        tokens = [self.agent, self.ayse, self.admin]
        for i in range(5):
            tokens.append(add_agent(self.server, self.admin, "Load %d" % i)[1])
        tickets = [self.new_ticket()["id"] for _ in tokens]
        streams = [self.open(tok) for tok in tokens[:4]]
        errors = []

        def work(token, tid):
            try:
                for i in range(25):
                    r = self.server.req("PATCH", "/api/v1/tickets/%d" % tid,
                                        {"priority": ("high", "low")[i % 2]}, token=token)
                    if r.status != 200:
                        errors.append(r)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(tok, tid))
                   for tok, tid in zip(tokens, tickets)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        self.assertEqual(errors, [])
        want = sorted(e["id"] for tid in tickets for e in self.events_of_ticket(tid)
                      if e["type"] == "ticket.updated")
        self.assertEqual(len(want), 25 * len(tokens))
        # one more commit wakes every stream again, so nothing is merely waiting
        last = self.new_ticket()
        for st in streams:
            st.wait_for(lambda m: m["json"].get("ticket_id") == last["id"], 5)
        for n, st in enumerate(streams):
            with self.subTest(stream=n):
                st.wait_until(lambda: set(want) <= {int(m["id"]) for m in st.events()}, 5)
                got = [int(m["id"]) for m in st.events()]
                lost = sorted(set(want) - set(got))
                if lost:
                    self.fail("%d of the %d events (committed, listed by GET /tickets/{id}/"
                              "events) never reached this stream: ids %s"
                              % (len(lost), len(want), lost))
                self.assertEqual(got, sorted(set(got)), "ids must be unique and increasing")


class PresenceTest(LiveCase):

    def presence(self, tid, token):
        r = self.req("GET", "/api/v1/tickets/%d/presence" % tid, token=token)
        self.expect(r, 200)
        self.assertEqual(set(r.body), {"users"}, r)
        return sorted(r.body["users"], key=lambda u: u["id"])

    def mark(self, tid, state, token):
        r = self.req("POST", "/api/v1/tickets/%d/presence" % tid, {"state": state}, token=token)
        self.expect(r, 204, "presence %s" % state)
        self.assertEqual(r.raw, b"")

    def me(self, uid, name, state):
        return {"id": uid, "name": name, "state": state}

    def test_presence_of_a_shows_to_b_not_to_a(self):
        t = self.new_ticket()
        b_stream = self.open(self.agent)
        self.mark(t["id"], "viewing", self.ayse)
        a = self.me(self.ayse_id, self.ayse_name, "viewing")
        m = b_stream.wait_for(lambda m: m.get("event") == "presence"
                              and m["json"]["ticket_id"] == t["id"])
        self.assertIsNotNone(m, "A's presence did not reach B's stream within %.0fs: %r"
                             % (SOON, b_stream.text))
        self.assertNotIn("id", m, "presence is not an event of the timeline")
        self.assertEqual(set(m["json"]), {"ticket_id", "users"})
        self.assertIn(a, m["json"]["users"])
        self.assertEqual(self.presence(t["id"], self.agent), [a], "B sees A")
        self.assertEqual(self.presence(t["id"], self.ayse), [], "A does not see A")
        self.assertEqual(self.presence(t["id"], self.admin), [a])

        self.mark(t["id"], "replying", self.agent)
        b = self.me(self.agent_id, "김지민 Agent", "replying")
        self.assertEqual(self.presence(t["id"], self.ayse), [b], "A sees B, not themself")
        self.assertEqual(self.presence(t["id"], self.agent), [a], "B sees A, not themself")
        self.assertEqual(sorted(self.presence(t["id"], self.admin), key=lambda u: u["id"]),
                         sorted([a, b], key=lambda u: u["id"]))

    def test_state_changes_and_left(self):
        t = self.new_ticket()
        s = self.open(self.agent)
        self.mark(t["id"], "viewing", self.ayse)
        self.assertIsNotNone(s.wait_for(lambda m: m.get("event") == "presence"
                                        and m["json"]["ticket_id"] == t["id"]), s.text)
        self.mark(t["id"], "replying", self.ayse)
        m = s.wait_for(lambda m: m.get("event") == "presence"
                       and m["json"]["ticket_id"] == t["id"]
                       and self.me(self.ayse_id, self.ayse_name, "replying") in m["json"]["users"])
        self.assertIsNotNone(m, s.text)
        self.assertEqual(self.presence(t["id"], self.agent),
                         [self.me(self.ayse_id, self.ayse_name, "replying")])
        self.mark(t["id"], "left", self.ayse)
        m = s.wait_for(lambda m: m.get("event") == "presence"
                       and m["json"]["ticket_id"] == t["id"]
                       and all(u["id"] != self.ayse_id for u in m["json"]["users"]))
        self.assertIsNotNone(m, "leaving must show on the stream: %r" % s.text)
        self.assertEqual(self.presence(t["id"], self.agent), [], "left removes A")
        self.mark(t["id"], "left", self.ayse)  # leaving twice is fine
        self.assertEqual(self.presence(t["id"], self.agent), [])
        self.mark(t["id"], "viewing", self.ayse)  # and coming back too
        self.assertEqual(self.presence(t["id"], self.agent),
                         [self.me(self.ayse_id, self.ayse_name, "viewing")])

    def test_refresh_is_not_news(self):
        t = self.new_ticket()
        self.mark(t["id"], "viewing", self.ayse)
        s = self.open(self.agent)
        for _ in range(3):
            self.mark(t["id"], "viewing", self.ayse)
        time.sleep(1)
        self.assertEqual(s.presence(t["id"]), [], "a refresh of the same state changes nothing")
        self.assertEqual(self.presence(t["id"], self.agent),
                         [self.me(self.ayse_id, self.ayse_name, "viewing")])

    def test_presence_is_per_ticket(self):
        t1, t2 = self.new_ticket(), self.new_ticket()
        self.mark(t1["id"], "viewing", self.ayse)
        self.assertEqual(self.presence(t2["id"], self.agent), [])
        self.mark(t2["id"], "replying", self.ayse)
        self.assertEqual(self.presence(t1["id"], self.agent),
                         [self.me(self.ayse_id, self.ayse_name, "viewing")])
        self.assertEqual(self.presence(t2["id"], self.agent),
                         [self.me(self.ayse_id, self.ayse_name, "replying")])

    def test_entries_expire_30s_after_the_last_refresh(self):
        t = self.new_ticket()
        self.mark(t["id"], "viewing", self.ayse)
        self.mark(t["id"], "viewing", self.admin)
        start = time.monotonic()
        a = self.me(self.ayse_id, self.ayse_name, "viewing")
        time.sleep(16)
        self.mark(t["id"], "viewing", self.ayse)  # A refreshes, the admin does not
        refreshed = time.monotonic()
        self.assertEqual(len(self.presence(t["id"], self.agent)), 2)
        time.sleep(max(0, start + 31.5 - time.monotonic()))
        self.assertEqual(self.presence(t["id"], self.agent), [a],
                         "the admin's entry expired 30 s after it was set; A's was refreshed")
        time.sleep(max(0, refreshed + 31 - time.monotonic()))
        self.assertEqual(self.presence(t["id"], self.agent), [],
                         "A's entry expired 30 s after its refresh")

    def test_names_are_kept_whole(self):
        t = self.new_ticket()
        for name in ("가나다라마바사아자차카타파하" * 4,  # 56 characters, 168 bytes of UTF-8
                     "Maximilian Alexander " + "x" * 150,
                     "O'Brien \"Bob\" <b>&amp; 😀"):
            with self.subTest(name=name[:30]):
                uid, token, _ = add_agent(self.server, self.admin, name)
                self.mark(t["id"], "viewing", token)
                self.assertIn(self.me(uid, name, "viewing"), self.presence(t["id"], self.agent),
                              "an agent's presence must show with the agent's name")
                self.mark(t["id"], "left", token)

    def test_unknown_ticket_is_404(self):
        for tid in (987654, 2 ** 62):
            with self.subTest(ticket=tid):
                self.expect_error(self.req("POST", "/api/v1/tickets/%d/presence" % tid,
                                           {"state": "viewing"}, token=self.agent), 404,
                                  "not_found")
                self.expect_error(self.req("GET", "/api/v1/tickets/%d/presence" % tid,
                                           token=self.agent), 404, "not_found")

    def test_other_states_are_422(self):
        t = self.new_ticket()
        for body in ({"state": "typing"}, {"state": ""}, {"state": "VIEWING"},
                     {"state": "viewing "}, {"state": "Left"}, {"state": 1},
                     {"state": None}, {"state": ["viewing"]}, {"state": {"v": 1}},
                     {"state": True}, {}, {"state": "x" * 5000},
                     {"state": "viewing", "since": "now"}):
            with self.subTest(body=str(body)[:40]):
                r = self.req("POST", "/api/v1/tickets/%d/presence" % t["id"], body,
                             token=self.ayse)
                err = self.expect_error(r, 422, "validation_failed")
                self.assertTrue("state" in err["message"] or "since" in err["message"], err)
        self.assertEqual(self.presence(t["id"], self.agent), [],
                         "a refused presence is not recorded")

    def test_cookie_session_needs_csrf(self):
        t = self.new_ticket()
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        r = s.req("POST", "/api/v1/tickets/%d/presence" % t["id"], {"state": "viewing"},
                  csrf=False)
        self.expect_error(r, 403, "forbidden")
        self.assertEqual(self.presence(t["id"], self.ayse), [])
        self.expect(s.req("POST", "/api/v1/tickets/%d/presence" % t["id"], {"state": "viewing"}),
                    204)
        self.assertEqual(self.presence(t["id"], self.ayse),
                         [self.me(self.agent_id, "김지민 Agent", "viewing")])
        self.assertEqual(self.expect(s.req("GET", "/api/v1/tickets/%d/presence" % t["id"]),
                                     200)["users"], [])

    def test_without_credentials_is_401(self):
        t = self.new_ticket()
        for method, body in (("GET", None), ("POST", {"state": "viewing"})):
            with self.subTest(method=method):
                self.expect_error(self.req(method, "/api/v1/tickets/%d/presence" % t["id"],
                                           body), 401, "unauthorized")
        self.assertEqual(self.presence(t["id"], self.agent), [])

    def test_bad_bodies(self):
        t = self.new_ticket()
        refuse_bad_bodies(self, "POST", "/api/v1/tickets/%d/presence" % t["id"], self.ayse,
                          {"state": "viewing"}, {"state": [5, True, ["viewing"], {"s": 1}]})
        self.assertEqual(self.presence(t["id"], self.agent), [])


if __name__ == "__main__":
    unittest.main()
