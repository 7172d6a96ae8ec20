"""Health check, Prometheus metrics and the OpenAPI document."""

import re
import time
import unittest

import harness
from harness import E2ETestCase, psql

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,?)')
VALUE = re.compile(r" (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$")


def parse_metrics(text):
    """Parses Prometheus text format strictly; returns (types, samples)."""
    types, samples = {}, []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) != 4:
                raise AssertionError("line %d: bad TYPE line %r" % (n, line))
            types[parts[2]] = parts[3]
            continue
        if line.startswith("#"):
            continue
        m = NAME.match(line)
        if not m:
            raise AssertionError("line %d is not a sample: %r" % (n, line))
        name, pos, labels = m.group(0), m.end(), {}
        if line[pos:pos + 1] == "{":
            pos += 1
            while line[pos:pos + 1] != "}":
                lm = LABEL.match(line, pos)
                if not lm or lm.end() == pos:
                    raise AssertionError("line %d: bad labels %r" % (n, line))
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
                if not lm.group(3) and line[pos:pos + 1] != "}":
                    raise AssertionError("line %d: bad labels %r" % (n, line))
            pos += 1
        vm = VALUE.fullmatch(line, pos)
        if not vm:
            raise AssertionError("line %d: bad value %r" % (n, line))
        samples.append((name, labels, float(vm.group(1))))
    return types, samples


class HealthTest(E2ETestCase):

    def metrics(self):
        r = self.as_admin("GET", "/metrics")
        self.expect(r, 200)
        self.assertTrue((r.headers.get("Content-Type") or "").startswith("text/plain"),
                        r.headers.get("Content-Type"))
        return parse_metrics(r.raw.decode("utf-8"))

    def test_healthz(self):
        r = self.req("GET", "/healthz")
        self.expect(r, 200)
        self.assertEqual(r.body, {"status": "ok", "db": "ok"})
        self.assertTrue((r.headers.get("Content-Type") or "").startswith("application/json"))

    def test_metrics_families(self):
        for _ in range(3):
            self.as_agent("GET", "/api/v1/tickets")
            self.as_agent("GET", "/api/v1/tickets/987654")
        self.new_ticket()
        types, samples = self.metrics()
        names = {s[0] for s in samples}

        reqs = [s for s in samples if s[0] == "deskd_http_requests_total"]
        self.assertTrue(reqs, "no deskd_http_requests_total samples")
        self.assertEqual(types.get("deskd_http_requests_total"), "counter")
        for _, labels, value in reqs:
            self.assertIn("route", labels)
            self.assertIn("status", labels)
            self.assertRegex(labels["status"], r"^[1-5][0-9][0-9]$")
            self.assertGreaterEqual(value, 0)
        statuses = {l["status"] for _, l, _ in reqs}
        self.assertTrue({"200", "201", "404"} <= statuses, statuses)
        self.assertFalse(any("987654" in l["route"] for _, l, _ in reqs),
                         "route labels must be patterns, not raw paths (unbounded cardinality)")

        self.assertEqual(types.get("deskd_http_request_duration_seconds"), "histogram")
        buckets = [s for s in samples if s[0] == "deskd_http_request_duration_seconds_bucket"]
        self.assertTrue(buckets)
        self.assertTrue(all("le" in l for _, l, _ in buckets))
        self.assertIn("+Inf", {l["le"] for _, l, _ in buckets})
        self.assertIn("deskd_http_request_duration_seconds_sum", names)
        self.assertIn("deskd_http_request_duration_seconds_count", names)

        self.assertIn("deskd_jobs_pending", names)
        self.assertTrue(any(n.startswith("deskd_db_query_seconds") for n in names), names)

    def test_histogram_is_cumulative(self):
        _, samples = self.metrics()
        series = {}
        for name, labels, value in samples:
            if name == "deskd_http_request_duration_seconds_bucket":
                key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
                le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
                series.setdefault(key, []).append((le, value))
        self.assertTrue(series)
        for key, pts in series.items():
            pts.sort()
            counts = [v for _, v in pts]
            self.assertEqual(counts, sorted(counts), "buckets of %r are not cumulative" % (key,))

    def test_counters_grow(self):
        total = lambda s: sum(v for n, _, v in s if n == "deskd_http_requests_total")
        before = total(self.metrics()[1])
        for _ in range(5):
            self.expect(self.as_agent("GET", "/api/v1/tickets"), 200)
        after = total(self.metrics()[1])
        self.assertGreaterEqual(after - before, 5)

    def test_metrics_needs_admin(self):
        self.expect_error(self.req("GET", "/metrics"), 401, "unauthorized")
        self.expect_error(self.as_agent("GET", "/metrics"), 403, "forbidden")

    def test_openapi(self):
        r = self.req("GET", "/api/v1/openapi.json")
        self.expect(r, 200)
        doc = r.body
        self.assertIsInstance(doc, dict, "openapi.json is not JSON: %r" % (r,))
        self.assertTrue(str(doc.get("openapi", "")).startswith("3.0"), doc.get("openapi"))
        self.assertIn("info", doc)
        paths = doc.get("paths", {})
        self.assertIn("/api/v1/tickets", paths)
        self.assertIn("get", paths["/api/v1/tickets"])
        self.assertIn("post", paths["/api/v1/tickets"])
        ticket_paths = [p for p in paths if re.fullmatch(r"/api/v1/tickets/\{[^}]+\}", p)]
        self.assertEqual(len(ticket_paths), 1, sorted(paths))
        self.assertTrue({"get", "patch"} <= set(paths[ticket_paths[0]]))
        self.assertTrue(any(re.fullmatch(r"/api/v1/tickets/\{[^}]+\}/messages", p) for p in paths))


class LogTest(E2ETestCase):

    def test_ready_line_and_request_log(self):
        log = self.server.stderr_tail(10 ** 7)
        self.assertIn("deskd listening on http://127.0.0.1:%d" % self.server.port, log,
                      "the spec's ready line is missing")
        self.expect(self.as_agent("GET", "/api/v1/tickets?limit=3"), 200)
        self.expect_error(self.as_agent("GET", "/api/v1/tickets/987654"), 404, "not_found")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            log = self.server.stderr_tail(10 ** 7)
            if "/api/v1/tickets/987654" in log:
                break
            time.sleep(0.1)
        lines = re.findall(r"^method=(\S+) path=(\S+) status=(\d+) us=(\d+)$", log, re.M)
        self.assertIn(("GET", "/api/v1/tickets/987654", "404"), [l[:3] for l in lines], log[-2000:])
        self.assertTrue(any(l[0] == "GET" and l[1].startswith("/api/v1/tickets") and l[2] == "200"
                            for l in lines), log[-2000:])

    def test_secrets_stay_out_of_the_log(self):
        self.req("POST", "/api/v1/auth/login", {"email": "agent@example.com",
                                                 "password": "agent-password-1"})
        self.as_agent("GET", "/api/v1/tickets")
        log = self.server.stderr_tail(10 ** 7)
        self.assertNotIn("agent-password-1", log)
        self.assertNotIn(self.agent, log)


@unittest.skipUnless(harness.BACKEND == "postgres", "needs a database that can be taken away")
class DatabaseDownTest(E2ETestCase):

    def test_healthz_503_while_the_database_is_gone(self):
        db = self.server.pgdb
        psql("ALTER DATABASE %s ALLOW_CONNECTIONS false" % db)
        try:
            psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'" % db)
            deadline = time.monotonic() + 10
            while True:
                r = self.req("GET", "/healthz")
                if r.status == 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            self.assertEqual(r.status, 503, r)
            self.assertIsInstance(r.body, dict, r)
            self.assertNotEqual(r.body.get("db"), "ok", r)
            r = self.as_agent("GET", "/api/v1/tickets")
            self.assertGreaterEqual(r.status, 500, r)
            self.assertIsInstance(r.body, dict, "errors are JSON even now: %r" % (r,))
        finally:
            psql("ALTER DATABASE %s ALLOW_CONNECTIONS true" % db)
        deadline = time.monotonic() + 15
        while True:
            r = self.req("GET", "/healthz")
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 200, "deskd did not recover: %r" % (r,))
        self.assertEqual(r.body, {"status": "ok", "db": "ok"})
        self.expect(self.as_agent("GET", "/api/v1/tickets"), 200)
        self.new_ticket()


if __name__ == "__main__":
    unittest.main()
