"""Email end to end through the real Postfix and Dovecot of tests/mailsrv.sh.

A shopper's email goes by SMTP (swaks) into Postfix, whose pipe runs
`deskd mailgate --url`; deskd's answers go out by SMTP through Postfix into
the sink Maildir, where the test reads them as a mail client would; IMAP
mailboxes are polled in Dovecot. tests/run.sh starts the servers and exports
DESKD_TEST_MAIL_*; without them this module fails (it does not skip).

The servers are shared by every e2e run (SQLite, PostgreSQL, ASan), so each
test class uses its own addresses, Message-IDs and IMAP folders, and looks at
the shared sink only for its own addresses.
"""

import base64
import contextlib
import email
import email.policy
import os
import shutil
import socket
import subprocess
import threading
import time
import unittest
from email.header import Header
from email.utils import formataddr, formatdate
from urllib.parse import quote

from harness import BIN, E2ETestCase, free_port, unique

MAIL = {k[len("DESKD_TEST_MAIL_"):]: v for k, v in os.environ.items()
        if k.startswith("DESKD_TEST_MAIL_")}
MAIL_DIR = MAIL.get("DIR", "")
NO_SERVERS = ("DESKD_TEST_MAIL_DIR is unset: these tests need the Postfix and Dovecot of "
              "tests/mailsrv.sh (tests/run.sh starts them and exports DESKD_TEST_MAIL_*)")
WAIT = 30.0  # seconds for anything that crosses Postfix, the pipe or a poll round


def wait_for(what, fn, timeout=WAIT, interval=0.2):
    """Calls fn until it returns something true; fails naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("after %.0fs still waiting for %s" % (timeout, what))
        time.sleep(interval)


def as_nobody(path):
    """The pipe and Dovecot run as nobody: give it the file or folder."""
    if os.geteuid() == 0:
        shutil.chown(path, "nobody", "nogroup")


# --- emails as a shopper's mail program writes them --------------------------


def build_email(sender, to, subject, body, charset="utf-8", name=None, msgid=None,
                extra=()):
    """One text/plain email in `charset`, base64, with encoded-word headers."""
    head = [
        "From: " + formataddr((name, sender), charset) if name else "From: " + sender,
        "To: " + to,
        "Subject: " + Header(subject, charset).encode(linesep="\r\n"),
        "Date: " + formatdate(),
        "Message-ID: <%s>" % msgid,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=%s" % charset,
        "Content-Transfer-Encoding: base64",
    ]
    head += ["%s: %s" % kv for kv in extra]
    data = base64.encodebytes(body.encode(charset)).replace(b"\n", b"\r\n")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + data


def swaks(sender, rcpt, data):
    """Submits `data` to Postfix as sender -> rcpt; fails unless Postfix takes it."""
    out = subprocess.run(
        ["swaks", "--server", MAIL["HOST"], "--port", MAIL["SMTP_PORT"], "--from", sender,
         "--to", rcpt, "--data", "-", "--timeout", "20"],
        input=data, capture_output=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("swaks %s -> %s exited %d:\n%s" % (
            sender, rcpt, out.returncode, out.stdout.decode("utf-8", "replace")[-3000:]))


def sink_files(address):
    """The sink's messages delivered to `address` (paths), oldest first."""
    found = []
    needle = ("Delivered-To: %s\n" % address).encode()
    for sub in ("new", "cur"):
        folder = os.path.join(MAIL["SINK"], sub)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    top = f.read(8192)
            except FileNotFoundError:
                continue
            if needle in top.replace(b"\r\n", b"\n"):
                found.append(path)
    return sorted(found, key=os.path.getmtime)


def read_mail(path):
    with open(path, "rb") as f:
        return email.message_from_bytes(f.read(), policy=email.policy.default)


# --- the pipe: each test routes its own addresses to its own deskd -----------

PIPE_DISPATCH = """#!/bin/sh
# Written by tests/e2e/test_mail_servers.py. A recipient whose local part has a
# route in %(dir)s/routes/ goes there (a test's deskd mailgate); anything else
# is kept in %(dir)s/piped/ as tests/mailsrv.sh's own pipe-cmd does.
local=${1%%%%@*}
case $local in
*[!a-z0-9-]* | "") ;;
*) [ -x "%(dir)s/routes/$local" ] && exec "%(dir)s/routes/$local" "$1" ;;
esac
cat >"%(dir)s/piped/$(date +%%s.%%N).$$.$1"
"""


def install_dispatch():
    """Replaces DIR/pipe-cmd by the dispatcher (atomically: a delivery may be running)."""
    routes = os.path.join(MAIL_DIR, "routes")
    os.makedirs(routes, exist_ok=True)
    os.chmod(routes, 0o755)
    tmp = os.path.join(MAIL_DIR, ".pipe-cmd.%d" % os.getpid())
    with open(tmp, "w") as f:
        f.write(PIPE_DISPATCH % {"dir": MAIL_DIR})
    os.chmod(tmp, 0o755)
    os.replace(tmp, MAIL["PIPE_CMD"])


def write_route(local, script):
    """DIR/routes/<local>: the shell script the pipe runs for <local>@shop.test."""
    path = os.path.join(MAIL_DIR, "routes", local)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("#!/bin/sh\n" + script)
    os.chmod(tmp, 0o700)
    as_nobody(tmp)
    os.replace(tmp, path)
    return path


def route_to_deskd(local, url, token):
    """<local>@shop.test is piped to `deskd mailgate --url URL`."""
    return write_route(local, "DESKD_TOKEN='%s' exec '%s' mailgate --url '%s' --mailbox \"$1\"\n"
                       % (token, BIN, url))


# --- the tests ----------------------------------------------------------------


@contextlib.contextmanager
def polling_every_second():
    """A deskd started in here polls IMAP every second (the default is a minute)."""
    old = os.environ.get("DESKD_MAIL_POLL_SECONDS")
    os.environ["DESKD_MAIL_POLL_SECONDS"] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ["DESKD_MAIL_POLL_SECONDS"]
        else:
            os.environ["DESKD_MAIL_POLL_SECONDS"] = old


if not MAIL_DIR:
    class MailServersMissing(unittest.TestCase):
        def test_mail_servers_running(self):
            self.fail(NO_SERVERS)


@unittest.skipUnless(MAIL_DIR, NO_SERVERS)
class MailCase(E2ETestCase):
    """One deskd per class, with a mailbox support-<run>@shop.test piped to it."""

    routes = ()

    @classmethod
    def setUpClass(cls):
        with polling_every_second():
            super().setUpClass()
        cls.run_id = unique("r")
        cls.support = "support-%s@shop.test" % cls.run_id
        cls.routes = []
        install_dispatch()

    @classmethod
    def tearDownClass(cls):
        for path in cls.routes:
            try:
                os.unlink(path)
            except OSError:
                pass
        super().tearDownClass()

    def setUp(self):
        with polling_every_second():
            super().setUp()  # restarts a crashed server
        # written for each test: a restarted server listens on another port
        type(self).routes.append(route_to_deskd(self.support.split("@")[0], self.server.base,
                                                self.admin))

    def smtp_settings(self, port=None, **kw):
        s = {"host": MAIL["HOST"], "port": int(port or MAIL["SMTP_PORT"]),
             "security": "starttls", "tls_verify": False}
        s.update(kw)
        return s

    def create_mailbox(self, address=None, **fields):
        body = {"address": address or self.support, "name": "Shop Support",
                "smtp": self.smtp_settings()}
        body.update(fields)
        r = self.as_admin("POST", "/api/v1/mailboxes", body)
        return self.expect(r, 201, "create mailbox")["mailbox"]

    def mailbox(self, box_id):
        r = self.as_admin("GET", "/api/v1/mailboxes/%d" % box_id)
        return self.expect(r, 200, "get mailbox")["mailbox"]

    def patch_mailbox(self, box_id, body):
        r = self.as_admin("PATCH", "/api/v1/mailboxes/%d" % box_id, body)
        return self.expect(r, 200, "patch mailbox")["mailbox"]

    def ticket(self, ticket_id):
        return self.expect(self.as_agent("GET", "/api/v1/tickets/%d" % ticket_id), 200)["ticket"]

    def messages(self, ticket_id):
        r = self.as_agent("GET", "/api/v1/tickets/%d/messages" % ticket_id)
        return self.expect(r, 200, "messages")["messages"]

    def events(self, ticket_id, kind=None):
        r = self.as_agent("GET", "/api/v1/tickets/%d/events" % ticket_id)
        events = self.expect(r, 200, "events")["events"]
        return [e for e in events if kind is None or e["type"] == kind]

    def tickets_with(self, subject):
        return [t for t in self.list_all() if t["subject"] == subject]

    def wait_ticket(self, subject, timeout=WAIT):
        """The one ticket with this subject, once it exists."""
        tickets = wait_for("a ticket with subject %r" % subject,
                           lambda: self.tickets_with(subject), timeout)
        self.assertEqual(len(tickets), 1, tickets)
        return tickets[0]

    def wait_mail_status(self, ticket_id, message_id, want, timeout=WAIT):
        def check():
            for m in self.messages(ticket_id):
                if m["id"] == message_id and m["mail_status"] in want:
                    return m
            return None
        return wait_for("message %d mail_status in %s" % (message_id, want), check, timeout)

    def reply(self, ticket_id, body, **fields):
        fields["body"] = body
        r = self.as_agent("POST", "/api/v1/tickets/%d/messages" % ticket_id, fields)
        return self.expect(r, 201, "reply")["message"]

    def upload(self, filename, data, ctype):
        r = self.as_agent("POST", "/api/v1/attachments?filename=" + quote(filename, safe=""),
                          raw=data, headers={"Content-Type": ctype})
        return self.expect(r, 201, "upload")["attachment"]


class ConversationTest(MailCase):
    """Shopper emails, agent answers with a file, shopper answers: one ticket."""

    def test_whole_conversation_is_one_ticket(self):
        u = self.run_id
        self.create_mailbox()
        shopper = "mina-%s@customer.test" % u
        subject = "주문한 램프가 아직 안 왔어요 %s" % u
        friend = "jun-%s@customer.test" % u
        first_id = "%s@customer.test" % unique("m")
        swaks(shopper, self.support, build_email(
            shopper, self.support, subject,
            "안녕하세요,\n지난주에 주문한 램프가 아직 도착하지 않았습니다.\n김민아 드림\n",
            charset="euc-kr", name="김민아", msgid=first_id, extra=[("Cc", friend)]))

        t = self.wait_ticket(subject)
        self.assertEqual(t["channel"], "email")
        self.assertEqual(t["status"], "new")
        self.assertIsNotNone(t["mailbox_id"])
        msgs = self.messages(t["id"])
        self.assertEqual(len(msgs), 1, msgs)
        self.assertEqual(msgs[0]["direction"], "inbound")
        self.assertEqual(msgs[0]["mail_message_id"], first_id)
        self.assertIn("지난주에 주문한 램프가", msgs[0]["body"])
        customer = self.expect(self.as_agent("GET", "/api/v1/customers/%d" % t["customer_id"]),
                               200)["customer"]
        self.assertEqual(customer["email"], shopper)
        self.assertEqual(customer["name"], "김민아")

        # the agent answers with a file whose name is Korean
        filename = "주문 영수증 (사본).pdf"
        file_bytes = b"%PDF-1.4\n" + bytes(range(256)) * 16 + "끝".encode()
        att = self.upload(filename, file_bytes, "application/pdf")
        answer_text = "김민아 고객님, 램프는 내일 도착합니다. 영수증을 첨부합니다."
        reply = self.reply(t["id"], answer_text, attachment_ids=[att["id"]])
        self.assertEqual(reply["mail_status"], "queued", reply)
        self.assertTrue(reply["mail_message_id"], reply)
        sent = self.wait_mail_status(t["id"], reply["id"], ("sent", "failed"))
        self.assertEqual(sent["mail_status"], "sent", sent)
        self.assertIsNone(sent["mail_error"], sent)
        self.assertEqual(self.expect(self.as_agent("PATCH", "/api/v1/tickets/%d" % t["id"],
                                                   {"status": "solved"}), 200)["ticket"]["status"],
                         "solved")

        files = wait_for("the reply in the sink for " + shopper, lambda: sink_files(shopper))
        self.assertEqual(len(files), 1, files)
        mail = read_mail(files[0])
        self.assertEqual(mail["From"].addresses[0].addr_spec, self.support)
        self.assertEqual(mail["From"].addresses[0].display_name, "Shop Support")
        self.assertEqual([a.addr_spec for a in mail["To"].addresses], [shopper])
        self.assertEqual([a.addr_spec for a in mail["Cc"].addresses], [friend])
        copies = wait_for("the copy for " + friend, lambda: sink_files(friend))
        self.assertEqual(len(copies), 1, copies)
        self.assertEqual(read_mail(copies[0])["Message-ID"], mail["Message-ID"])
        self.assertEqual(str(mail["Subject"]), "Re: %s [#%d]" % (subject, t["number"]))
        self.assertEqual(mail["Message-ID"], "<%s>" % reply["mail_message_id"])
        self.assertEqual(mail["In-Reply-To"], "<%s>" % first_id)
        self.assertIn("<%s>" % first_id, str(mail["References"]).split())
        self.assertIsNotNone(mail["Date"])
        self.assertEqual(mail.get_content_type(), "multipart/mixed")
        alternative = [p for p in mail.walk() if p.get_content_type() == "multipart/alternative"]
        self.assertEqual(len(alternative), 1, [p.get_content_type() for p in mail.walk()])
        parts = {p.get_content_type(): p for p in alternative[0].iter_parts()}
        self.assertEqual(sorted(parts), ["text/html", "text/plain"])
        for p in parts.values():
            self.assertEqual(p.get_content_charset(), "utf-8")
            self.assertIn(answer_text, p.get_content())
        files_in_mail = [p for p in mail.iter_attachments()]
        self.assertEqual(len(files_in_mail), 1)
        self.assertEqual(files_in_mail[0].get_filename(), filename)
        self.assertEqual(files_in_mail[0].get_content_type(), "application/pdf")
        self.assertEqual(files_in_mail[0].get_content(), file_bytes)

        # the shopper answers that email: same ticket, open again
        later = "감사합니다! 내일 기다리겠습니다. %s" % u
        swaks(shopper, self.support, build_email(
            shopper, self.support, "Re: " + str(mail["Subject"]), later, name="김민아",
            msgid="%s@customer.test" % unique("m"),
            extra=[("In-Reply-To", mail["Message-ID"]),
                   ("References", "<%s> %s" % (first_id, mail["Message-ID"]))]))
        msgs = wait_for("the shopper's answer on ticket %d" % t["id"],
                        lambda: [m for m in self.messages(t["id"]) if later in m["body"]]
                        and self.messages(t["id"]))
        self.assertEqual(len(msgs), 3, msgs)
        self.assertEqual([m["direction"] for m in msgs], ["inbound", "outbound", "inbound"])
        self.assertEqual(self.ticket(t["id"])["status"], "open")
        self.assertEqual([x["id"] for x in self.list_all() if u in x["subject"]], [t["id"]],
                         "the answer made a ticket of its own")

    def test_deskd_down_email_waits_in_postfix(self):
        local = self.support.split("@")[0]
        # deskd is down: mailgate cannot connect and exits 75
        route_to_deskd(local, "http://127.0.0.1:%d" % free_port(), self.admin)
        shopper = "late-%s@customer.test" % unique()
        subject = "Sent while deskd was down %s" % unique()
        swaks(shopper, self.support, build_email(shopper, self.support, subject, "Hello?\n",
                                                 msgid="%s@customer.test" % unique("m")))
        log = os.path.join(MAIL_DIR, "postfix.log")

        def deferred():
            with open(log, errors="replace") as f:
                return [line for line in f if "to=<%s>" % self.support in line
                        and "status=deferred" in line]
        wait_for("Postfix deferring the email (mailgate exit 75)", deferred)
        self.assertEqual(self.tickets_with(subject), [])
        route_to_deskd(local, self.server.base, self.admin)
        t = self.wait_ticket(subject)
        self.assertEqual(len(self.messages(t["id"])), 1)


class CcEditTest(MailCase):
    def test_reply_goes_to_the_cc_list_the_agent_set(self):
        """The agent swaps the shopper's Cc for a colleague (and lists the shopper too)."""
        u = self.run_id
        self.create_mailbox()
        shopper, old, new = ("%s-%s@customer.test" % (who, u) for who in ("eda", "old", "new"))
        subject = "Please copy my colleague %s" % u
        swaks(shopper, self.support, build_email(shopper, self.support, subject, "Hello.\n",
                                                 msgid="%s@customer.test" % unique("m"),
                                                 extra=[("Cc", old)]))
        t = self.wait_ticket(subject)
        self.assertEqual(t["cc"], [old])
        r = self.as_agent("PATCH", "/api/v1/tickets/%d" % t["id"], {"cc": [new, shopper.upper()]})
        self.assertEqual(self.expect(r, 200)["ticket"]["cc"], [new, shopper])

        reply = self.reply(t["id"], "I have copied your colleague.")
        self.assertEqual(self.wait_mail_status(t["id"], reply["id"], ("sent", "failed"))
                         ["mail_status"], "sent")
        copy = read_mail(wait_for("the copy for " + new, lambda: sink_files(new))[0])
        self.assertEqual([a.addr_spec for a in copy["To"].addresses], [shopper])
        self.assertEqual([a.addr_spec for a in copy["Cc"].addresses], [new])
        self.assertEqual(copy["Message-ID"], "<%s>" % reply["mail_message_id"])
        self.assertEqual(len(wait_for("the shopper's copy", lambda: sink_files(shopper))), 1)
        self.assertEqual(sink_files(old), [], "the address taken off the list got the reply")


class ImapPollingTest(MailCase):
    """Two mailboxes, STARTTLS and implicit TLS, each polling its own folder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folders = {}
        for which in ("a", "b"):
            cls.make_folder(which)
        cls.dropped = {"a": 0, "b": 0, "c": 0}

    @classmethod
    def make_folder(cls, which):
        """A Maildir++ folder of this run's own (Dovecot sees it as a folder of INBOX)."""
        name = "%s%s" % (cls.run_id, which)
        path = os.path.join(MAIL["IMAP_MAILDIR"], "." + name)
        for sub in ("", "cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
            as_nobody(os.path.join(path, sub))
        cls.folders[which] = (name, path)
        return path

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            for name, path in cls.folders.values():
                shutil.rmtree(path, ignore_errors=True)

    def setUp(self):
        super().setUp()
        if not hasattr(type(self), "boxes"):
            type(self).boxes = {
                "a": self.create_mailbox("imap-a-%s@shop.test" % self.run_id,
                                         imap=self.imap_settings("a", "starttls")),
                "b": self.create_mailbox("imap-b-%s@shop.test" % self.run_id,
                                         imap=self.imap_settings("b", "tls")),
            }

    def imap_settings(self, which, security, password=None):
        return {"host": MAIL["HOST"],
                "port": int(MAIL["IMAP_PORT"] if security == "starttls" else MAIL["IMAPS_PORT"]),
                "security": security, "user": MAIL["IMAP_USER"],
                "password": password or MAIL["IMAP_PASSWORD"],
                "folder": self.folders[which][0], "tls_verify": False}

    def drop(self, which, data, name=None):
        """Delivers `data` into the folder as an MDA does; returns the file's base name."""
        name = name or unique("f")
        path = self.folders[which][1]
        tmp = os.path.join(path, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        as_nobody(tmp)
        os.rename(tmp, os.path.join(path, "new", name))
        self.dropped[which] += 1
        return name

    def flags(self, which, name):
        """None while the file is in new/, else its Maildir flags ("" for none)."""
        cur = os.path.join(self.folders[which][1], "cur")
        for f in os.listdir(cur):
            if f == name or f.startswith(name + ":"):
                return f.split(":2,", 1)[1] if ":2," in f else ""
        return None

    def email_for(self, which, subject):
        sender = "%s@customer.test" % unique("p")
        return build_email(sender, self.boxes[which]["address"], subject,
                           "こんにちは。注文番号 %s の件です。\n" % subject, name="佐藤 花子",
                           msgid="%s@customer.test" % unique("m"))

    def wait_seen_after_ticket(self, which, name, subject):
        """Waits for \\Seen; the ticket must already exist when the flag shows."""
        wait_for("%s marked \\Seen" % name, lambda: "S" in (self.flags(which, name) or ""))
        tickets = self.tickets_with(subject)
        self.assertEqual(len(tickets), 1, "the email was marked \\Seen before it was stored")
        return tickets[0]

    def wait_last_uid(self, which, folder):
        """The mailbox once it records the last UID of `folder` (UIDs there are 1, 2, ...).

        The round records it after it has marked the messages \\Seen: wait for it."""
        box_id = self.boxes[which]["id"]
        box = wait_for("imap_last_uid %d" % self.dropped[folder],
                       lambda: (lambda b: b if b["imap_last_uid"] >= self.dropped[folder]
                                else None)(self.mailbox(box_id)))
        self.assertEqual(box["imap_last_uid"], self.dropped[folder], box)
        return box

    def test_a_both_mailboxes_polled(self):
        subjects, names = {}, {}
        for which in ("a", "b"):
            subjects[which] = "Polled %s %s" % (which, unique())
            names[which] = self.drop(which, self.email_for(which, subjects[which]))
        for which in ("a", "b"):
            t = self.wait_seen_after_ticket(which, names[which], subjects[which])
            self.assertEqual(t["mailbox_id"], self.boxes[which]["id"])
            self.assertEqual(t["channel"], "email")
            self.assertIn("注文番号", self.messages(t["id"])[0]["body"])
            box = self.wait_last_uid(which, which)
            self.assertIsNone(box["poll_error"], box)
            self.assertIsNotNone(box["polled_at"], box)
        # the answer goes out through the mailbox the email came in by, not the first one
        t = self.tickets_with(subjects["b"])[0]
        customer = self.expect(self.as_agent("GET", "/api/v1/customers/%d" % t["customer_id"]),
                               200)["customer"]["email"]
        m = self.reply(t["id"], "ご連絡ありがとうございます。")
        self.assertEqual(self.wait_mail_status(t["id"], m["id"], ("sent", "failed"))["mail_status"],
                         "sent")
        mail = read_mail(wait_for("the answer in the sink", lambda: sink_files(customer))[0])
        self.assertEqual(mail["From"].addresses[0].addr_spec, self.boxes["b"]["address"])

    def test_b_same_email_twice_is_one_ticket(self):
        subject = "Twice %s" % unique()
        data = self.email_for("a", subject)
        first = self.drop("a", data)
        second = self.drop("a", data)
        for name in (first, second):
            wait_for("%s marked \\Seen" % name, lambda: "S" in (self.flags("a", name) or ""))
        self.assertEqual(len(self.tickets_with(subject)), 1)
        t = self.tickets_with(subject)[0]
        self.assertEqual(len(self.messages(t["id"])), 1)
        self.wait_last_uid("a", "a")

    def test_c_wrong_password_then_fixed(self):
        box_id = self.boxes["b"]["id"]
        self.patch_mailbox(box_id, {"imap": self.imap_settings("b", "tls", "not-the-password")})
        # a round that started before the change may still succeed: wait for an error
        box = wait_for("poll_error after a wrong password",
                       lambda: (lambda b: b if b["poll_error"] else None)(self.mailbox(box_id)))
        self.assertIsInstance(box["poll_error"], str)
        subject = "While locked out %s" % unique()
        name = self.drop("b", self.email_for("b", subject))
        time.sleep(3)  # three rounds that cannot log in
        self.assertEqual(self.tickets_with(subject), [])
        self.assertNotIn("S", self.flags("b", name) or "")
        self.assertTrue(self.mailbox(box_id)["poll_error"])
        self.expect(self.req("GET", "/healthz"), 200)

        self.patch_mailbox(box_id, {"imap": self.imap_settings("b", "tls")})
        self.wait_seen_after_ticket("b", name, subject)
        box = wait_for("poll_error cleared",
                       lambda: (lambda b: b if b["poll_error"] is None else None)(
                           self.mailbox(box_id)))
        self.wait_last_uid("b", "b")


    def test_d_new_uidvalidity_reads_the_folder_again(self):
        known = "Known %s" % unique()
        data = self.email_for("a", known)
        name = self.drop("a", data)
        self.wait_seen_after_ticket("a", name, known)
        self.wait_last_uid("a", "a")
        # another folder: another UIDVALIDITY, UIDs from 1 again
        self.make_folder("c")
        fresh = "Fresh %s" % unique()
        self.drop("c", data)
        fresh_name = self.drop("c", self.email_for("a", fresh))
        imap = self.imap_settings("c", "starttls")
        self.patch_mailbox(self.boxes["a"]["id"], {"imap": imap})
        self.wait_seen_after_ticket("c", fresh_name, fresh)
        self.assertEqual(len(self.tickets_with(known)), 1)
        self.assertEqual(len(self.messages(self.tickets_with(known)[0]["id"])), 1)
        box = self.wait_last_uid("a", "c")
        self.assertEqual(box["imap_last_uid"], 2, box)
        self.assertIsNone(box["poll_error"], box)


    def test_e_deleted_mailbox_is_not_polled(self):
        self.expect(self.as_admin("DELETE", "/api/v1/mailboxes/%d" % self.boxes["b"]["id"]), 204)
        time.sleep(1.5)  # a round that started before the delete may still be running
        subject = "After the delete %s" % unique()
        name = self.drop("b", self.email_for("b", subject))
        time.sleep(3)
        self.assertEqual(self.tickets_with(subject), [])
        self.assertNotIn("S", self.flags("b", name) or "")


    def test_f_connecting_an_inbox_takes_only_its_unread_mail(self):
        """Read history stays history: a new mailbox on a folder with old, read
        mail makes tickets only of the unread messages, then of every new one."""
        path = self.make_folder("d")
        self.dropped["d"] = 0
        old, unread, later = ("%s %s" % (w, unique()) for w in ("Old", "Unread", "Later"))
        read_name = unique("r")
        with open(os.path.join(path, "cur", read_name + ":2,S"), "wb") as f:
            f.write(self.email_for("a", old))
        as_nobody(os.path.join(path, "cur", read_name + ":2,S"))
        unread_name = self.drop("d", self.email_for("a", unread))
        box = self.create_mailbox("imap-d-%s@shop.test" % self.run_id,
                                  imap=self.imap_settings("d", "starttls"))
        self.wait_seen_after_ticket("d", unread_name, unread)
        later_name = self.drop("d", self.email_for("a", later))
        self.wait_seen_after_ticket("d", later_name, later)
        self.assertEqual(self.tickets_with(old), [], "read history became a ticket")
        got = wait_for("imap_last_uid 3", lambda: (lambda b: b if b["imap_last_uid"] == 3
                                                   else None)(self.mailbox(box["id"])))
        self.assertIsNone(got["poll_error"], got)


    def test_g_a_silent_server_delays_only_its_own_mailbox(self):
        """An IMAP server that accepts and then says nothing holds up its own
        mailbox, not the others: mail for another mailbox still arrives at once."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        held = []

        def hold():
            with contextlib.suppress(OSError):
                while True:
                    held.append(listener.accept()[0])  # and never a greeting
        threading.Thread(target=hold, daemon=True).start()
        try:
            slow = self.create_mailbox("imap-silent-%s@shop.test" % self.run_id, imap={
                "host": "127.0.0.1", "port": listener.getsockname()[1], "security": "none",
                "user": "shop", "password": "x"})
            wait_for("the silent server's first caller", lambda: held, timeout=10)
            self.make_folder("g")
            self.dropped["g"] = 0
            box = self.create_mailbox("imap-g-%s@shop.test" % self.run_id,
                                      imap=self.imap_settings("g", "starttls"))
            subject = "While one is silent %s" % unique()
            name = self.drop("g", self.email_for("a", subject))
            self.wait_seen_after_ticket("g", name, subject)
            for b in (slow, box):
                self.expect(self.as_admin("DELETE", "/api/v1/mailboxes/%d" % b["id"]), 204)
        finally:
            listener.close()
            for c in held:
                c.close()


class OutboundFailureTest(MailCase):
    """What the agent sees when an email cannot go out."""

    def setUp(self):
        super().setUp()
        if not hasattr(type(self), "box"):
            type(self).box = self.create_mailbox()

    def test_refused_recipient_fails_for_good(self):
        self.patch_mailbox(self.box["id"], {"smtp": self.smtp_settings()})
        t = self.new_ticket(customer={"email": "%s@blocked.test" % unique("c"),
                                      "name": "Blocked Buyer"})
        m = self.reply(t["id"], "Your refund is on its way.")
        self.assertEqual(m["mail_status"], "queued", m)
        m = self.wait_mail_status(t["id"], m["id"], ("failed", "sent"))
        self.assertEqual(m["mail_status"], "failed", m)
        self.assertIn("554", m["mail_error"])
        self.assertIn("refuses all mail", m["mail_error"])
        failed = wait_for("a mail.failed event", lambda: self.events(t["id"], "mail.failed"))
        self.assertEqual(len(failed), 1, failed)

    def test_closed_port_retries_until_fixed(self):
        closed = free_port()  # nothing listens there
        self.patch_mailbox(self.box["id"], {"smtp": self.smtp_settings(port=closed)})
        customer = "%s@customer.test" % unique("c")
        t = self.new_ticket(customer={"email": customer, "name": "Patient Buyer"})
        m = self.reply(t["id"], "Your parcel left the warehouse.")

        def failed_once():
            got = [x for x in self.messages(t["id"]) if x["id"] == m["id"]][0]
            return got if got["mail_error"] else None
        m = wait_for("a first failed attempt", failed_once)
        self.assertEqual(m["mail_status"], "queued", m)
        self.assertEqual(self.events(t["id"], "mail.failed"), [])

        self.patch_mailbox(self.box["id"], {"smtp": self.smtp_settings()})
        m = self.wait_mail_status(t["id"], m["id"], ("sent", "failed"))
        self.assertEqual(m["mail_status"], "sent", m)
        self.assertIsNone(m["mail_error"], m)
        files = wait_for("the reply in the sink", lambda: sink_files(customer))
        time.sleep(1)
        self.assertEqual(len(sink_files(customer)), 1, files)
        self.assertEqual(read_mail(files[0])["Message-ID"], "<%s>" % m["mail_message_id"])

    def test_failed_email_sent_again_after_the_fix(self):
        """A server that refuses for good fails the email; once the mailbox is
        fixed the agent sends it again, and it arrives with its Message-ID."""
        refusing = socket.create_server(("127.0.0.1", 0))

        def refuse():
            with contextlib.suppress(OSError):
                while True:
                    conn = refusing.accept()[0]
                    with conn:
                        conn.sendall(b"220 strict ESMTP\r\n")
                        for line in conn.makefile("rb"):
                            if line.upper().startswith(b"QUIT"):
                                conn.sendall(b"221 bye\r\n")
                                break
                            conn.sendall(b"250 OK\r\n" if line.upper().startswith((b"EHLO", b"HELO"))
                                         else b"550 5.7.1 not from you\r\n")
        threading.Thread(target=refuse, daemon=True).start()
        try:
            self.patch_mailbox(self.box["id"], {"smtp": {"host": "127.0.0.1", "security": "none",
                                                         "port": refusing.getsockname()[1]}})
            customer = "%s@customer.test" % unique("c")
            t = self.new_ticket(customer={"email": customer, "name": "Second Try"})
            m = self.reply(t["id"], "Your voucher code is inside.")
            failed = self.wait_mail_status(t["id"], m["id"], ("failed", "sent"))
            self.assertEqual(failed["mail_status"], "failed", failed)
            self.assertIn("550 5.7.1 not from you", failed["mail_error"])
        finally:
            refusing.close()

        self.patch_mailbox(self.box["id"], {"smtp": self.smtp_settings()})
        r = self.as_agent("POST", "/api/v1/messages/%d/resend" % m["id"])
        self.assertEqual(self.expect(r, 200)["message"]["mail_status"], "queued")
        sent = self.wait_mail_status(t["id"], m["id"], ("sent", "failed"))
        self.assertEqual(sent["mail_status"], "sent", sent)
        files = wait_for("the email in the sink", lambda: sink_files(customer))
        self.assertEqual(read_mail(files[0])["Message-ID"], "<%s>" % m["mail_message_id"])
        self.assertEqual([e["actor_id"] for e in self.events(t["id"], "mail.resent")],
                         [self.agent_id])
        # a sent email is not sent twice
        r = self.as_agent("POST", "/api/v1/messages/%d/resend" % m["id"])
        self.expect_error(r, 409, "conflict")
        time.sleep(1)
        self.assertEqual(len(sink_files(customer)), 1)


class SmtpsAuthTest(MailCase):
    """Replies through Postfix's implicit-TLS port, which takes mail only after
    AUTH (the password checked by Dovecot)."""

    def setUp(self):
        super().setUp()
        if not hasattr(type(self), "box"):
            type(self).box = self.create_mailbox()

    def smtps(self, **smtp):
        settings = {"host": MAIL["HOST"], "port": int(MAIL["SMTPS_PORT"]), "security": "tls",
                    "tls_verify": False}
        settings.update(smtp)
        self.patch_mailbox(self.box["id"], {"smtp": settings})

    def send_with(self, **smtp):
        self.smtps(**smtp)
        customer = "%s@customer.test" % unique("c")
        t = self.new_ticket(customer={"email": customer, "name": "Tls Buyer"})
        m = self.reply(t["id"], "Sent over TLS, signed in.")
        return customer, self.wait_mail_status(t["id"], m["id"], ("sent", "failed"))

    def test_login_then_send(self):
        customer, m = self.send_with(user=MAIL["SMTP_USER"], password=MAIL["SMTP_PASSWORD"])
        self.assertEqual(m["mail_status"], "sent", m)
        files = wait_for("the reply in the sink", lambda: sink_files(customer))
        self.assertEqual(read_mail(files[0])["Message-ID"], "<%s>" % m["mail_message_id"])
        with open(os.path.join(MAIL_DIR, "postfix.log"), errors="replace") as f:
            self.assertTrue([line for line in f if "sasl_username=%s" % MAIL["SMTP_USER"] in line],
                            "Postfix logged no AUTH")

    def test_wrong_password_waits_for_the_right_one(self):
        """A refused login is the mailbox's fault, not the email's: it waits,
        showing the server's answer, and goes out once the password is fixed."""
        self.smtps(user=MAIL["SMTP_USER"], password="not-the-password")
        customer = "%s@customer.test" % unique("c")
        t = self.new_ticket(customer={"email": customer, "name": "Patient Buyer"})
        m = self.reply(t["id"], "Sent once the password is right.")
        waiting = wait_for("a refused login", lambda: [
            x for x in self.messages(t["id"]) if x["id"] == m["id"] and x["mail_error"]])[0]
        self.assertEqual(waiting["mail_status"], "queued", waiting)
        self.assertIn("535", waiting["mail_error"])
        self.assertEqual(sink_files(customer), [])
        self.smtps(user=MAIL["SMTP_USER"], password=MAIL["SMTP_PASSWORD"])
        sent = self.wait_mail_status(t["id"], m["id"], ("sent", "failed"))
        self.assertEqual(sent["mail_status"], "sent", sent)
        wait_for("the reply in the sink", lambda: sink_files(customer))

    def test_no_login_is_refused(self):
        customer, m = self.send_with()
        self.assertEqual(m["mail_status"], "failed", m)
        self.assertIn("554", m["mail_error"])
        self.assertEqual(sink_files(customer), [])


class BounceTest(MailCase):
    """Postfix accepts the reply, the shopper's mail host refuses it, Postfix bounces."""

    def test_postfix_bounce_is_an_event_not_a_ticket(self):
        self.create_mailbox()
        local = "gone-%s" % self.run_id
        type(self).routes.append(write_route(
            local, "cat >/dev/null\necho '%s@shop.test: no such user here'\nexit 67\n" % local))
        t = self.new_ticket(customer={"email": local + "@shop.test", "name": "Gone Buyer"})
        m = self.reply(t["id"], "Your order is ready for pickup.")
        m = self.wait_mail_status(t["id"], m["id"], ("sent", "failed", "bounced"))
        self.assertNotEqual(m["mail_status"], "failed", m)

        bounced = wait_for("a mail.bounced event", lambda: self.events(t["id"], "mail.bounced"))
        self.assertEqual(len(bounced), 1, bounced)
        self.assertEqual(bounced[0]["changes"].get("message_id"), m["id"], bounced)
        # Postfix's report returns the email's headers, X-Deskd-Attempt among them
        self.assertEqual(bounced[0]["changes"].get("attempt"), 1, bounced)
        m = [x for x in self.messages(t["id"]) if x["id"] == m["id"]][0]
        self.assertEqual(m["mail_status"], "bounced", m)
        self.assertIn("no such user here", m["mail_error"] or "", m)
        tickets = self.list_all()
        self.assertEqual([x["id"] for x in tickets], [t["id"]], tickets)
        self.assertEqual(len(self.messages(t["id"])), 2)


class AutoAckTest(MailCase):
    """The acknowledgement goes out by SMTP in the shopper's language, never to machines."""

    JA = "{{customer.first_name}} 様\nお問い合わせありがとうございます。受付番号は {{ticket.id}} です。\n"
    EN = "Hi {{customer.first_name}}, we got your message (ticket {{ticket.id}}).\n"

    def setUp(self):
        super().setUp()
        if not hasattr(type(self), "box"):
            type(self).box = self.create_mailbox(
                auto_ack={"enabled": True, "templates": {"en": self.EN, "ja": self.JA}})

    def send(self, sender, subject, body, charset="utf-8", name="Taro Yamada", extra=()):
        msgid = "%s@example.jp" % unique("m")
        swaks(sender, self.support, build_email(sender, self.support, subject, body, charset,
                                                name=name, msgid=msgid, extra=extra))
        return msgid

    def test_japanese_email_gets_japanese_ack(self):
        sender = "taro-%s@example.jp" % unique()
        subject = "注文の配送について %s" % unique()
        msgid = self.send(sender, subject, "こんにちは。注文した商品がまだ届きません。\n",
                          charset="iso-2022-jp")
        t = self.wait_ticket(subject)
        files = wait_for("an acknowledgement for " + sender, lambda: sink_files(sender))
        ack = read_mail(files[0])
        self.assertEqual(ack["Auto-Submitted"], "auto-replied")
        self.assertEqual(ack["In-Reply-To"], "<%s>" % msgid)
        self.assertEqual(str(ack["Subject"]), "Re: %s [#%d]" % (subject, t["number"]))
        self.assertEqual(ack["From"].addresses[0].addr_spec, self.support)
        text = ack.get_body(("plain",)).get_content()
        want = self.JA.replace("{{customer.first_name}}", "Taro").replace(
            "{{ticket.id}}", str(t["id"]))
        self.assertEqual(text.replace("\r\n", "\n").strip(), want.strip())
        msgs = self.messages(t["id"])
        self.assertEqual([m["author_type"] for m in msgs], ["customer", "system"], msgs)
        # Postfix may deliver before the job records the outcome
        self.wait_mail_status(t["id"], msgs[1]["id"], ("sent",))
        self.assertEqual(ack["Message-ID"], "<%s>" % msgs[1]["mail_message_id"])
        self.assertEqual(self.ticket(t["id"])["status"], "new")

    def test_machines_get_no_ack(self):
        quiet = {}
        for header in (("Auto-Submitted", "auto-replied"), ("Precedence", "bulk")):
            sender = "bot-%s@example.jp" % unique()
            subject = "Automatic notice %s" % unique()
            self.send(sender, subject, "Your parcel was scanned.\n", extra=[header])
            quiet[sender] = subject
        # a person's email sent after them: once its ack is in the sink, theirs would be too
        person = "hana-%s@example.jp" % unique()
        person_subject = "Where is my parcel %s" % unique()
        self.send(person, person_subject, "Hello, my parcel has not arrived.\n",
                  name="Hana Sato")
        t = self.wait_ticket(person_subject)
        files = wait_for("the acknowledgement for the person", lambda: sink_files(person))
        text = read_mail(files[0]).get_body(("plain",)).get_content()
        self.assertEqual(text.replace("\r\n", "\n").strip(),
                         "Hi Hana, we got your message (ticket %d)." % t["id"])
        for sender, subject in quiet.items():
            t = self.wait_ticket(subject)
            msgs = self.messages(t["id"])
            self.assertEqual([m["author_type"] for m in msgs], ["customer"], msgs)
        time.sleep(2)
        for sender in quiet:
            self.assertEqual(sink_files(sender), [], "an acknowledgement went to " + sender)


if __name__ == "__main__":
    unittest.main()
