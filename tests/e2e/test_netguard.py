"""The outbound address guard: webhooks and mailbox servers may not point at
loopback, private, link-local (metadata) or other non-public addresses unless
deskd runs with --allow-private-targets.

Refused when saved (422), judged on the addresses a host resolves to, in every
spelling getaddrinfo and libcurl accept; and refused again when connecting, so
a target saved while the flag was on (or a name whose DNS answer changed) is
not reached by a server started without it: the webhook delivery fails for
good with the reason, the email fails with a mail.failed event, the IMAP poll
records the refusal, and nothing arrives at the receiver.

These tests need no network: numeric forms and `localhost` resolve offline,
and `.invalid` names never resolve (RFC 6761).
"""

import socket
import threading
import time

import test_webhooks
from harness import E2ETestCase, Server, ServerError, unique
from test_mail_servers import wait_for

WAIT = 15.0

# every way of writing a host that reaches this machine or its neighbours
PRIVATE_URLS = [
    ("http://127.0.0.1/hook", "127.0.0.1, loopback"),
    ("http://localhost:8080/hook", "127.0.0.1, loopback"),
    ("http://LocalHost/hook", "127.0.0.1, loopback"),
    ("http://[::1]/hook", "::1, loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1, loopback"),
    ("http://[0:0:0:0:0:ffff:7f00:1]/hook", "::ffff:127.0.0.1, loopback"),
    ("http://[::]/hook", "::, unspecified"),
    ("http://0.0.0.0/hook", "0.0.0.0, unspecified"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, link-local"),
    ("http://[fe80::1]/hook", "fe80::1, link-local"),
    ("http://[fd00:ec2::254]/hook", "fd00:ec2::254, unique local"),
    ("http://10.0.0.1/hook", "10.0.0.1, private network"),
    ("https://172.16.5.4:8443/hook", "172.16.5.4, private network"),
    ("http://192.168.1.1/hook", "192.168.1.1, private network"),
    ("http://100.64.0.1/hook", "100.64.0.1, carrier-grade NAT"),
    ("http://2130706433/hook", "127.0.0.1, loopback"),
    ("http://0177.0.0.1/hook", "127.0.0.1, loopback"),
    ("http://0x7f.1/hook", "127.0.0.1, loopback"),
    ("http://127.1/hook", "127.0.0.1, loopback"),
    ("http://%31%32%37.0.0.1/hook", "127.0.0.1, loopback"),
    ("http://[64:ff9b::7f00:1]/hook", "64:ff9b::7f00:1, loopback"),
    ("http://[2002:a00:1::1]/hook", "2002:a00:1::1, private network"),
    # userinfo and fragments that look like another host to a careless parser
    ("http://8.8.8.8@127.0.0.1/hook", "127.0.0.1, loopback"),
    ("http://127.0.0.1#@8.8.8.8/hook", "127.0.0.1, loopback"),
    ("http://127.0.0.1:80\\@8.8.8.8/", None),  # a backslash is refused as a URL
]

PRIVATE_HOSTS = ["127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1", "169.254.169.254",
                 "10.20.30.40", "192.168.0.10", "2130706433", "0177.0.0.1", "fe80::1",
                 "fc00::5", "0"]


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it."""

    def __init__(self, greeting=b""):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.greeting = greeting
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn = self.sock.accept()[0]
            except OSError:
                continue
            self.accepted += 1
            try:
                conn.sendall(self.greeting)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()




class RefusedOnSaveTest(E2ETestCase):
    """A server started without the flag refuses private targets when they are saved."""

    allow_private = False

    def webhook(self, url):
        return self.as_admin("POST", "/api/v1/webhooks", {"url": url, "events": ["*"]})

    def mailbox(self, **servers):
        body = {"address": unique("box") + "@shop.example", "name": "Support"}
        body.update(servers)
        return self.as_admin("POST", "/api/v1/mailboxes", body)

    def smtp(self, host, port=25):
        return {"host": host, "port": port, "security": "none"}

    def imap(self, host, port=993):
        return {"host": host, "port": port, "security": "tls", "user": "u", "password": "pw"}

    def test_webhook_urls_to_private_addresses_are_422(self):
        before = self.expect(self.as_admin("GET", "/api/v1/webhooks"), 200)["webhooks"]
        for url, named in PRIVATE_URLS:
            with self.subTest(url=url):
                err = self.expect_error(self.webhook(url), 422, "validation_failed")
                if named:
                    self.assertIn("webhook url resolves to a private address (", err["message"])
                    self.assertIn(named, err["message"])
                else:
                    self.assertIn("url", err["message"])
        after = self.expect(self.as_admin("GET", "/api/v1/webhooks"), 200)["webhooks"]
        self.assertEqual(after, before, "a refused webhook was stored")

    def test_webhook_message_names_the_address(self):
        err = self.expect_error(self.webhook("http://127.0.0.1:9/x"), 422, "validation_failed")
        self.assertEqual(err["message"],
                         "webhook url resolves to a private address (127.0.0.1, loopback)")

    def test_webhook_host_that_does_not_resolve_or_parse_is_422(self):
        for url in ("http://hooks.nothing.invalid/x", "https://%s.invalid/" % unique(),
                    "http://\ud30c\uc77c.invalid/x",
                    # full-width letters: libcurl's URL parser refuses them
                    "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/x",
                    "http://" + "a" * 300 + "/x"):
            with self.subTest(url=url[:60]):
                err = self.expect_error(self.webhook(url), 422, "validation_failed")
                self.assertIn("url", err["message"])
                self.assertNotIn("private", err["message"])

    def test_webhook_to_public_address_is_saved(self):
        # numeric, so that no DNS is needed: saving does not connect
        for url in ("http://8.8.8.8/deskd", "https://[2606:4700:4700::1111]:8443/deskd",
                    "http://user:pw@1.1.1.1/x"):
            with self.subTest(url=url):
                w = self.expect(self.webhook(url), 201)["webhook"]
                self.assertEqual(w["url"], url)

    def test_mailbox_servers_at_private_addresses_are_422(self):
        for host in PRIVATE_HOSTS:
            for which in ("smtp", "imap"):
                with self.subTest(host=host, which=which):
                    server = self.smtp(host) if which == "smtp" else self.imap(host)
                    err = self.expect_error(self.mailbox(**{which: server}), 422,
                                            "validation_failed")
                    self.assertIn("%s host resolves to a private address (" % which,
                                  err["message"])
        boxes = self.expect(self.as_admin("GET", "/api/v1/mailboxes"), 200)["mailboxes"]
        hosts = [b[k]["host"] for b in boxes for k in ("smtp", "imap") if b[k]]
        self.assertFalse(set(hosts) & set(PRIVATE_HOSTS), hosts)

    def test_mailbox_host_that_does_not_resolve_is_422(self):
        for host in ("smtp.nothing.invalid", "\uc6b0\ud3b8.invalid", "x" * 253):
            with self.subTest(host=host[:40]):
                err = self.expect_error(self.mailbox(smtp=self.smtp(host)), 422,
                                        "validation_failed")
                self.assertIn("smtp host", err["message"])

    def test_mailbox_update_to_private_host_is_422_and_changes_nothing(self):
        box = self.expect(self.mailbox(smtp=self.smtp("8.8.4.4", 587)), 201)["mailbox"]
        self.assertEqual(box["smtp"]["host"], "8.8.4.4")
        path = "/api/v1/mailboxes/%d" % box["id"]
        err = self.expect_error(self.as_admin("PATCH", path, {"smtp": self.smtp("127.0.0.1")}),
                                422, "validation_failed")
        self.assertIn("127.0.0.1, loopback", err["message"])
        err = self.expect_error(self.as_admin("PATCH", path, {"imap": self.imap("localhost")}),
                                422, "validation_failed")
        self.assertIn("imap host", err["message"])
        got = self.expect(self.as_admin("GET", path), 200)["mailbox"]
        self.assertEqual(got["smtp"]["host"], "8.8.4.4")
        self.assertIsNone(got["imap"])
        # what is public still saves
        self.expect(self.as_admin("PATCH", path, {"smtp": self.smtp("1.0.0.1", 465)}), 200)


class FlagTest(E2ETestCase):
    """--allow-private-targets (the harness's default) and its variable allow them."""

    def test_flag_allows_private_targets(self):
        r = self.as_admin("POST", "/api/v1/webhooks",
                          {"url": "http://127.0.0.1:9/x", "events": ["*"]})
        self.expect(r, 201)
        r = self.as_admin("POST", "/api/v1/mailboxes", {
            "address": unique("box") + "@shop.example",
            "smtp": {"host": "localhost", "port": 25, "security": "none"}})
        self.expect(r, 201)

    def test_variable_allows_private_targets(self):
        server = Server(allow_private=False, env={"DESKD_ALLOW_PRIVATE_TARGETS": "1"})
        try:
            server.start()
            self.bootstrap(server)
            r = server.req("POST", "/api/v1/webhooks",
                           {"url": "http://[::1]:9/x", "events": ["*"]}, token=server.ids["admin"])
            self.expect(r, 201)
            server.stop()
            server.env = {"DESKD_ALLOW_PRIVATE_TARGETS": "0"}
            server.start()
            r = server.req("POST", "/api/v1/webhooks",
                           {"url": "http://[::1]:9/x", "events": ["*"]}, token=server.ids["admin"])
            self.expect_error(r, 422, "validation_failed")
        finally:
            server.stop()
            server.cleanup()

    def test_bad_variable_stops_the_server(self):
        server = Server(allow_private=False, env={"DESKD_ALLOW_PRIVATE_TARGETS": "yes"})
        try:
            with self.assertRaises(ServerError):
                server.start()
            self.assertIn("DESKD_ALLOW_PRIVATE_TARGETS must be 0 or 1", server.stderr_tail())
        finally:
            server.cleanup()


class RefusedOnConnectTest(E2ETestCase):
    """Targets saved while the flag was on, reached by a server restarted without it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rx = test_webhooks.Receiver()
        cls.smtp = Listener(b"220 never used ESMTP\r\n")
        cls.imap = Listener(b"* OK never used\r\n")
        try:
            cls.prepare()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def prepare(cls):
        s = cls.server
        admin = cls.server.ids["admin"]
        cls.paths = {"numeric": "/" + unique("numeric"), "name": "/" + unique("name")}
        cls.hooks = {}
        for kind, path in cls.paths.items():
            url = cls.rx.url(path)
            if kind == "name":
                url = url.replace("127.0.0.1", "localhost")
            r = s.req("POST", "/api/v1/webhooks", {"url": url, "events": ["ticket.created"]},
                      token=admin)
            assert r.status == 201, r
            cls.hooks[kind] = r.body["webhook"]["id"]
        # with the flag the receiver is reached: the refusal below is the guard's doing
        r = s.req("POST", "/api/v1/tickets", {"subject": "before", "body": "b", "customer": {
            "email": unique("c") + "@shop.example"}}, token=cls.server.ids["agent"])
        assert r.status == 201, r
        for path in cls.paths.values():
            assert cls.rx.wait(path), "no delivery with the flag on to %s" % path
        cls.address = unique("box") + "@shop.example"
        r = s.req("POST", "/api/v1/mailboxes", {
            "address": cls.address, "name": "Support",
            "smtp": {"host": "127.0.0.1", "port": cls.smtp.port, "security": "none"},
            "imap": {"host": "localhost", "port": cls.imap.port, "security": "none",
                     "user": "u", "password": "pw"}}, token=admin)
        assert r.status == 201, r
        cls.mailbox_id = r.body["mailbox"]["id"]
        s.allow_private = False
        s.env = {"DESKD_MAIL_POLL_SECONDS": "1"}
        s.restart()
        cls.imap_before = cls.imap.accepted

    @classmethod
    def tearDownClass(cls):
        cls.rx.close()
        cls.smtp.close()
        cls.imap.close()
        super().tearDownClass()

    def deliveries(self, hid):
        return self.expect(self.as_admin("GET", "/api/v1/webhooks/%d/deliveries" % hid),
                           200)["deliveries"]

    def test_webhook_delivery_is_refused_for_good(self):
        before = {k: len(self.rx.calls(p)) for k, p in self.paths.items()}
        old = {d["id"] for hid in self.hooks.values() for d in self.deliveries(hid)}
        self.new_ticket(subject="after " + unique())
        for kind, hid in self.hooks.items():
            with self.subTest(kind=kind):
                def refused():
                    ds = [d for d in self.deliveries(hid) if d["id"] not in old]
                    return ds if ds and ds[0]["status"] == "failed" else None
                ds = wait_for("the refused delivery of %s" % kind, refused, timeout=WAIT)
                self.assertEqual(len(ds), 1, ds)
                d = ds[0]
                self.assertEqual(d["attempts"], 1, "a refusal is not retried: %r" % d)
                self.assertIsNone(d["response_status"])
                self.assertIsNone(d["delivered_at"])
                # localhost may also be ::1
                self.assertRegex(d["last_error"] or "", r"^refused to connect to a private "
                                 r"address \((127\.0\.0\.1|::1), loopback\)$")
        # the attempts are over (recorded as failed): anything sent would be here by now
        for kind, path in self.paths.items():
            self.assertEqual(len(self.rx.calls(path)), before[kind],
                             "a request reached the receiver through the %s url" % kind)

    def test_email_to_private_smtp_server_fails_with_the_reason(self):
        raw = ("From: Jane <jane@shop.example>\r\nTo: %s\r\nSubject: Lamp\r\n"
               "Message-ID: <%s@shop.example>\r\n\r\nWhere is my lamp?\r\n"
               % (self.address, unique("m"))).encode()
        r = self.req("POST", "/api/v1/mail/inbound?mailbox=" + self.address, token=self.admin,
                     raw=raw, headers={"Content-Type": "message/rfc822"})
        tid = self.expect(r, 201)["ticket_id"]
        out = self.expect(self.as_agent("POST", "/api/v1/tickets/%d/messages" % tid,
                                        {"body": "On its way.", "kind": "reply"}), 201)["message"]

        def failed():
            ms = self.expect(self.as_agent("GET", "/api/v1/tickets/%d/messages" % tid),
                             200)["messages"]
            m = [m for m in ms if m["id"] == out["id"]][0]
            return m if m["mail_status"] == "failed" else None
        m = wait_for("the refused email", failed, timeout=WAIT)
        self.assertEqual(m["mail_error"],
                         "smtp: refused to connect to a private address (127.0.0.1, loopback)")
        events = self.expect(self.as_agent("GET", "/api/v1/tickets/%d/events" % tid),
                             200)["events"]
        fails = [e for e in events if e["type"] == "mail.failed"]
        self.assertEqual(len(fails), 1, events)
        self.assertIn("refused to connect", fails[0]["changes"].get("error", ""))
        self.assertEqual(self.smtp.accepted, 0, "deskd connected to the SMTP server")

    def test_imap_poll_of_private_server_records_the_refusal(self):
        path = "/api/v1/mailboxes/%d" % self.mailbox_id

        def polled():
            b = self.expect(self.as_admin("GET", path), 200)["mailbox"]
            return b if "refused" in (b["poll_error"] or "") else None
        b = wait_for("a poll of the mailbox that is refused", polled, timeout=WAIT)
        self.assertRegex(b["poll_error"], r"^imap: refused to connect to a private address "
                         r"\((127\.0\.0\.1|::1), loopback\)$")
        self.assertEqual(self.imap.accepted, self.imap_before, "deskd connected to IMAP")


class NoProxyTest(E2ETestCase):
    """A proxy from the environment would carry deliveries past the address
    check (the address checked would be the proxy's): deskd uses none."""

    @classmethod
    def setUpClass(cls):
        cls.proxy = Listener()
        cls.server_env = {k: "http://127.0.0.1:%d" % cls.proxy.port for k in (
            "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")}
        try:
            super().setUpClass()
        except BaseException:
            cls.proxy.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        super().tearDownClass()

    def test_webhook_goes_direct_not_through_the_proxy(self):
        rx = test_webhooks.Receiver()
        try:
            path = "/" + unique("direct")
            self.expect(self.as_admin("POST", "/api/v1/webhooks",
                                      {"url": rx.url(path), "events": ["ticket.created"]}), 201)
            t = self.new_ticket()
            self.assertTrue(rx.wait(path, test_webhooks.about_ticket(t["id"])),
                            "the webhook did not reach the receiver directly")
            self.assertEqual(self.proxy.accepted, 0, "deskd connected to the proxy")
        finally:
            rx.close()
