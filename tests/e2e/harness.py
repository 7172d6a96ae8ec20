"""harness.py - start the real deskd binary and talk to it as a client would.

A `Server` owns one deskd process, its fresh data folder and its database
(SQLite in the data folder, or a fresh PostgreSQL database when
DESKD_TEST_BACKEND=postgres).  `E2ETestCase` gives each test class one server
with an admin and an agent already bootstrapped through the CLI.

Environment:
  DESKD_BIN            the binary (default: build/deskd under the repo root)
  DESKD_TEST_BACKEND   sqlite (default) or postgres
  DESKD_TEST_PGHOST    postgres only: Unix socket directory of a throwaway
                       cluster whose superuser `postgres` logs in by trust
  DESKD_TEST_KEEP      when set, data folders are kept (their path is printed)
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = os.path.abspath(os.environ.get("DESKD_BIN") or str(ROOT / "build" / "deskd"))
BACKEND = os.environ.get("DESKD_TEST_BACKEND", "sqlite")
PGHOST = os.environ.get("DESKD_TEST_PGHOST", "")
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
AGENT_EMAIL = "agent@example.com"
AGENT_PASSWORD = "agent-password-1"

if BACKEND not in ("sqlite", "postgres"):
    raise SystemExit("DESKD_TEST_BACKEND must be sqlite or postgres, not %r" % BACKEND)


def unique(prefix="t"):
    """A short string no other test uses (letters and digits only)."""
    return "%s%s" % (prefix, uuid.uuid4().hex[:12])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql, db="postgres"):
    """Runs one statement as the cluster's superuser; raises on failure."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", PGHOST, "-U", "postgres",
         "-d", db, "-c", sql],
        capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql %r failed: %s" % (sql, out.stderr.strip()))
    return out.stdout


class ServerError(AssertionError):
    pass


class Response(tuple):
    """(status, headers, body) with names too: r.status, r.headers, r.body.

    body is the parsed JSON for a JSON answer, else the raw bytes (b"" for a
    text/event-stream, which is not read: it never ends).  headers is an
    http.client.HTTPMessage (case-insensitive get, get_all for repeats).
    """

    def __new__(cls, status, headers, body, raw):
        self = super().__new__(cls, (status, headers, body))
        self.raw = raw
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def __repr__(self):
        text = self.raw[:600].decode("utf-8", "replace")
        return "<%d %s>" % (self.status, text)


class Server:
    """One deskd process on a free port with its own data and database, or
    with the database of another Server (beside=it: a second node on the same
    PostgreSQL; it leaves the database to that one to drop).

    allow_private: start deskd with --allow-private-targets (the default: the
    tests' receivers and mail servers listen on 127.0.0.1). It may be changed
    between restarts; `env` adds variables to deskd's environment, and
    DESKD_ALLOW_PRIVATE_TARGETS is taken from there only.
    """

    def __init__(self, backend=None, allow_private=True, env=None, beside=None):
        self.backend = backend or BACKEND
        self.allow_private = allow_private
        self.env = dict(env or {})
        self.data = tempfile.mkdtemp(prefix="deskd-e2e-")
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(self.data, "stderr.log")
        self._stderr = None
        self.pgdb = None
        if beside:
            if beside.backend != "postgres":
                raise ServerError("only PostgreSQL is shared by several servers")
            self.backend, self.db = beside.backend, beside.db
        elif self.backend == "postgres":
            if not PGHOST:
                raise ServerError("DESKD_TEST_PGHOST must name the cluster's socket directory")
            self.pgdb = "deskd_" + uuid.uuid4().hex[:16]
            psql("CREATE DATABASE %s" % self.pgdb)
            self.db = "postgresql:///%s?host=%s&user=postgres" % (self.pgdb, PGHOST)
        else:
            self.db = "sqlite:%s" % os.path.join(self.data, "deskd.db")

    # -- process ----------------------------------------------------------

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def common_args(self):
        return ["--data", self.data, "--db", self.db]

    def start(self):
        if not os.access(BIN, os.X_OK):
            raise ServerError("no deskd binary at %s (build it, or set DESKD_BIN)" % BIN)
        for attempt in range(3):
            self.port = free_port()
            self._stderr = open(self.stderr_path, "ab")
            self._stderr.write(b"--- start on port %d ---\n" % self.port)
            self._stderr.flush()
            env = dict(os.environ)
            env.pop("DESKD_ALLOW_PRIVATE_TARGETS", None)
            env.update(self.env)
            self.proc = subprocess.Popen(
                [BIN, "serve"] + self.common_args() + ["--listen", "127.0.0.1:%d" % self.port]
                + (["--allow-private-targets"] if self.allow_private else []),
                stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr, env=env)
            if self._wait_healthy():
                return self
            if "in use" in self.stderr_tail() and attempt < 2:
                continue  # another process took the port between probe and bind
            break
        self._reap()
        raise ServerError("deskd did not become healthy within %.0fs on port %d; stderr:\n%s"
                          % (START_TIMEOUT, self.port, self.stderr_tail()))

    def _wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return True
                conn.close()
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _reap(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._stderr:
            self._stderr.close()
            self._stderr = None

    def stderr_tail(self, n=8000):
        """The end of the server's stderr; a sanitizer report is shown from its start."""
        try:
            with open(self.stderr_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        for marker in (b"==ERROR: ", b"runtime error: ", b"==WARNING: "):
            at = data.rfind(marker)
            if at >= 0 and len(data) - at > n:
                return data[at:at + max(n, 12000)].decode("utf-8", "replace")
        return data[-n:].decode("utf-8", "replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self, what):
        """Raises ServerError naming the request when deskd has died."""
        if self.proc is not None:
            try:
                self.proc.wait(0.5)
            except subprocess.TimeoutExpired:
                return
            rc = self.proc.returncode
            self.proc = None
            if self._stderr:
                self._stderr.close()
                self._stderr = None
            raise ServerError("deskd died (exit %s) on %s; stderr:\n%s"
                              % (rc, what, self.stderr_tail(6000)))

    def stop(self):
        """SIGTERM; the server must exit 0 within STOP_TIMEOUT."""
        if not self.proc:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            stacks = thread_backtraces(proc.pid)
            proc.kill()
            proc.wait()
            self._stderr.close()
            raise ServerError("deskd did not exit within %.0fs of SIGTERM; stderr:\n%s\n"
                              "its threads then:\n%s"
                              % (STOP_TIMEOUT, self.stderr_tail(), stacks))
        self._stderr.close()
        self._stderr = None
        if rc != 0:
            raise ServerError("deskd exited with %d after SIGTERM (want 0); stderr:\n%s"
                              % (rc, self.stderr_tail()))

    def kill(self):
        """kill -9, as a power cut would."""
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self._stderr.close()
            self._stderr = None

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self._reap()
        if self.pgdb:
            try:
                psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pgdb)
            except Exception:
                pass
        if os.environ.get("DESKD_TEST_KEEP"):
            print("kept deskd data in %s" % self.data)
        else:
            shutil.rmtree(self.data, ignore_errors=True)

    # -- CLI --------------------------------------------------------------

    def cli(self, args, stdin=None):
        out = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0:
            raise ServerError("deskd %s exited %d: %s" % (" ".join(args), out.returncode,
                                                         out.stderr.strip()))
        return out.stdout

    def add_user(self, email, name, role, password):
        self.cli(["user", "add"] + self.common_args()
                 + ["--email", email, "--name", name, "--role", role, "--password-stdin"],
                 stdin=password + "\n")

    def create_token(self, email, name=None):
        args = ["token", "create"] + self.common_args() + ["--user", email]
        if name:
            args += ["--name", name]
        token = self.cli(args).strip()
        if not token or "\n" in token:
            raise ServerError("token create printed %r, want one token" % token)
        return token

    # -- HTTP -------------------------------------------------------------

    def req(self, method, path, body=None, token=None, headers=None, raw=None,
            cookie=None, timeout=30):
        """One request on a fresh connection.

        body is sent as JSON; raw is sent as the exact bytes (with
        Content-Type application/json unless headers say otherwise).
        """
        h = {}
        if body is not None:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if raw is not None:
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        for k, v in (headers or {}).items():
            for existing in list(h):
                if existing.lower() == k.lower():
                    del h[existing]
            if v is not None:
                h[k] = v
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in h.items():
                conn.putheader(k, v)
            if raw is not None:
                conn.putheader("Content-Length", str(len(raw)))
            try:
                conn.endheaders(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early (413) and stopped reading
            resp = conn.getresponse()
            if (resp.getheader("Content-Type") or "").startswith("text/event-stream"):
                data = b""  # a stream never ends: its answer is the status and headers
            else:
                data = resp.read()
        except (ConnectionError, http.client.HTTPException) as e:
            self.check_alive("%s %s" % (method, path[:200]))
            raise
        finally:
            conn.close()
        parsed = data
        if "json" in (resp.getheader("Content-Type") or "") and data:
            try:
                parsed = json.loads(data.decode("utf-8"))
            except ValueError:
                parsed = data
        return Response(resp.status, resp.headers, parsed, data)

    def raw_request(self, head, body_chunks=(), timeout=20):
        """Sends bytes on a raw socket while reading, so an early answer (413
        before the body is all sent) is not lost.  Returns (status or None,
        the answer's bytes)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        got = bytearray()

        def reader():
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    got.extend(chunk)
            except OSError:
                return

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server may stop reading once it has answered
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        t.join(timeout)
        sock.close()
        data = bytes(got)
        status = None
        if data.startswith(b"HTTP/1."):
            try:
                status = int(data.split(b" ", 2)[1])
            except (IndexError, ValueError):
                pass
        return status, data


class Session:
    """A browser-like cookie session from POST /api/v1/auth/login."""

    def __init__(self, server, email, password, headers=None):
        self.server = server
        self.login = server.req("POST", "/api/v1/auth/login",
                                {"email": email, "password": password}, headers=headers)
        if self.login.status != 200:
            raise ServerError("login as %s: %r" % (email, self.login))
        self.set_cookie = self.login.headers.get("Set-Cookie") or ""
        self.cookie = self.set_cookie.split(";", 1)[0].strip()
        self.csrf = self.login.body.get("csrf_token")

    def req(self, method, path, body=None, csrf=True, headers=None, **kw):
        h = dict(headers or {})
        if csrf and self.csrf:
            h.setdefault("X-CSRF-Token", self.csrf)
        return self.server.req(method, path, body, cookie=self.cookie, headers=h, **kw)


def thread_backtraces(pid):
    """Every thread's stack of a running process (gdb, from scripts/deps.sh), so
    that a server that hangs says where."""
    try:
        out = subprocess.run(["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt"],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "(no backtraces: %s)" % e
    return "\n".join(line for line in out.stdout.splitlines() if line.startswith(("#", "Thread")))


class E2ETestCase(unittest.TestCase):
    """One server per class, with admin@example.com and agent@example.com."""

    maxDiff = 4000
    server = None

    # False: this class's server refuses private targets, as deskd does by default
    allow_private = True
    server_env = {}  # added to the server's environment

    @classmethod
    def setUpClass(cls):
        cls.server = Server(allow_private=cls.allow_private, env=cls.server_env)
        try:
            cls.server.start()
            cls.bootstrap(cls.server)
        except BaseException:
            cls.server.cleanup()
            raise
        for k, v in cls.server.ids.items():
            setattr(cls, k, v)

    def setUp(self):
        # A crash fails the test that caused it; the tests after it get a
        # server again (same data) instead of failing for the same reason.
        if not self.server.alive():
            self.server._reap()
            self.server.proc = None
            self.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()

    @staticmethod
    def bootstrap(server):
        """Adds the admin and the agent and gives each a bearer token."""
        server.add_user(ADMIN_EMAIL, "Ada Admin", "admin", ADMIN_PASSWORD)
        server.add_user(AGENT_EMAIL, "김지민 Agent", "agent", AGENT_PASSWORD)
        admin = server.create_token(ADMIN_EMAIL, "e2e-admin")
        agent = server.create_token(AGENT_EMAIL, "e2e-agent")
        me_admin = server.req("GET", "/api/v1/auth/me", token=admin)
        me_agent = server.req("GET", "/api/v1/auth/me", token=agent)
        if me_admin.status != 200 or me_agent.status != 200:
            raise ServerError("bootstrap tokens do not work: %r %r" % (me_admin, me_agent))
        server.ids = {
            "admin": admin, "agent": agent,
            "admin_id": me_admin.body["user"]["id"], "agent_id": me_agent.body["user"]["id"],
        }

    # -- shortcuts ----------------------------------------------------------

    def req(self, method, path, body=None, token=None, **kw):
        return self.server.req(method, path, body, token=token, **kw)

    def as_agent(self, method, path, body=None, **kw):
        return self.server.req(method, path, body, token=self.agent, **kw)

    def as_admin(self, method, path, body=None, **kw):
        return self.server.req(method, path, body, token=self.admin, **kw)

    def expect(self, r, status, msg=None):
        """Asserts the status, showing the whole answer when it differs."""
        self.assertEqual(r.status, status, "%s%r" % (msg + ": " if msg else "", r))
        return r.body

    def expect_error(self, r, status, code, msg=None):
        self.expect(r, status, msg)
        self.assertIsInstance(r.body, dict, "error body is not JSON: %r" % (r,))
        self.assertIn("error", r.body, r)
        err = r.body["error"]
        self.assertEqual(err.get("code"), code, r)
        self.assertIsInstance(err.get("message"), str, r)
        self.assertTrue(err["message"], r)
        return err

    def new_ticket(self, token=None, expect=201, **fields):
        body = {
            # a question deskd has no rule for (not "where is my order?", which it tags)
            "subject": fields.pop("subject", "A question about the brass lamp " + unique()),
            "body": fields.pop("body", "Does the brass lamp come with a bulb?"),
            "customer": fields.pop("customer", {"email": unique("c") + "@shop.example",
                                                "name": "Jane Doe"}),
        }
        body.update(fields)
        r = self.req("POST", "/api/v1/tickets", body, token=token or self.agent)
        self.expect(r, expect, "create ticket")
        return r.body["ticket"] if expect == 201 else r

    def list_all(self, query="", token=None, limit=100):
        """Walks every page of GET /api/v1/tickets; returns the tickets in order."""
        out, cursor, pages = [], None, 0
        while True:
            q = "limit=%d" % limit + ("&" + query if query else "")
            if cursor is not None:
                q += "&cursor=" + urlquote(cursor)
            r = self.req("GET", "/api/v1/tickets?" + q, token=token or self.agent)
            self.expect(r, 200, "list tickets " + q)
            out += r.body["tickets"]
            cursor = r.body.get("next_cursor")
            pages += 1
            self.assertLess(pages, 10000, "pagination does not end")
            if cursor is None:
                return out


def urlquote(s):
    from urllib.parse import quote
    return quote(str(s), safe="")


def parse_time(s):
    """Parses the spec's `YYYY-MM-DDTHH:MM:SSZ` into unix seconds; raises otherwise."""
    import calendar
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def fmt_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
