"""Durability: kill -9 during a burst of concurrent creates loses no
acknowledged ticket and duplicates none; SIGTERM is a clean exit."""

import http.client
import json
import threading
import time
import unittest
from collections import Counter

from harness import E2ETestCase, Server, unique


class CrashTest(unittest.TestCase):

    def setUp(self):
        self.server = Server().start()
        E2ETestCase.bootstrap(self.server)
        self.agent = self.server.ids["agent"]

    def tearDown(self):
        try:
            self.server.stop()
        finally:
            self.server.cleanup()

    def all_tickets(self):
        out, cursor = [], None
        while True:
            q = "/api/v1/tickets?limit=100&sort=id"
            if cursor:
                from urllib.parse import quote
                q += "&cursor=" + quote(cursor, safe="")
            r = self.server.req("GET", q, token=self.agent)
            self.assertEqual(r.status, 200, r)
            out += r.body["tickets"]
            cursor = r.body["next_cursor"]
            if cursor is None:
                return out

    def test_kill_9_during_concurrent_creates(self):
        run = unique("crash")
        acked, lock = [], threading.Lock()
        stop = threading.Event()
        port = self.server.port

        def worker(n):
            i = 0
            while not stop.is_set():
                subject = "%s-%d-%d" % (run, n, i)
                i += 1
                body = json.dumps({"subject": subject, "body": "crash test 충돌 テスト",
                                   "customer": {"email": "crash-%d@shop.example" % n}})
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("POST", "/api/v1/tickets", body,
                                 {"Content-Type": "application/json",
                                  "Authorization": "Bearer " + self.agent})
                    resp = conn.getresponse()
                    data = resp.read()
                    conn.close()
                except (OSError, http.client.HTTPException):
                    if stop.is_set() or not self.server.alive():
                        return
                    continue
                if 200 <= resp.status < 300:
                    tid = json.loads(data)["ticket"]["id"]
                    with lock:
                        acked.append((subject, tid))

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(16)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        self.server.kill()
        stop.set()
        for t in threads:
            t.join(15)
        self.assertGreater(len(acked), 16, "too few creates succeeded before the kill")

        self.server.start()
        tickets = self.all_tickets()
        counts = Counter(t["subject"] for t in tickets if t["subject"].startswith(run + "-"))
        by_subject = {t["subject"]: t for t in tickets}
        lost = [s for s, _ in acked if counts[s] == 0]
        self.assertEqual(lost, [], "%d acknowledged tickets lost after kill -9" % len(lost))
        dups = [s for s, c in counts.items() if c > 1]
        self.assertEqual(dups, [], "tickets stored twice")
        for subject, tid in acked:
            self.assertEqual(by_subject[subject]["id"], tid, "the acknowledged id changed")
        # nothing is half-written: every acknowledged ticket has its first message
        for subject, tid in acked[:: max(1, len(acked) // 40)]:
            r = self.server.req("GET", "/api/v1/tickets/%d/messages" % tid, token=self.agent)
            self.assertEqual(r.status, 200, r)
            self.assertEqual([m["body"] for m in r.body["messages"]], ["crash test 충돌 テスト"])
        # and the server goes on: new tickets get new ids
        r = self.server.req("POST", "/api/v1/tickets",
                            {"subject": "after the crash", "body": "b",
                             "customer": {"email": "after@shop.example"}}, token=self.agent)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn(r.body["ticket"]["id"], {tid for _, tid in acked})

    def test_sigterm_exits_0_and_keeps_data(self):
        r = self.server.req("POST", "/api/v1/tickets",
                            {"subject": "survives restart", "body": "Kırmızı kazak",
                             "customer": {"email": "restart@shop.example"}}, token=self.agent)
        self.assertEqual(r.status, 201, r)
        tid = r.body["ticket"]["id"]
        self.server.stop()  # asserts exit status 0
        self.server.start()
        r = self.server.req("GET", "/api/v1/tickets/%d" % tid, token=self.agent)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["ticket"]["subject"], "survives restart")
        # tokens survive a restart too
        r = self.server.req("GET", "/api/v1/auth/me", token=self.server.ids["admin"])
        self.assertEqual(r.status, 200, r)

    def test_sigterm_under_load_exits_0(self):
        stop = threading.Event()
        port = self.server.port

        def worker():
            while not stop.is_set():
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/api/v1/tickets", headers={
                        "Authorization": "Bearer " + self.agent})
                    conn.getresponse().read()
                    conn.close()
                except (OSError, http.client.HTTPException):
                    pass

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        try:
            self.server.stop()
        finally:
            stop.set()
            for t in threads:
                t.join(10)
        self.server.start()


if __name__ == "__main__":
    unittest.main()
