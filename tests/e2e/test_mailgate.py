"""`deskd mailgate`: one email on stdin, an exit status the MTA acts on
(0 stored, 65 not an email, 69 too large, 75 try later); nothing acknowledged
is lost or stored twice when the server is killed in the middle of a burst."""

import os
import subprocess
import threading
import time
import unittest
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from harness import BACKEND, BIN, E2ETestCase, free_port, unique

from test_mail import big_attachment_email, make_email

EX_OK, EX_DATAERR, EX_UNAVAILABLE, EX_TEMPFAIL = 0, 65, 69, 75


def mailgate(args, data, env=None, timeout=120):
    full_env = dict(os.environ)
    full_env.pop("DESKD_TOKEN", None)
    full_env.update(env or {})
    return subprocess.run([BIN, "mailgate"] + args, input=data, capture_output=True,
                          env=full_env, timeout=timeout)


class MailgateTest(E2ETestCase):

    def tickets_with_subject(self, subject):
        return [t for t in self.list_all() if t["subject"] == subject]

    def url_args(self, token=None):
        return ["--url", self.server.base, "--token", token or self.admin]

    def local_args(self):
        if BACKEND == "sqlite":
            return ["--data", self.server.data]
        return ["--db", self.server.db]

    def check_stores(self, args, env=None):
        subject = "Mailgate 주문 " + unique()
        raw, mid = make_email(subject, "배송이 늦어요. 確認してください。",
                              sender="이영희 <%s@shop.example>" % unique("lee"))
        out = mailgate(args, raw, env)
        self.assertEqual(out.returncode, EX_OK, out.stderr)
        found = self.tickets_with_subject(subject)
        self.assertEqual(len(found), 1)
        msgs = self.as_agent("GET", "/api/v1/tickets/%d/messages" % found[0]["id"]).body
        self.assertEqual([m["body"] for m in msgs["messages"]],
                         ["배송이 늦어요. 確認してください。"])
        self.assertEqual(msgs["messages"][0]["mail_message_id"], mid)
        # the same email again: still 0 (the MTA must not retry), still one ticket
        out = mailgate(args, raw, env)
        self.assertEqual(out.returncode, EX_OK, out.stderr)
        self.assertEqual(len(self.tickets_with_subject(subject)), 1)
        return found[0]

    def test_url_mode(self):
        self.check_stores(self.url_args())

    def test_url_mode_token_from_env(self):
        self.check_stores(["--url", self.server.base], env={"DESKD_TOKEN": self.admin})

    def test_url_mode_mailbox(self):
        address = unique("gate") + "@help.example"
        box = self.as_admin("POST", "/api/v1/mailboxes", {"address": address}).body["mailbox"]
        t = self.check_stores(self.url_args() + ["--mailbox", address])
        self.assertEqual(t["mailbox_id"], box["id"])

    def test_local_mode(self):
        # --data (SQLite in the data folder) or --db (the PostgreSQL URL), server running
        self.check_stores(self.local_args())

    @unittest.skipUnless(BACKEND == "sqlite", "--data alone means SQLite")
    def test_data_mode_server_stopped(self):
        subject = "While the server is down " + unique()
        raw, _ = make_email(subject)
        self.server.stop()
        try:
            out = mailgate(["--data", self.server.data], raw)
        finally:
            self.server.start()
        self.assertEqual(out.returncode, EX_OK, out.stderr)
        self.assertEqual(len(self.tickets_with_subject(subject)), 1)

    def test_not_an_email_65(self):
        for args in (self.url_args(), self.local_args()):
            for junk in (b"this is not an email\n", b"\x00\xff\x00garbage", b""):
                with self.subTest(mode=args[0], junk=junk[:10]):
                    out = mailgate(args, junk)
                    self.assertEqual(out.returncode, EX_DATAERR, out.stderr)
                    self.assertTrue(out.stderr.strip())

    def test_too_large_69(self):
        # the content over 25 MiB: the server (or the local ingest) refuses it
        raw, _ = big_attachment_email(26 << 20, "Gate too big " + unique())
        for args in (self.url_args(), self.local_args()):
            with self.subTest(mode=args[0]):
                out = mailgate(args, raw)
                self.assertEqual(out.returncode, EX_UNAVAILABLE, out.stderr)
        # the raw input over 36 MiB: refused before anything is sent
        raw, _ = big_attachment_email(28 << 20, "Gate too big raw " + unique())
        self.assertGreater(len(raw), 36 << 20)
        for args in (self.url_args(), self.local_args()):
            with self.subTest(mode=args[0], raw=True):
                out = mailgate(args, raw)
                self.assertEqual(out.returncode, EX_UNAVAILABLE, out.stderr)
        self.assertFalse([t for t in self.list_all() if t["subject"].startswith("Gate too big")])

    def test_unreachable_75(self):
        raw, _ = make_email("Never arrives " + unique())
        port = free_port()
        cases = [("closed port", ["--url", "http://127.0.0.1:%d" % port, "--token", self.admin]),
                 ("postgres refuses",
                  ["--db", "postgresql://postgres@127.0.0.1:%d/deskd?connect_timeout=3" % port]),
                 ("bad token", self.url_args("not-a-real-token")),
                 ("agent token", self.url_args(self.agent))]
        for what, args in cases:
            with self.subTest(what):
                out = mailgate(args, raw)
                self.assertEqual(out.returncode, EX_TEMPFAIL, out.stderr)
                self.assertTrue(out.stderr.strip())
        self.assertFalse([t for t in self.list_all() if t["subject"].startswith("Never arrives")])

    def test_url_without_token_is_usage_error(self):
        raw, _ = make_email("No token " + unique())
        out = mailgate(["--url", self.server.base], raw)
        self.assertNotIn(out.returncode, (EX_OK, EX_DATAERR, EX_UNAVAILABLE))
        self.assertIn(b"token", out.stderr)


class MailgateCrashTest(E2ETestCase):
    """1,000 emails through `mailgate --url`, 8 at a time, kill -9 partway."""

    TOTAL = 1000
    KILL_AFTER = 300
    PARALLEL = 8

    def emails(self, run):
        texts = [("주문 문의 %d", "배송이 아직 안 왔어요. 확인 부탁드립니다."),
                 ("注文の確認 %d", "商品がまだ届きません。確認をお願いします。"),
                 ("Order question %d", "My parcel has not arrived yet, could you check?")]
        out = []
        for n in range(self.TOTAL):
            subject, body = texts[n % 3]
            subject = "%s [%s-%04d]" % (subject % n, run, n)
            raw, _ = make_email(subject, body, sender="c%d <c%d@burst.example>" % (n % 50, n % 50),
                                message_id="burst-%s-%04d@mail.example" % (run, n))
            out.append((n, raw))
        return out

    def test_kill_9_during_burst(self):
        run = uuid.uuid4().hex[:8]
        mails = self.emails(run)
        status = {}
        ok = [0]
        lock = threading.Lock()
        killed = threading.Event()

        def send(item):
            n, raw = item
            try:
                out = mailgate(["--url", self.server.base, "--token", self.admin], raw,
                               timeout=60)
                got = (out.returncode, out.stderr[-300:])
            except subprocess.TimeoutExpired as e:
                got = ("hung for 60s", (e.stderr or b"")[-300:])
            with lock:
                status[n] = got
                if got[0] == EX_OK:
                    ok[0] += 1
                    if ok[0] >= self.KILL_AFTER and not killed.is_set():
                        killed.set()
                        self.server.kill()

        started = time.monotonic()
        with ThreadPoolExecutor(self.PARALLEL) as pool:
            list(pool.map(send, mails))
        self.assertTrue(killed.is_set(), "fewer than %d emails went in" % self.KILL_AFTER)
        odd = {n: s for n, s in status.items() if s[0] not in (EX_OK, EX_TEMPFAIL)}
        self.assertEqual(odd, {}, "only 0 or 75 are right while the server dies")
        acked = {n for n, s in status.items() if s[0] == EX_OK}
        self.assertGreaterEqual(len(acked), self.KILL_AFTER)
        self.assertLess(len(acked), self.TOTAL, "the kill came too late to test anything")

        # the MTA's retry: every email without a 0 again, until it gets one
        self.server.start()
        pending = [(n, raw) for n, raw in mails if n not in acked]
        for attempt in range(5):
            status.clear()
            with ThreadPoolExecutor(self.PARALLEL) as pool:
                list(pool.map(send, pending))
            pending = [(n, raw) for n, raw in pending if status[n][0] != EX_OK]
            if not pending:
                break
        self.assertEqual(pending and status[pending[0][0]], [], "retries kept failing")

        subjects = [t["subject"] for t in self.list_all()]
        tags = Counter(s.rsplit("[", 1)[1].rstrip("]") for s in subjects if "[%s-" % run in s)
        twice = {t: c for t, c in tags.items() if c != 1}
        self.assertEqual(twice, {}, "emails stored more than once")
        missing = [n for n in acked if tags["%s-%04d" % (run, n)] != 1]
        self.assertEqual(missing, [], "acknowledged emails lost")
        self.assertEqual(sum(tags.values()), self.TOTAL)
        # the words survived the crash intact
        self.assertIn("주문 문의 0 [%s-0000]" % run, subjects)
        self.assertIn("注文の確認 1 [%s-0001]" % run, subjects)
        print("%d of %d acknowledged before kill -9, all in after %.1fs"
              % (len(acked), self.TOTAL, time.monotonic() - started), end=" ")


if __name__ == "__main__":
    unittest.main()
