"""Attachments: an agent uploads a file, sends it with a reply, and any agent
downloads it afterwards, served so that a browser never runs it."""

import base64
import hashlib
import os
import sqlite3
import time
import unittest
from urllib.parse import unquote

from harness import (AGENT_EMAIL, AGENT_PASSWORD, BACKEND, E2ETestCase, Session, psql, unique,
                     urlquote)

OTHER_EMAIL = "other-agent@example.com"


def wait_until(fn, timeout=15.0):
    """Whether fn() became true within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


class AttachmentTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.add_user(OTHER_EMAIL, "Otto Other", "agent", "other-password-1")
        cls.other = cls.server.create_token(OTHER_EMAIL, "e2e-other")
        r = cls.server.req("POST", "/api/v1/mailboxes", {"address": "support@help.example"},
                           token=cls.admin)
        if r.status != 201:
            raise AssertionError("create mailbox: %r" % (r,))

    def upload(self, data, filename, ctype="application/octet-stream", token=None, expect=201):
        path = "/api/v1/attachments"
        if filename is not None:
            path += "?filename=" + urlquote(filename)
        r = self.req("POST", path, token=token or self.agent, raw=data,
                     headers={"Content-Type": ctype}, timeout=120)
        self.expect(r, expect, "upload %r" % (filename,))
        return r.body["attachment"] if expect == 201 else r

    def send(self, tid, ids, token=None, expect=201, kind="reply"):
        r = self.req("POST", "/api/v1/tickets/%d/messages" % tid,
                     {"kind": kind, "body": "see attached", "attachment_ids": ids},
                     token=token or self.agent)
        self.expect(r, expect, "reply with %r" % (ids,))
        return r.body

    def download(self, att, token=None):
        return self.req("GET", "/api/v1/attachments/%d" % att["id"], token=token or self.agent,
                        timeout=120)

    def test_round_trip_korean_name(self):
        data = os.urandom(5000) + b"\x00end"
        name = "견적서 2026년 (최종).pdf"
        att = self.upload(data, name, "application/pdf")
        self.assertEqual(att["filename"], name)
        self.assertEqual(att["size"], len(data))
        self.assertEqual(att["content_type"], "application/pdf")
        self.assertIsNone(att["message_id"])
        self.assertEqual(att["url"], "/api/v1/attachments/%d" % att["id"])
        r = self.download(att)
        self.expect(r, 200)
        self.assertEqual(r.raw, data)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
        disp = r.headers.get("Content-Disposition")
        self.assertTrue(disp.startswith("attachment;"), disp)
        star = [p.strip() for p in disp.split(";") if p.strip().startswith("filename*=")]
        self.assertEqual(len(star), 1, disp)
        self.assertTrue(star[0].startswith("filename*=UTF-8''"), disp)
        self.assertEqual(unquote(star[0][len("filename*=UTF-8''"):], encoding="utf-8",
                                 errors="strict"), name)
        plain = [p.strip() for p in disp.split(";") if p.strip().startswith("filename=")]
        self.assertEqual(len(plain), 1, disp)
        self.assertTrue(all(32 <= ord(c) < 127 for c in plain[0]), disp)

    def test_session_upload(self):
        s = Session(self.server, AGENT_EMAIL, AGENT_PASSWORD)
        r = s.req("POST", "/api/v1/attachments?filename=notes.txt", raw=b"plain notes\n",
                  headers={"Content-Type": "text/plain"})
        att = self.expect(r, 201)["attachment"]
        r = self.download(att)
        self.expect(r, 200)
        self.assertEqual(r.raw, b"plain notes\n")
        self.assertEqual(r.headers.get("Content-Type"), "text/plain; charset=utf-8")
        # without the CSRF token a cookie cannot upload
        r = s.req("POST", "/api/v1/attachments?filename=x.txt", raw=b"x", csrf=False,
                  headers={"Content-Type": "text/plain"})
        self.assertIn(r.status, (401, 403), r)

    def test_markup_name_is_text(self):
        name = "<img src=x onerror=alert(1)>\"&'.png"
        att = self.upload(b"\x89PNG\r\n", name, "image/png")
        self.assertEqual(att["filename"], name)
        r = self.download(att)
        self.expect(r, 200)
        disp = r.headers.get("Content-Disposition")
        # the quoted fallback cannot be broken out of: its only quotes are its own
        self.assertEqual(disp.count('"'), 2, disp)
        star = disp.split("filename*=UTF-8''", 1)[1]
        self.assertEqual(unquote(star, errors="strict"), name)

    def test_directories_stripped(self):
        for given, stored in (("../../etc/passwd", "passwd"),
                              ("C:\\Users\\jane\\evil.exe", "evil.exe"),
                              ("/abs/path/report.csv", "report.csv")):
            with self.subTest(given):
                self.assertEqual(self.upload(b"data", given)["filename"], stored)

    def test_bad_names_422(self):
        for bad in ("", "a\nb.txt", "tab\there.txt", "bell\x07.txt", "del\x7f.txt",
                    "dir/", "x" * 256 + ".txt"):
            with self.subTest(repr(bad)):
                self.expect_error(self.upload(b"data", bad, expect=422), 422,
                                  "validation_failed")
        self.expect_error(self.upload(b"data", None, expect=422), 422, "validation_failed")
        r = self.req("POST", "/api/v1/attachments?filename=%FF%FE.txt", token=self.agent,
                     raw=b"x", headers={"Content-Type": "text/plain"})
        self.expect_error(r, 422, "validation_failed", "invalid UTF-8")

    def test_over_25_mib_413(self):
        self.expect(self.upload(b"\0" * ((25 << 20) + 1), "big.bin", expect=413), 413)

    def test_over_25_mib_refused_on_its_headers(self):
        """The answer comes before any of the file is sent: deskd never holds it."""
        head = ("POST /api/v1/attachments?filename=big.bin HTTP/1.1\r\nHost: x\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
                "Content-Length: %d\r\n\r\n" % (self.agent, (25 << 20) + 1)).encode()
        status, data = self.server.raw_request(head, timeout=10)
        self.assertEqual(status, 413, data[:300])
        self.assertIn(b"26214400", data)
        att = self.upload(b"\1" * (25 << 20), "limit.bin")
        self.assertEqual(att["size"], 25 << 20)

    def test_attach_to_reply_and_reuse(self):
        t = self.new_ticket()
        a = self.upload(b"first file", "one.txt", "text/plain")
        b = self.upload(b"second file", "two.txt", "text/plain")
        msg = self.send(t["id"], [a["id"], b["id"]])["message"]
        self.assertEqual([f["id"] for f in msg["attachments"]], [a["id"], b["id"]])
        self.assertEqual([f["message_id"] for f in msg["attachments"]], [msg["id"]] * 2)
        listed = self.as_agent("GET", "/api/v1/tickets/%d/messages" % t["id"]).body["messages"]
        self.assertEqual([f["filename"] for f in listed[-1]["attachments"]],
                         ["one.txt", "two.txt"])
        # used once, never again
        self.expect_error(self.req("POST", "/api/v1/tickets/%d/messages" % t["id"],
                                   {"kind": "reply", "body": "again",
                                    "attachment_ids": [a["id"]]}, token=self.agent),
                          422, "validation_failed")
        self.assertEqual(len(self.as_agent("GET", "/api/v1/tickets/%d/messages"
                                           % t["id"]).body["messages"]), len(listed))

    def test_duplicate_ids_422(self):
        t = self.new_ticket()
        a = self.upload(b"dup", "dup.txt")
        before = self.as_agent("GET", "/api/v1/tickets/%d/messages" % t["id"]).body["messages"]
        self.expect_error(self.req("POST", "/api/v1/tickets/%d/messages" % t["id"],
                                   {"kind": "reply", "body": "twice",
                                    "attachment_ids": [a["id"], a["id"]]}, token=self.agent),
                          422, "validation_failed")
        after = self.as_agent("GET", "/api/v1/tickets/%d/messages" % t["id"]).body["messages"]
        self.assertEqual(len(after), len(before))
        # still unused: it can go with the next reply
        self.send(t["id"], [a["id"]])

    def test_unknown_id_422(self):
        t = self.new_ticket()
        self.expect_error(self.req("POST", "/api/v1/tickets/%d/messages" % t["id"],
                                   {"kind": "reply", "body": "x",
                                    "attachment_ids": [987654321]}, token=self.agent),
                          422, "validation_failed")

    def test_other_agents_upload(self):
        t = self.new_ticket()
        mine = self.upload(b"private draft", "draft.txt", "text/plain")
        # not downloadable by another agent before it is sent
        self.expect(self.download(mine, token=self.other), 404)
        # nor attachable by another agent
        self.expect_error(self.req("POST", "/api/v1/tickets/%d/messages" % t["id"],
                                   {"kind": "reply", "body": "stolen",
                                    "attachment_ids": [mine["id"]]}, token=self.other),
                          422, "validation_failed")
        # once sent, any agent can read it
        self.send(t["id"], [mine["id"]])
        r = self.download(mine, token=self.other)
        self.expect(r, 200)
        self.assertEqual(r.raw, b"private draft")
        # unauthenticated: never
        self.expect(self.req("GET", "/api/v1/attachments/%d" % mine["id"]), 401)

    def test_note_with_attachment(self):
        t = self.new_ticket()
        a = self.upload(b"internal", "internal.txt")
        msg = self.send(t["id"], [a["id"]], kind="note")["message"]
        self.assertEqual([f["id"] for f in msg["attachments"]], [a["id"]])
        self.assertIsNone(msg["mail_status"])

    def test_active_content_served_as_bytes(self):
        cases = [("page.html", "text/html", b"<script>alert(1)</script>"),
                 ("image.svg", "image/svg+xml",
                  b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
                 ("page.xhtml", "application/xhtml+xml", b"<html/>"),
                 ("script.js", "text/javascript", b"alert(1)"),
                 ("odd", "text/plain; charset=utf-7", b"+ADw-script+AD4-"),
                 ("typeless.bin", "not a type", b"?")]
        for name, ctype, data in cases:
            with self.subTest(name):
                att = self.upload(data, name, ctype)
                r = self.download(att)
                self.expect(r, 200)
                self.assertEqual(r.raw, data)
                served = r.headers.get("Content-Type")
                if ctype.startswith("text/plain"):
                    self.assertEqual(served, "text/plain; charset=utf-8")
                else:
                    self.assertEqual(served, "application/octet-stream")
                self.assertEqual(r.headers.get("Content-Security-Policy"),
                                 "default-src 'none'; sandbox")
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
                self.assertTrue(r.headers.get("Content-Disposition").startswith("attachment;"))

    def test_images_keep_their_type(self):
        for name, ctype in (("a.png", "image/png"), ("b.jpg", "image/jpeg"),
                            ("c.gif", "image/gif"), ("d.webp", "image/webp"),
                            ("e.pdf", "application/pdf"), ("f.png", "IMAGE/PNG")):
            with self.subTest(name):
                r = self.download(self.upload(b"bytes", name, ctype))
                self.expect(r, 200)
                self.assertEqual(r.headers.get("Content-Type"), ctype.lower())

    def test_same_bytes_twice_are_two_files(self):
        data = hashlib.sha256(unique().encode()).digest() * 100
        a = self.upload(data, "a.bin")
        b = self.upload(data, "b.bin")
        self.assertNotEqual(a["id"], b["id"])
        self.assertEqual(self.download(a).raw, data)
        r = self.download(b)
        self.assertEqual(r.raw, data)
        self.assertIn('filename="b.bin"', r.headers.get("Content-Disposition"))

    def test_uploads_no_reply_took_expire_after_a_day(self):
        """An upload is meant for the next reply: left unused for a day it is deleted
        (when the server starts, then hourly); a file on a message stays."""
        t = self.new_ticket()
        unused = self.upload(b"never sent " + unique().encode(), "unused.txt")
        used = self.upload(b"sent " + unique().encode(), "used.txt")
        self.send(t["id"], [used["id"]], kind="note")
        fresh = self.upload(b"just now " + unique().encode(), "fresh.txt")
        two_days = 2 * 86400 * 1000000
        sql = ("UPDATE attachments SET created_at = created_at - %d WHERE id IN (%d, %d)"
               % (two_days, unused["id"], used["id"]))
        self.server.stop()
        if BACKEND == "sqlite":
            with sqlite3.connect(self.server.db[len("sqlite:"):]) as db:
                db.execute(sql)
        else:
            psql(sql, db=self.server.pgdb)
        self.server.start()
        gone = wait_until(lambda: self.download(unused).status == 404)
        self.assertTrue(gone, "an upload unused for two days is still there")
        self.assertEqual(self.download(used).status, 200, "a sent file must stay")
        self.assertEqual(self.download(fresh).status, 200, "a new upload must stay")

    def test_25_mib_downloads_byte_exact(self):
        """Every byte value, 25 MiB of them, comes back as sent (PostgreSQL reads it binary)."""
        data = os.urandom(25 << 20)
        att = self.upload(data, "whole.bin")
        t = self.new_ticket()
        self.send(t["id"], [att["id"]])
        for token in (self.agent, self.other):
            r = self.download(att, token=token)
            self.expect(r, 200)
            self.assertEqual(r.headers.get("content-length"), str(25 << 20))
            self.assertEqual(hashlib.sha256(r.raw).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_25_mib_email_and_its_file_download_byte_exact(self):
        """A big emailed file and the original email itself both come back byte for byte."""
        data = os.urandom(18 << 20)  # base64 makes about 24 MiB of email
        mid = "<%s@customer.example>" % unique("big")
        mail = ("From: Big Sender <big@customer.example>\r\nTo: support@help.example\r\n"
                "Subject: a big file\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
                "Content-Type: text/plain\r\n\r\nsee the file\r\n--b1\r\n"
                "Content-Type: application/octet-stream; name=big.bin\r\n"
                "Content-Disposition: attachment; filename=big.bin\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" % mid).encode()
        mail += base64.encodebytes(data).replace(b"\n", b"\r\n") + b"--b1--\r\n"
        r = self.req("POST", "/api/v1/mail/inbound", token=self.admin, raw=mail,
                     headers={"Content-Type": "message/rfc822"}, timeout=120)
        self.expect(r, 201)
        msg = r.body["message_id"]
        raw = self.req("GET", "/api/v1/messages/%d/raw" % msg, token=self.agent, timeout=120)
        self.expect(raw, 200)
        self.assertEqual(hashlib.sha256(raw.raw).hexdigest(), hashlib.sha256(mail).hexdigest())
        listed = self.as_agent("GET", "/api/v1/tickets/%d/messages" % r.body["ticket_id"])
        files = [f for m in listed.body["messages"] for f in m["attachments"]]
        self.assertEqual([f["filename"] for f in files], ["big.bin"])
        got = self.download(files[0])
        self.expect(got, 200)
        self.assertEqual(hashlib.sha256(got.raw).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_missing_404(self):
        self.expect(self.req("GET", "/api/v1/attachments/987654321", token=self.agent), 404)


if __name__ == "__main__":
    unittest.main()
