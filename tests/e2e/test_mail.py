"""Email in: POST /api/v1/mail/inbound turns raw emails from the corpus into
tickets that read right in UTF-8, threads replies, records bounces, answers
people (never machines) and keeps mailbox passwords sealed."""

import email
import email.policy
import email.utils
import hashlib
import os
import re
import socket
import threading
import time
import unittest
import uuid

from harness import BACKEND, ROOT, E2ETestCase, free_port, psql, unique, urlquote

CORPUS = ROOT / "tests" / "data" / "mail"


def corpus(name):
    return (CORPUS / name).read_bytes()


def fresh(raw):
    """The email with its Date set to now: a new email, as far as acknowledgements go."""
    now = email.utils.formatdate().encode()
    return re.sub(rb"(?mi)^Date:[^\r\n]*", b"Date: " + now, raw, count=1)


def make_email(subject, body="Hello, where is my order?", sender="Jane Doe <jane@shop.example>",
               to="support@help.example", message_id=None, headers=(), charset="utf-8",
               date=None):
    """A small text/plain email as bytes, written now unless `date` says otherwise;
    message_id None makes a fresh one."""
    mid = message_id or "%s@mail.example" % uuid.uuid4().hex
    lines = ["From: " + sender, "To: " + to, "Subject: " + subject,
             "Date: " + (date or email.utils.formatdate()), "Message-ID: <%s>" % mid,
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=" + charset,
             "Content-Transfer-Encoding: 8bit"]
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode(charset), mid


def big_attachment_email(size, subject="Big file"):
    """An email carrying `size` bytes of pseudo-random data as a base64 attachment."""
    import base64
    data = (hashlib.sha256(b"seed").digest() * (size // 32 + 1))[:size]
    # vary the bytes so nothing in the path can shortcut on repeated blocks
    data = bytes(b ^ (i * 7 & 0xFF) for i, b in enumerate(data[:4096])) + data[4096:]
    b64 = base64.encodebytes(data)  # 76-column lines
    head = ("From: Big Sender <big@shop.example>\r\nTo: support@help.example\r\n"
            "Subject: %s\r\nMessage-ID: <%s@big.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n--BB\r\n"
            "Content-Type: application/zip\r\n"
            "Content-Disposition: attachment; filename=\"big.zip\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" % (subject, uuid.uuid4().hex)).encode()
    return head + b64 + b"\r\n--BB--\r\n", data


class MailCase(E2ETestCase):
    """Shortcuts for the mail tests."""

    def inbound(self, raw, mailbox=None, token=None, **kw):
        path = "/api/v1/mail/inbound"
        if mailbox:
            path += "?mailbox=" + urlquote(mailbox)
        return self.req("POST", path, token=token or self.admin, raw=raw,
                        headers={"Content-Type": "message/rfc822"}, timeout=120, **kw)

    def deliver(self, raw, status=201, **kw):
        r = self.inbound(raw, **kw)
        self.expect(r, status, "inbound")
        return r.body

    def ticket(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % tid), 200)["ticket"]

    def messages(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d/messages" % tid),
                           200)["messages"]

    def customer(self, cid):
        return self.expect(self.as_agent("GET", "/api/v1/customers/%d" % cid), 200)["customer"]

    def events(self, tid):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d/events" % tid),
                           200)["events"]

    def add_mailbox(self, address, **fields):
        body = {"address": address, "name": "Support"}
        body.update(fields)
        return self.expect(self.as_admin("POST", "/api/v1/mailboxes", body), 201)["mailbox"]

    def reply(self, tid, text="We are on it.", kind="reply", **extra):
        body = {"kind": kind, "body": text}
        body.update(extra)
        r = self.as_agent("POST", "/api/v1/tickets/%d/messages" % tid, body)
        return self.expect(r, 201, "agent reply")["message"]

    def assert_threaded(self, raw, tid):
        res = self.deliver(raw)
        self.assertFalse(res["new_ticket"])
        self.assertEqual(res["ticket_id"], tid)
        return res

    @classmethod
    def class_mailbox(cls, **body):
        """A mailbox for the whole class, made in setUpClass."""
        r = cls.server.req("POST", "/api/v1/mailboxes", body, token=cls.admin)
        if r.status != 201:
            raise AssertionError("create mailbox: %r" % (r,))
        return r.body["mailbox"]

    def set_status(self, tid, status):
        self.expect(self.as_agent("PATCH", "/api/v1/tickets/%d" % tid, {"status": status}), 200)


class InboundTest(MailCase):
    """Corpus emails through the API: charsets, HTML, files, dedupe, errors."""

    def check_corpus(self, name, subject, customer_name, customer_email, body):
        res = self.deliver(corpus(name))
        self.assertFalse(res["duplicate"])
        self.assertTrue(res["new_ticket"])
        self.assertFalse(res["bounce"])
        t = self.ticket(res["ticket_id"])
        self.assertEqual(t["subject"], subject)
        self.assertEqual(t["channel"], "email")
        self.assertEqual(t["status"], "new")
        msgs = self.messages(t["id"])
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["id"], res["message_id"])
        self.assertEqual(msgs[0]["body"], body)
        self.assertEqual(msgs[0]["direction"], "inbound")
        self.assertEqual(msgs[0]["author_type"], "customer")
        c = self.customer(t["customer_id"])
        self.assertEqual(c["name"], customer_name)
        self.assertEqual(c["email"], customer_email)
        return t, msgs[0]

    def test_korean_euc_kr(self):
        self.check_corpus("charset-euc-kr.eml", "배송 문의", "김철수", "customer30@example.com",
                          "안녕하세요.\n\n주문한 상품이 아직 도착하지 않았습니다. "
                          "배송조회 부탁드립니다.\n\n김철수 드림")

    def test_japanese_iso_2022_jp(self):
        _, m = self.check_corpus(
            "charset-iso-2022-jp.eml", "注文について", "佐藤 花子", "customer27@example.com",
            "山田様\n\n注文した商品がまだ届きません。確認をお願いします。\n\n佐藤 花子")
        self.assertEqual(m["mail_message_id"], "charset-iso-2022-jp@mail.example.com")

    def test_japanese_shift_jis(self):
        self.check_corpus("charset-shift_jis.eml", "返品の依頼", "鈴木 一郎",
                          "customer28@example.com",
                          "商品が壊れていました。交換してください。\n注文番号：１２３４５")

    def test_turkish_iso_8859_9(self):
        self.check_corpus("charset-iso-8859-9.eml", "Siparişim gelmedi", "Şükrü Işık",
                          "customer11@example.com",
                          "Merhaba,\n\nsiparişim hâlâ gelmedi, lütfen yardım edin. "
                          "İade istiyorum.\n\nŞükrü Işık")

    def test_turkish_windows_1254(self):
        self.check_corpus("charset-windows-1254.eml", "Kargom nerede?", "Gül Çağlar",
                          "customer21@example.com",
                          "Merhaba,\n\nÖdeme yaptım ama ürün gelmedi. “Acil” dönüş "
                          "bekliyorum.\n\nGül Çağlar")

    def test_html_only_readable_and_kept(self):
        t, m = self.check_corpus("html-only.eml", "HTML only", "Newsletter Fan",
                                 "fan@example.com",
                                 "Hello team,\n\nMy order #4521 arrived damaged.\nDetails:\n\n"
                                 "- Item: Café mug & saucer\n- Price: €12 <incl. VAT>\nQty 2\n"
                                 "Total €24\nThanks!\nAnn")
        # served sanitised: the formatting stays, the script and the title go;
        # the original, script and all, is still the raw download
        self.assertTrue(m["html"].startswith("<style>p{color:red;}</style>"), m["html"])
        self.assertIn("<p>Hello\u00a0team,</p>", m["html"])
        self.assertIn("<b>#4521</b>", m["html"])
        self.assertIn("Price: \u20ac12 &lt;incl. VAT&gt;", m["html"])
        self.assertNotIn("script", m["html"])
        self.assertNotIn("Ignored title", m["html"])
        self.assertNotIn("a comment", m["html"])
        raw = self.as_agent("GET", m["raw_url"])
        self.expect(raw, 200)
        self.assertEqual(raw.raw, corpus("html-only.eml"))

    def test_attachments_rfc2231_names_and_bytes(self):
        raw = corpus("rfc2231-filenames.eml")
        parsed = email.message_from_bytes(raw)  # compat32: payloads only
        want = [part.get_payload(decode=True) for part in parsed.walk()
                if part.get_content_disposition() == "attachment"]
        self.assertEqual(len(want), 5, "the corpus file changed")
        res = self.deliver(raw)
        msgs = self.messages(res["ticket_id"])
        self.assertEqual(msgs[0]["body"], "Please find the files attached.")
        files = msgs[0]["attachments"]
        self.assertEqual([f["filename"] for f in files],
                         ["請求書.pdf", "請求書.pdf", "領収書.txt", "résumé.txt", "photo.jpg"])
        self.assertEqual([f["content_type"] for f in files],
                         ["application/pdf", "application/pdf", "text/plain", "text/plain",
                          "application/octet-stream"])
        for f, data in zip(files, want):
            self.assertEqual(f["message_id"], msgs[0]["id"])
            self.assertEqual(f["size"], len(data))
            self.assertFalse(f["inline"])
            self.assertIsNone(f["content_id"])
            self.assertEqual(f["url"], "/api/v1/attachments/%d" % f["id"])
            r = self.as_agent("GET", f["url"])
            self.expect(r, 200, f["filename"])
            self.assertEqual(r.raw, data, f["filename"])

    def test_raw_url_returns_exact_bytes(self):
        raw = corpus("charset-shift_jis.eml").replace(
            b"<charset-shift_jis@", b"<raw-%s@" % uuid.uuid4().hex.encode())
        res = self.deliver(raw)
        m = self.messages(res["ticket_id"])[0]
        self.assertEqual(m["raw_url"], "/api/v1/messages/%d/raw" % m["id"])
        r = self.as_agent("GET", m["raw_url"])
        self.expect(r, 200)
        self.assertEqual(r.raw, raw)
        self.assertEqual(r.headers.get("Content-Type"), "message/rfc822")

    def test_raw_of_message_without_email_is_404(self):
        t = self.new_ticket()
        m = self.messages(t["id"])[0]
        self.assertIsNone(m["raw_url"])
        self.expect(self.as_agent("GET", "/api/v1/messages/%d/raw" % m["id"]), 404)

    def test_duplicate_message_id_stored_once(self):
        subject = "Twice delivered " + unique()
        raw, _ = make_email(subject)
        first = self.deliver(raw)
        again = self.deliver(raw, status=200)
        self.assertTrue(again["duplicate"])
        self.assertFalse(again["new_ticket"])
        self.assertEqual(again["ticket_id"], first["ticket_id"])
        self.assertEqual(again["message_id"], first["message_id"])
        # the same Message-ID with other bytes (another relay's headers) is the same email
        self.deliver(b"Received: from relay2.example\r\n" + raw, status=200)
        self.assertEqual(len(self.messages(first["ticket_id"])), 1)
        self.assertEqual(len([t for t in self.list_all() if t["subject"] == subject]), 1)

    def test_no_message_id_twice_stored_once(self):
        raw = corpus("no-message-id.eml")
        first = self.deliver(raw)
        again = self.deliver(raw, status=200)
        self.assertTrue(again["duplicate"])
        self.assertEqual(again["ticket_id"], first["ticket_id"])
        same = [t for t in self.list_all() if t["subject"] == "No Message-ID here"]
        self.assertEqual(len(same), 1)
        self.assertEqual(len(self.messages(first["ticket_id"])), 1)
        # other bytes without a Message-ID are another email
        other = self.deliver(raw.replace(b"no Message-ID header", b"no Message-ID either"))
        self.assertNotEqual(other["ticket_id"], first["ticket_id"])

    def test_not_an_email_422(self):
        for junk in (b"hello, this is not an email at all\n", b"\x00\x01\x02\xff" * 50,
                     b'{"subject": "json"}'):
            self.expect_error(self.inbound(junk), 422, "validation_failed", repr(junk[:20]))

    def test_empty_body_400(self):
        r = self.inbound(b"")
        self.expect(r, 400)
        self.assertIn("error", r.body)

    def test_agent_token_403_and_anonymous_401(self):
        raw, _ = make_email("Not allowed " + unique())
        self.expect(self.inbound(raw, token=self.agent), 403)
        r = self.req("POST", "/api/v1/mail/inbound", raw=raw,
                     headers={"Content-Type": "message/rfc822"})
        self.expect(r, 401)
        subjects = [t["subject"] for t in self.list_all()]
        self.assertFalse([s for s in subjects if s.startswith("Not allowed ")])

    def test_oversize_30mb_attachment_413(self):
        raw, _ = big_attachment_email(30 * 1000 * 1000, "Too big 30MB")
        r = self.inbound(raw)
        self.expect(r, 413)
        self.assertFalse([t for t in self.list_all() if t["subject"] == "Too big 30MB"])

    def test_decoded_over_25mib_413(self):
        # 26 MiB of file is about 35 MiB of base64: under the raw limit, over the content one
        raw, _ = big_attachment_email(26 << 20, "Too big 26MiB")
        self.assertLess(len(raw), 36 << 20)
        self.expect(self.inbound(raw), 413)
        self.assertFalse([t for t in self.list_all() if t["subject"] == "Too big 26MiB"])

    def test_20mb_attachment_accepted_exact(self):
        raw, data = big_attachment_email(20 * 1000 * 1000, "Big but fine")
        res = self.deliver(raw)
        files = self.messages(res["ticket_id"])[0]["attachments"]
        self.assertEqual(len(files), 1)
        self.assertEqual(files[0]["filename"], "big.zip")
        self.assertEqual(files[0]["size"], 20 * 1000 * 1000)
        r = self.as_agent("GET", files[0]["url"], timeout=120)
        self.expect(r, 200)
        self.assertEqual(len(r.raw), len(data))
        self.assertEqual(hashlib.sha256(r.raw).hexdigest(), hashlib.sha256(data).hexdigest())


class ThreadingTest(MailCase):
    """Replies find their ticket by In-Reply-To, References and [#number]."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_mailbox(address="support@help.example", name="Help")
        cls.class_mailbox(address="strict@help.example", name="Strict", reopen_days=0)

    def start_thread(self, to="support@help.example"):
        who = unique("cust")
        sender = "Kim Customer <%s@shop.example>" % who
        raw, mid = make_email("Order " + who, "Where is my order?", sender=sender, to=to)
        res = self.deliver(raw)
        self.assertTrue(res["new_ticket"])
        return res["ticket_id"], sender, mid

    def test_reply_by_in_reply_to(self):
        tid, sender, _ = self.start_thread()
        out = self.reply(tid, "It ships tomorrow.")
        self.assertEqual(out["mail_status"], "queued")
        self.assertTrue(out["mail_message_id"].startswith("deskd.%d.%d." % (tid, out["id"])),
                        out["mail_message_id"])
        self.assertTrue(out["mail_message_id"].endswith("@help.example"), out["mail_message_id"])
        raw, _ = make_email("Re: something else entirely", "Thanks!", sender=sender,
                            headers=["In-Reply-To: <%s>" % out["mail_message_id"]])
        self.assert_threaded(raw, tid)
        self.assertEqual([m["body"] for m in self.messages(tid)],
                         ["Where is my order?", "It ships tomorrow.", "Thanks!"])

    def test_note_is_not_mailed(self):
        tid, _, _ = self.start_thread()
        note = self.reply(tid, "internal only", kind="note")
        self.assertIsNone(note["mail_status"])
        self.assertIsNone(note["mail_message_id"])

    def test_reply_by_references_only(self):
        tid, sender, first_mid = self.start_thread()
        raw, _ = make_email("Re: whatever", "One more thing.", sender=sender,
                            headers=["References: <unknown-%s@x.example> <%s> <nobody-%s@y>"
                                     % (unique(), first_mid, unique())])
        self.assert_threaded(raw, tid)

    def test_subject_number_same_customer_threads(self):
        tid, sender, _ = self.start_thread()
        number = self.ticket(tid)["number"]
        self.assertEqual(number, tid + 1000)
        raw, _ = make_email("Re: [#%d] Order" % number, "Any news?", sender=sender.upper())
        self.assert_threaded(raw, tid)

    def test_subject_number_stranger_starts_new_ticket(self):
        tid, _, _ = self.start_thread()
        number = self.ticket(tid)["number"]
        raw, _ = make_email("Re: [#%d] Order" % number, "Let me in on this.",
                            sender="Mallory <%s@evil.example>" % unique("m"))
        res = self.deliver(raw)
        self.assertTrue(res["new_ticket"])
        self.assertNotEqual(res["ticket_id"], tid)
        self.assertEqual(len(self.messages(tid)), 1)

    def test_reply_reopens_solved_ticket(self):
        tid, sender, mid = self.start_thread()
        self.reply(tid, "Fixed.")
        self.set_status(tid, "solved")
        raw, _ = make_email("Re: Order", "Still broken.", sender=sender,
                            headers=["In-Reply-To: <%s>" % mid])
        self.assert_threaded(raw, tid)
        self.assertEqual(self.ticket(tid)["status"], "open")

    def test_reply_to_closed_ticket_starts_linked_ticket(self):
        tid, sender, mid = self.start_thread()
        self.set_status(tid, "closed")
        raw, _ = make_email("Re: Order", "Hello again.", sender=sender,
                            headers=["In-Reply-To: <%s>" % mid])
        res = self.deliver(raw)
        self.assertTrue(res["new_ticket"])
        self.assertNotEqual(res["ticket_id"], tid)
        self.assertEqual(self.ticket(res["ticket_id"])["linked_ticket_id"], tid)
        self.assertEqual(self.ticket(tid)["status"], "closed")

    def test_reopen_days_0_starts_linked_ticket(self):
        tid, sender, mid = self.start_thread(to="strict@help.example")
        boxes = self.expect(self.as_admin("GET", "/api/v1/mailboxes"), 200)["mailboxes"]
        strict = [b for b in boxes if b["address"] == "strict@help.example"][0]
        self.assertEqual(self.ticket(tid)["mailbox_id"], strict["id"])
        self.set_status(tid, "solved")
        raw, _ = make_email("Re: Order", "It broke again.", sender=sender,
                            to="strict@help.example", headers=["In-Reply-To: <%s>" % mid])
        res = self.deliver(raw)
        self.assertTrue(res["new_ticket"])
        new = self.ticket(res["ticket_id"])
        self.assertEqual(new["linked_ticket_id"], tid)
        self.assertEqual(new["status"], "new")
        self.assertEqual(self.ticket(tid)["status"], "solved")
        self.assertEqual(len(self.messages(tid)), 1)

    def test_cc_recorded(self):
        who = unique("cust")
        sender = "%s@shop.example" % who
        raw, mid = make_email("Cc test " + who, "Cc my colleagues.", sender=sender,
                              headers=["Cc: Bob <bob-%s@shop.example>, support@help.example,"
                                       " %s" % (who, sender)])
        res = self.deliver(raw)
        self.assertEqual(self.ticket(res["ticket_id"])["cc"], ["bob-%s@shop.example" % who])
        raw, _ = make_email("Re: Cc test", "Adding Carol.", sender=sender,
                            headers=["In-Reply-To: <%s>" % mid,
                                     "Cc: carol-%s@shop.example, BOB-%s@shop.example" % (who, who)])
        self.assertEqual(self.deliver(raw)["ticket_id"], res["ticket_id"])
        self.assertEqual(self.ticket(res["ticket_id"])["cc"],
                         ["bob-%s@shop.example" % who, "carol-%s@shop.example" % who])

    def test_agent_edits_cc(self):
        who = unique("cust")
        raw, _ = make_email("Cc edit " + who, "Hello.", sender="%s@shop.example" % who,
                            headers=["Cc: bob-%s@shop.example" % who])
        tid = self.deliver(raw)["ticket_id"]
        path = "/api/v1/tickets/%d" % tid
        carol, dave = "carol-%s@shop.example" % who, "dave-%s@shop.example" % who
        t = self.expect(self.as_agent("PATCH", path, {"cc": ["Carol-%s@Shop.Example" % who, dave,
                                                             carol]}), 200)["ticket"]
        self.assertEqual(t["cc"], [carol, dave])
        self.assertEqual(self.ticket(tid)["cc"], [carol, dave])
        change = [e for e in self.events(tid) if "cc" in (e["changes"] or {})]
        self.assertEqual(len(change), 1, change)
        self.assertEqual(change[0]["changes"]["cc"], [["bob-%s@shop.example" % who], [carol, dave]])
        self.assertEqual(change[0]["actor_id"], self.agent_id)
        # the same list again is no change
        self.expect(self.as_agent("PATCH", path, {"cc": [dave, carol.upper()]}), 200)
        self.assertEqual(len([e for e in self.events(tid) if "cc" in (e["changes"] or {})]), 1)

        for bad in ("carol@shop.example", ["no-at-sign"], ["two@@shop.example"], [42], [None],
                    ["Carol <carol@shop.example>"], ["a@b.example, c@d.example"],
                    ["x" * 250 + "@shop.example"], ["évé@shop.example\r\nBcc: x@evil.example"],
                    ["tab\tin@shop.example"], ["bell\x07@shop.example"], ["del@shop.example\x7f"],
                    ["u%d@shop.example" % i for i in range(21)]):
            r = self.as_agent("PATCH", path, {"cc": bad})
            self.expect(r, 422, repr(bad)[:60])
            self.assertIn("cc", r.body["error"]["message"])
        self.assertEqual(self.ticket(tid)["cc"], [carol, dave], "a refused list changes nothing")

        # twenty is allowed; an empty list removes them all
        twenty = ["u%d@shop.example" % i for i in range(20)]
        self.assertEqual(self.expect(self.as_agent("PATCH", path, {"cc": twenty}), 200)["ticket"]["cc"], twenty)
        self.assertEqual(self.expect(self.as_agent("PATCH", path, {"cc": []}), 200)["ticket"]["cc"], [])
        self.set_status(tid, "closed")
        self.expect(self.as_agent("PATCH", path, {"cc": [carol]}), 422)

    def test_new_ticket_customer_case_insensitive(self):
        who = unique("case")
        raw, _ = make_email("First " + who, "one", sender="Ann Lee <%s@shop.example>" % who)
        a = self.ticket(self.deliver(raw)["ticket_id"])
        raw, _ = make_email("Second " + who, "two", sender="%s@SHOP.EXAMPLE" % who.upper())
        b = self.ticket(self.deliver(raw)["ticket_id"])
        self.assertNotEqual(a["id"], b["id"])
        self.assertEqual(a["customer_id"], b["customer_id"])
        self.assertEqual(self.customer(a["customer_id"])["name"], "Ann Lee")


def dsn(original_mid, recipient="gone@nowhere.example", inline_headers=True):
    """A delivery-status report (RFC 3464) about the message `original_mid`."""
    mid = "%s@mx.example.net" % uuid.uuid4().hex
    part3 = ("Content-Type: text/rfc822-headers\r\n\r\n"
             "From: support@help.example\r\nTo: %s\r\nSubject: Re: Order\r\n"
             "Message-ID: <%s>\r\n" % (recipient, original_mid)) if inline_headers else \
        ("Content-Type: message/rfc822\r\n\r\n"
         "From: support@help.example\r\nTo: %s\r\nSubject: Re: Order\r\n"
         "Message-ID: <%s>\r\n\r\nWe are on it.\r\n" % (recipient, original_mid))
    text = ("From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
            "To: support@help.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "Date: Tue, 03 Nov 2026 11:00:00 +0000\r\nMessage-ID: <%s>\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"RR\"\r\n"
            "\r\n--RR\r\nContent-Type: text/plain\r\n\r\n"
            "<%s>: host mx.nowhere.example said: 550 5.1.1 User unknown\r\n"
            "--RR\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; %s\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n--RR\r\n%s\r\n--RR--\r\n"
            % (mid, recipient, recipient, part3))
    return text.encode()


class BounceTest(MailCase):
    """Bounces land on the message that bounced; they never open tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_mailbox(address="support@help.example")

    def sent_reply(self):
        raw, _ = make_email("Order " + unique(), sender="gone-%s@nowhere.example" % unique())
        tid = self.deliver(raw)["ticket_id"]
        out = self.reply(tid, "We are on it.")
        self.assertEqual(out["mail_status"], "queued")
        return tid, out

    def check_bounced(self, raw, tid, out):
        before = len(self.list_all())
        res = self.deliver(raw)
        self.assertTrue(res["bounce"])
        self.assertFalse(res["new_ticket"])
        self.assertFalse(res["acknowledged"])
        self.assertEqual(res["ticket_id"], tid)
        self.assertEqual(len(self.list_all()), before, "a bounce opened a ticket")
        msg = [m for m in self.messages(tid) if m["id"] == out["id"]][0]
        self.assertEqual(msg["mail_status"], "bounced")
        self.assertTrue(msg["mail_error"])
        bounced = [e for e in self.events(tid) if e["type"] == "mail.bounced"]
        self.assertEqual(len(bounced), 1, self.events(tid))
        self.assertEqual(bounced[0]["changes"].get("message_id"), out["id"])
        # a second copy of the same bounce changes nothing
        again = self.deliver(raw, status=200)
        self.assertTrue(again["duplicate"])
        self.assertEqual(len([e for e in self.events(tid) if e["type"] == "mail.bounced"]), 1)

    def test_dsn_with_rfc822_headers(self):
        tid, out = self.sent_reply()
        self.check_bounced(dsn(out["mail_message_id"]), tid, out)

    def test_dsn_with_whole_message(self):
        tid, out = self.sent_reply()
        self.check_bounced(dsn(out["mail_message_id"], inline_headers=False), tid, out)

    def test_bounced_email_is_sent_again_with_its_message_id(self):
        tid, out = self.sent_reply()
        path = "/api/v1/messages/%d/resend" % out["id"]
        self.deliver(dsn(out["mail_message_id"]))
        r = self.as_agent("POST", path)
        again = self.expect(r, 200)["message"]
        self.assertEqual((again["id"], again["mail_status"], again["mail_error"]),
                         (out["id"], "queued", None))
        self.assertEqual(again["mail_message_id"], out["mail_message_id"],
                         "a new Message-ID would show as a second email")
        resent = [e for e in self.events(tid) if e["type"] == "mail.resent"]
        self.assertEqual(len(resent), 1, self.events(tid))
        self.assertEqual((resent[0]["actor_id"], resent[0]["changes"]),
                         (self.agent_id, {"message_id": out["id"], "attempt": 2}))

    def pending_jobs(self):
        text = self.expect(self.as_admin("GET", "/metrics"), 200)
        text = text if isinstance(text, str) else text.decode()
        return int(re.search(r"^deskd_jobs_pending (\d+)$", text, re.M).group(1))

    def test_resend_while_a_retry_waits_leaves_one_job(self):
        """A bounce can come while the email still waits for a retry: sending it
        again must replace that job, not add a second sender."""
        box = self.add_mailbox("retry-%s@help.example" % unique(), smtp={
            "host": "127.0.0.1", "port": free_port(), "security": "none"})
        raw, _ = make_email("Retry " + unique(), to=box["address"],
                            sender="late-%s@nowhere.example" % unique())
        tid = self.deliver(raw, mailbox=box["address"])["ticket_id"]
        out = self.reply(tid, "On its way.")
        deadline = time.monotonic() + 20
        while not [m for m in self.messages(tid) if m["id"] == out["id"] and m["mail_error"]]:
            self.assertLess(time.monotonic(), deadline, "no first attempt")
            time.sleep(0.1)
        before = self.pending_jobs()
        self.deliver(dsn(out["mail_message_id"]))
        self.expect(self.as_agent("POST", "/api/v1/messages/%d/resend" % out["id"]), 200)
        self.assertEqual(self.pending_jobs(), before, "the resend added a second job")

    def test_resend_refuses_what_is_not_a_failed_email(self):
        tid, out = self.sent_reply()
        inbound = [m for m in self.messages(tid) if m["direction"] == "inbound"][0]
        note = self.reply(tid, "internal", kind="note")
        for mid in (inbound["id"], note["id"]):
            self.expect_error(self.as_agent("POST", "/api/v1/messages/%d/resend" % mid), 409,
                              "conflict")
        for bad in ("999999999", "0", "-1", "abc", "1e3", "%00"):
            r = self.as_agent("POST", "/api/v1/messages/%s/resend" % bad)
            self.assertEqual(r.status, 404, (bad, r))
        self.deliver(dsn(out["mail_message_id"]))
        self.set_status(tid, "closed")
        self.expect_error(self.as_agent("POST", "/api/v1/messages/%d/resend" % out["id"]), 422,
                          "validation_failed")
        self.assertEqual([m for m in self.messages(tid) if m["id"] == out["id"]][0]["mail_status"],
                         "bounced")

    def test_bounce_naming_a_customer_email_is_not_ours(self):
        # deskd never sent the customer's own email: such a report is not about our mail
        raw, mid = make_email("Order " + unique(), sender="kim-%s@shop.example" % unique())
        tid = self.deliver(raw)["ticket_id"]
        res = self.deliver(dsn(mid))
        self.assertNotEqual(res["ticket_id"], tid)
        self.assertTrue(res["new_ticket"])
        self.assertIn("bounce", self.ticket(res["ticket_id"])["tags"])
        self.assertIsNone(self.messages(tid)[0]["mail_status"])
        self.assertEqual([e for e in self.events(tid) if e["type"] == "mail.bounced"], [])

    def test_unmatched_bounce_is_tagged_ticket(self):
        res = self.deliver(dsn("deskd.999999.1.abc@help.example"))
        self.assertTrue(res["new_ticket"])
        self.assertFalse(res["acknowledged"])
        t = self.ticket(res["ticket_id"])
        self.assertIn("bounce", t["tags"])
        self.assertEqual(t["subject"], "Undelivered Mail Returned to Sender")


class SmtpSink:
    """A small SMTP server on a free port that accepts every email and keeps its bytes."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.mails = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        f = conn.makefile("rb")
        conn.sendall(b"220 sink ESMTP\r\n")
        try:
            for line in f:
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    data = []
                    for body_line in f:
                        if body_line == b".\r\n":
                            break
                        data.append(body_line[1:] if body_line.startswith(b"..") else body_line)
                    with self.lock:
                        self.mails.append(b"".join(data))
                    conn.sendall(b"250 2.0.0 kept\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def dsn_of(sent, whole_message=False, reporter="mx.example.net"):
    """A delivery-status report returning the headers (or all) of the email `sent`, as
    an MTA does: the bounced email's own header block, not one we write."""
    head = sent.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    part3 = (b"Content-Type: message/rfc822\r\n\r\n" + sent if whole_message else
             b"Content-Type: text/rfc822-headers\r\n\r\n" + head)
    text = ("From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
            "To: support@help.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "Date: %s\r\nMessage-ID: <%s@%s>\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"RR\"\r\n"
            "\r\n--RR\r\nContent-Type: text/plain\r\n\r\n"
            "<gone@nowhere.example>: host mx.nowhere.example said: 550 5.1.1 User unknown\r\n"
            "--RR\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; %s\r\n\r\nFinal-Recipient: rfc822; gone@nowhere.example\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n--RR\r\n"
            % (reporter, email.utils.formatdate(), uuid.uuid4().hex, reporter, reporter))
    return text.encode() + part3 + b"\r\n--RR--\r\n"


class ResendBounceTest(MailCase):
    """A resend keeps the Message-ID; each attempt says which it is (X-Deskd-Attempt),
    so a late bounce of an earlier attempt does not mark the resent email bounced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink()
        cls.box = cls.class_mailbox(address="resend@help.example", smtp={
            "host": "127.0.0.1", "port": cls.sink.port, "security": "none"})

    @classmethod
    def tearDownClass(cls):
        cls.sink.close()
        super().tearDownClass()

    def wait_sent(self, tid, mid, count):
        """The message once its email is sent, and the `count`-th email the sink got for it."""
        deadline = time.monotonic() + 30
        while True:
            msg = [m for m in self.messages(tid) if m["id"] == mid][0]
            with self.sink.lock:
                mails = [m for m in self.sink.mails
                         if ("<%s>" % msg["mail_message_id"]).encode() in m.split(b"\r\n\r\n")[0]]
            if msg["mail_status"] == "sent" and len(mails) >= count:
                return msg, mails[count - 1]
            self.assertLess(time.monotonic(), deadline, "email not sent: %r" % msg)
            time.sleep(0.1)

    def header(self, mail, name):
        return email.message_from_bytes(mail, policy=email.policy.default)[name]

    def status(self, tid, mid):
        return [m for m in self.messages(tid) if m["id"] == mid][0]["mail_status"]

    def kinds(self, tid):
        return [e for e in self.events(tid) if e["type"].startswith("mail.bounced")]

    def sent_reply(self):
        raw, _ = make_email("Order " + unique(), to=self.box["address"],
                            sender="moved-%s@nowhere.example" % unique())
        tid = self.deliver(raw, mailbox=self.box["address"])["ticket_id"]
        out = self.reply(tid, "Your parcel left today.")
        msg, first = self.wait_sent(tid, out["id"], 1)
        return tid, msg, first

    def test_late_bounce_of_the_first_attempt_leaves_the_resend_sent(self):
        tid, msg, first = self.sent_reply()
        self.assertEqual(self.header(first, "X-Deskd-Attempt"), "1")
        # attempt 1 bounces: the message is bounced, and the agent sends it again
        self.deliver(dsn_of(first))
        self.assertEqual(self.status(tid, msg["id"]), "bounced")
        self.expect(self.as_agent("POST", "/api/v1/messages/%d/resend" % msg["id"]), 200)
        msg2, second = self.wait_sent(tid, msg["id"], 2)
        self.assertEqual(self.header(second, "X-Deskd-Attempt"), "2")
        self.assertEqual(self.header(second, "Message-ID"), self.header(first, "Message-ID"))

        # another MX's report about attempt 1 arrives after the resend went out
        # (the whole email returned this time): an event, the email stays sent
        res = self.deliver(dsn_of(first, whole_message=True, reporter="mx2.example.org"))
        self.assertTrue(res["bounce"])
        self.assertFalse(res["new_ticket"])
        self.assertEqual(res["ticket_id"], tid)
        self.assertEqual(self.status(tid, msg["id"]), "sent")
        self.assertIsNone([m for m in self.messages(tid) if m["id"] == msg["id"]][0]["mail_error"])
        events = self.kinds(tid)
        self.assertEqual([e["type"] for e in events], ["mail.bounced", "mail.bounced_earlier"])
        self.assertEqual(events[0]["changes"]["attempt"], 1)
        late = events[1]["changes"]
        self.assertEqual((late["message_id"], late["attempt"], late["latest_attempt"]),
                         (msg["id"], 1, 2))
        self.assertIn("User unknown", late["text"])

        # a bounce of attempt 2, the latest, marks it bounced
        self.deliver(dsn_of(second))
        self.assertEqual(self.status(tid, msg["id"]), "bounced")
        events = self.kinds(tid)
        self.assertEqual([e["type"] for e in events],
                         ["mail.bounced", "mail.bounced_earlier", "mail.bounced"])
        self.assertEqual(events[2]["changes"]["attempt"], 2)

    def test_bounce_naming_no_attempt_or_a_bad_one_marks_bounced(self):
        """Mail sent before attempts were numbered, a report with other headers, or a
        forged field: the bounce is about the email as before."""
        for value in (None, "abc", "-1", "0", "1 2", "99999999999999999999999", "２"):
            tid, msg, first = self.sent_reply()
            head = first.split(b"\r\n\r\n", 1)[0]
            head = re.sub(rb"(?im)^X-Deskd-Attempt:[^\r\n]*\r\n?", b"", head + b"\r\n")
            if value is not None:
                head += ("X-Deskd-Attempt: %s\r\n" % value).encode()
            self.deliver(dsn_of(head + b"\r\nbody\r\n"))
            self.assertEqual(self.status(tid, msg["id"]), "bounced", value)
            events = self.kinds(tid)
            self.assertEqual([e["type"] for e in events], ["mail.bounced"], value)
            self.assertIsNone(events[0]["changes"]["attempt"], value)

    def test_bounce_of_the_latest_attempt_while_the_resend_waits(self):
        """A bounce of the only attempt so far, arriving twice from two reporters, leaves
        one bounced email; after a resend is queued, the old attempt's report is an event."""
        tid, msg, first = self.sent_reply()
        self.deliver(dsn_of(first))
        self.deliver(dsn_of(first, reporter="mx3.example.org"))
        self.assertEqual(self.status(tid, msg["id"]), "bounced")
        self.expect(self.as_agent("POST", "/api/v1/messages/%d/resend" % msg["id"]), 200)
        self.deliver(dsn_of(first, reporter="mx4.example.org"))
        self.assertIn(self.status(tid, msg["id"]), ("queued", "sent"))
        self.assertEqual([e["type"] for e in self.kinds(tid)],
                         ["mail.bounced", "mail.bounced", "mail.bounced_earlier"])


class AutoAckTest(MailCase):
    """A person's new email gets the acknowledgement in their language; machines never."""

    EN = "Hello {{customer.first_name}}, we got \"{{ticket.subject}}\" ({{customer.name}})."
    KO = "{{customer.first_name}}님, 문의가 접수되었습니다: {{ticket.subject}}"
    JA = "{{customer.first_name}}様、お問い合わせ #{{ticket.number}} を受け付けました。"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_mailbox(address="support@shop.example", name="Shop",
                          auto_ack={"enabled": True,
                                    "templates": {"en": cls.EN, "ko": cls.KO, "ja": cls.JA}})

    def acked(self, res, body):
        self.assertTrue(res["new_ticket"])
        self.assertTrue(res["acknowledged"])
        t = self.ticket(res["ticket_id"])
        self.assertEqual(t["status"], "new")
        msgs = self.messages(t["id"])
        self.assertEqual(len(msgs), 2)
        ack = msgs[1]
        self.assertEqual(ack["author_type"], "system")
        self.assertEqual(ack["direction"], "outbound")
        self.assertEqual(ack["kind"], "reply")
        # queued for sending (the sending worker may already have moved it on)
        self.assertIn(ack["mail_status"], ("queued", "sent", "failed"))
        self.assertTrue(ack["mail_message_id"].startswith("deskd.%d.%d." % (t["id"], ack["id"])),
                        ack["mail_message_id"])
        self.assertEqual(ack["body"], body)
        self.assertIsNone(t["first_response_at"])
        return t

    def not_acked(self, res):
        self.assertFalse(res["acknowledged"])
        msgs = self.messages(res["ticket_id"])
        self.assertEqual([m for m in msgs if m["author_type"] == "system"], [])
        self.assertEqual([m for m in msgs if m["direction"] == "outbound"], [])

    def test_english_person_gets_ack(self):
        subject = "Broken lamp " + unique()
        raw, _ = make_email(subject, "The lamp arrived broken.",
                            sender="Jane Doe <%s@example.org>" % unique("j"),
                            to="support@shop.example")
        self.acked(self.deliver(raw),
                   "Hello Jane, we got \"%s\" (Jane Doe)." % subject)

    def test_korean_gets_ko_template(self):
        self.acked(self.deliver(fresh(corpus("charset-euc-kr.eml"))),
                   "김철수님, 문의가 접수되었습니다: 배송 문의")

    def test_japanese_gets_ja_template(self):
        """A Japanese name is family name first: {{customer.first_name}} is the
        whole name, never the family name alone; the number is the one people see."""
        res = self.deliver(fresh(corpus("charset-shift_jis.eml")))
        self.acked(res, "鈴木 一郎様、お問い合わせ #%d を受け付けました。"
                   % (res["ticket_id"] + 1000))

    def test_auto_submitted_no_is_a_person(self):
        res = self.deliver(fresh(corpus("auto-submitted-no.eml")))
        self.acked(res, "Hello Customer, we got \"A person wrote this\" (Customer).")

    def test_no_ack_for_old_mail(self):
        """A folder read again must not answer its past: mail over a day old gets none."""
        raw, _ = make_email("Old question " + unique(), "Where is it?",
                            sender="Old Timer <%s@example.org>" % unique("o"),
                            to="support@shop.example", date="Tue, 03 Nov 2026 11:00:00 +0000")
        res = self.deliver(raw)
        self.assertTrue(res["new_ticket"])
        self.not_acked(res)

    def test_reply_to_of_a_no_reply_sender_is_the_customer(self):
        """A web form sends From a no-reply address; the person is in Reply-To."""
        person = unique("form") + "@buyer.example"
        raw, _ = make_email("Contact form " + unique(), "Do you ship to Busan?",
                            sender="Shop Forms <noreply@shop.example>", to="support@shop.example",
                            headers=("Reply-To: Min-ji Park <%s>" % person,))
        res = self.deliver(raw)
        t = self.acked(res, "Hello Min-ji, we got \"%s\" (Min-ji Park)."
                       % self.ticket(res["ticket_id"])["subject"])
        c = self.expect(self.as_agent("GET", "/api/v1/customers/%d" % t["customer_id"]),
                        200)["customer"]
        self.assertEqual(c["name"], "Min-ji Park")
        self.assertIn(person, [i["value"] for i in c["identities"]])

    def test_no_ack_for_machines(self):
        for name in ("auto-replied.eml", "precedence-bulk.eml", "x-autoreply.eml",
                     "bounce-plain.eml"):
            with self.subTest(name):
                res = self.deliver(corpus(name))
                self.assertTrue(res["new_ticket"])
                self.not_acked(res)

    def test_no_ack_for_noreply_sender(self):
        for local in ("noreply", "no-reply", "mailer-daemon"):
            with self.subTest(local):
                raw, _ = make_email("Your receipt " + unique(), "Receipt attached.",
                                    sender="Shop <%s@store.example>" % local,
                                    to="support@shop.example")
                res = self.deliver(raw)
                self.assertTrue(res["new_ticket"])
                self.not_acked(res)

    def test_no_ack_for_reply_to_existing_ticket(self):
        sender = "Jane <%s@example.org>" % unique("j")
        raw, mid = make_email("Lamp " + unique(), "Broken.", sender=sender,
                              to="support@shop.example")
        first = self.deliver(raw)
        self.assertTrue(first["acknowledged"])
        raw, _ = make_email("Re: Lamp", "Photo coming.", sender=sender,
                            to="support@shop.example", headers=["In-Reply-To: <%s>" % mid])
        res = self.deliver(raw)
        self.assertFalse(res["new_ticket"])
        self.assertFalse(res["acknowledged"])
        msgs = self.messages(first["ticket_id"])
        self.assertEqual([m["author_type"] for m in msgs], ["customer", "system", "customer"])


class OutboundQueueTest(MailCase):
    """An agent's reply is queued as email only while an active mailbox exists."""

    def test_reply_queued_only_with_active_mailbox(self):
        t = self.new_ticket()
        self.assertIsNone(self.reply(t["id"], "no mailbox yet")["mail_status"])
        box = self.add_mailbox("desk-%s@help.example" % unique())
        out = self.reply(t["id"], "now there is one")
        self.assertEqual(out["mail_status"], "queued")
        self.assertTrue(out["mail_message_id"].endswith("@help.example"))
        self.expect(self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                                  {"active": False}), 200)
        self.assertIsNone(self.reply(t["id"], "inactive again")["mail_status"])
        self.expect(self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                                  {"active": True}), 200)
        self.expect(self.as_admin("DELETE", "/api/v1/mailboxes/%d" % box["id"]), 204)
        self.assertIsNone(self.reply(t["id"], "deleted")["mail_status"])


class MailboxTest(MailCase):
    """The mailboxes API: admin only, validated, passwords never shown or stored in clear."""

    SECRET = "hunter2-Zq9-%s" % uuid.uuid4().hex

    def full(self, address, password=None):
        return {"address": address, "name": "Support",
                "imap": {"host": "imap.help.example", "port": 993, "security": "tls",
                         "user": "support", "password": password or self.SECRET,
                         "folder": "INBOX", "tls_verify": True},
                "smtp": {"host": "smtp.help.example", "port": 587, "security": "starttls",
                         "user": "support", "password": password or self.SECRET},
                "fallback_charsets": ["shift_jis", "euc-kr"], "reopen_days": 14,
                "auto_ack": {"enabled": False, "templates": {"en": "Thanks"}}}

    def assert_no_password(self, r):
        self.assertNotIn(self.SECRET.encode(), r.raw)
        self.assertNotIn(b"password_sealed", r.raw)

    def test_agent_forbidden(self):
        self.expect(self.as_agent("GET", "/api/v1/mailboxes"), 403)
        self.expect(self.as_agent("POST", "/api/v1/mailboxes",
                                  {"address": unique("a") + "@help.example"}), 403)
        box = self.add_mailbox(unique("b") + "@help.example")
        self.expect(self.as_agent("GET", "/api/v1/mailboxes/%d" % box["id"]), 403)
        self.expect(self.as_agent("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                                  {"name": "x"}), 403)
        self.expect(self.as_agent("DELETE", "/api/v1/mailboxes/%d" % box["id"]), 403)
        self.expect(self.req("GET", "/api/v1/mailboxes"), 401)
        self.assertEqual(self.expect(self.as_admin("GET", "/api/v1/mailboxes/%d" % box["id"]),
                                     200)["mailbox"]["name"], "Support")

    def test_validation(self):
        good = self.full(unique("v") + "@help.example")
        bad = []
        for port in (0, 65536, "993", None, 1.5):
            b = dict(good, imap=dict(good["imap"], port=port))
            bad.append(("port %r" % (port,), b))
        bad.append(("security", dict(good, smtp=dict(good["smtp"], security="ssl3"))))
        bad.append(("unknown field", dict(good, colour="blue")))
        bad.append(("unknown server field", dict(good, imap=dict(good["imap"], pop3=True))))
        bad.append(("auto_ack not object", dict(good, auto_ack=True)))
        bad.append(("auto_ack enabled string", dict(good, auto_ack={"enabled": "yes"})))
        bad.append(("auto_ack templates list",
                    dict(good, auto_ack={"enabled": True, "templates": ["hi"]})))
        bad.append(("auto_ack template number",
                    dict(good, auto_ack={"enabled": True, "templates": {"en": 5}})))
        bad.append(("auto_ack extra key", dict(good, auto_ack={"enabled": True, "x": 1})))
        bad.append(("no address", {"name": "x"}))
        bad.append(("bad address", dict(good, address="not an address")))
        bad.append(("reopen_days", dict(good, reopen_days=-1)))
        bad.append(("host", dict(good, imap=dict(good["imap"], host="a b/c"))))
        for what, body in bad:
            with self.subTest(what):
                self.expect_error(self.as_admin("POST", "/api/v1/mailboxes", body), 422,
                                  "validation_failed")
        self.assertFalse([b for b in self.expect(self.as_admin("GET", "/api/v1/mailboxes"),
                                                 200)["mailboxes"]
                          if b["address"] == good["address"]])
        box = self.expect(self.as_admin("POST", "/api/v1/mailboxes", good), 201)["mailbox"]
        for what, patch in (("address", {"address": "other@help.example"}),
                            ("active", {"active": "no"}),
                            ("port", {"smtp": dict(good["smtp"], port=70000)})):
            with self.subTest("patch " + what):
                self.expect_error(self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                                                patch), 422, "validation_failed")

    def test_duplicate_address_409(self):
        address = unique("d") + "@help.example"
        self.add_mailbox(address)
        r = self.as_admin("POST", "/api/v1/mailboxes", {"address": address})
        self.expect(r, 409)
        r = self.as_admin("POST", "/api/v1/mailboxes", {"address": address.upper()})
        self.expect(r, 409, "the same address in capitals")

    def test_password_never_shown_nor_stored_in_clear(self):
        body = self.full(unique("p") + "@help.example")
        r = self.as_admin("POST", "/api/v1/mailboxes", body)
        box = self.expect(r, 201)["mailbox"]
        self.assert_no_password(r)
        self.assertTrue(box["imap"]["password_set"])
        self.assertTrue(box["smtp"]["password_set"])
        self.assertEqual(box["imap"]["host"], "imap.help.example")
        self.assertEqual(box["imap"]["port"], 993)
        self.assertEqual(box["smtp"]["security"], "starttls")
        self.assertEqual(box["fallback_charsets"], ["shift_jis", "euc-kr"])
        self.assertEqual(box["reopen_days"], 14)
        for r in (self.as_admin("GET", "/api/v1/mailboxes"),
                  self.as_admin("GET", "/api/v1/mailboxes/%d" % box["id"])):
            self.expect(r, 200)
            self.assert_no_password(r)
        # a PATCH without a password keeps it for the same server and user
        same = {k: box["imap"][k] for k in ("host", "port", "security", "user")}
        r = self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                          {"name": "Renamed", "imap": dict(same, folder="Support")})
        got = self.expect(r, 200)["mailbox"]
        self.assert_no_password(r)
        self.assertEqual(got["name"], "Renamed")
        self.assertEqual(got["imap"]["folder"], "Support")
        self.assertTrue(got["imap"]["password_set"])
        self.assertTrue(got["smtp"]["password_set"])
        got = self.expect(self.as_admin("GET", "/api/v1/mailboxes/%d" % box["id"]),
                          200)["mailbox"]
        self.assertTrue(got["imap"]["password_set"])
        # but never for another server: it would be sent to whoever runs that one
        r = self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                          {"imap": dict(same, host="imap2.help.example")})
        got = self.expect(r, 200)["mailbox"]
        self.assertEqual(got["imap"]["host"], "imap2.help.example")
        self.assertFalse(got["imap"]["password_set"])
        self.assertTrue(got["smtp"]["password_set"], "the other server keeps its own")
        smtp = {k: got["smtp"][k] for k in ("host", "port", "security", "user")}
        r = self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                          {"smtp": dict(smtp, password=None)})
        self.assertFalse(self.expect(r, 200)["mailbox"]["smtp"]["password_set"],
                         "a null password removes it")
        # not in the database in clear
        if BACKEND == "sqlite":
            dump = b""
            for suffix in ("", "-wal", "-journal"):
                path = os.path.join(self.server.data, "deskd.db" + suffix)
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        dump += f.read()
            self.assertIn(box["address"].encode(), dump, "the test reads the wrong file")
        else:
            dump = psql("SELECT * FROM mailboxes", db=self.server.pgdb).encode()
            self.assertIn(box["address"].encode(), dump)
        self.assertNotIn(self.SECRET.encode(), dump)

    def test_patch_null_server_and_without_password(self):
        box = self.add_mailbox(unique("n") + "@help.example",
                               smtp={"host": "smtp.help.example", "port": 25,
                                     "security": "none"})
        self.assertFalse(box["smtp"]["password_set"])
        self.assertIsNone(box["imap"])
        got = self.expect(self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                                        {"smtp": None}), 200)["mailbox"]
        self.assertIsNone(got["smtp"])

    def test_delete_hides_it(self):
        address = unique("x") + "@help.example"
        box = self.add_mailbox(address)
        self.expect(self.as_admin("DELETE", "/api/v1/mailboxes/%d" % box["id"]), 204)
        boxes = self.expect(self.as_admin("GET", "/api/v1/mailboxes"), 200)["mailboxes"]
        self.assertNotIn(box["id"], [b["id"] for b in boxes])
        self.assertNotIn(address, [b["address"] for b in boxes])
        self.expect(self.as_admin("DELETE", "/api/v1/mailboxes/%d" % box["id"]), 404)
        self.expect(self.as_admin("GET", "/api/v1/mailboxes/%d" % box["id"]), 404)
        # it cannot come back to life (and send replies) by a PATCH
        self.expect(self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box["id"],
                                  {"active": True}), 404)
        boxes = self.expect(self.as_admin("GET", "/api/v1/mailboxes"), 200)["mailboxes"]
        self.assertNotIn(box["id"], [b["id"] for b in boxes])
        # the address is free again
        self.add_mailbox(address)


if __name__ == "__main__":
    unittest.main()
