"""download_rss.py - peak memory of the server while it serves one 25 MiB attachment
and that attachment's raw email.

    DESKD_BIN=build/deskd [DESKD_TEST_BACKEND=postgres DESKD_TEST_PGHOST=DIR] \
        python3 bench/download_rss.py

Uploads a file and ingests an email carrying it, resets the process's peak RSS
(/proc/PID/clear_refs, Linux) of a freshly restarted server, downloads each and
prints VmHWM, the peak of that download alone.
"""
import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from harness import E2ETestCase, Server  # noqa: E402

SIZE = 25 << 20


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_of(server, fn):
    pid = server.proc.pid
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")
    before = status_kb(pid, "VmRSS")
    fn()
    return before, status_kb(pid, "VmHWM")


def main():
    server = Server().start()
    try:
        E2ETestCase.bootstrap(server)
        tok = server.ids["agent"]
        data = os.urandom(SIZE)
        r = server.req("POST", "/api/v1/attachments?filename=big.bin", token=tok, raw=data,
                       headers={"Content-Type": "application/octet-stream"}, timeout=120)
        assert r.status == 201, r
        att = r.body["attachment"]["id"]
        r = server.req("POST", "/api/v1/mailboxes", {"address": "support@help.example"},
                       token=server.ids["admin"])
        assert r.status == 201, r
        small = os.urandom(18 << 20)  # base64 makes it about 24 MiB of email
        mail = (b"From: a@customer.example\r\nTo: support@help.example\r\nSubject: big\r\n"
                b"Message-ID: <big@customer.example>\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
                b"\r\n" + base64.encodebytes(small))
        r = server.req("POST", "/api/v1/mail/inbound", token=server.ids["admin"], raw=mail,
                       headers={"Content-Type": "message/rfc822"}, timeout=120)
        assert r.status == 201, r
        msg = r.body["message_id"]
        got = {}

        def get(path, key):
            resp = server.req("GET", path, token=tok, timeout=120)
            assert resp.status == 200, resp.status
            got[key] = hashlib.sha256(resp.raw).hexdigest()

        for label, path, want in (("attachment %d MiB" % (SIZE >> 20),
                                   "/api/v1/attachments/%d" % att, data),
                                  ("raw email %d MiB" % (len(mail) >> 20),
                                   "/api/v1/messages/%d/raw" % msg, mail)):
            server.restart()  # a fresh process: nothing left over from the upload
            before, peak = peak_of(server, lambda: get(path, label))
            assert got[label] == hashlib.sha256(want).hexdigest(), label
            print("%s (%s): RSS before %d MiB, peak during download %d MiB (+%d)"
                  % (label, server.backend, before >> 10, peak >> 10, (peak - before) >> 10))
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
