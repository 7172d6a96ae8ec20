"""The web app: GET / (index.html with its security headers and the asset
hash filled in) and GET /static/<hash>/<path> (the files of web/, cached for a
year, gzip when asked), and everything else under /static is a 404.

The files are built into the binary from web/ (scripts/embed-web.sh), so the
tests read web/ to know what to expect. The hash is taken from the page at /;
while web/index.html does not exist yet (the page is a placeholder) it is
computed from web/ the way the embed script does."""

import gzip
import hashlib
import os
import re
import unittest

from harness import E2ETestCase, ROOT

WEB = ROOT / "web"
STATIC_RE = re.compile(r"/static/([0-9a-f]{8,64})/")
YEAR = "public, max-age=31536000, immutable"
TYPES = {".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
         ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
         ".ico": "image/x-icon", ".json": "application/json", ".woff2": "font/woff2",
         ".txt": "text/plain", ".md": "text/plain"}
TEXT_TYPES = (".html", ".js", ".mjs", ".css", ".json", ".txt", ".md")


def web_files():
    """The paths (relative to web/) that the embed script builds in."""
    out = []
    for dirpath, _, names in os.walk(WEB):
        for name in names:
            if not name.startswith("."):
                out.append(os.path.relpath(os.path.join(dirpath, name), WEB).replace(os.sep, "/"))
    return sorted(out, key=lambda p: ("web/" + p).encode())


def web_hash():
    """scripts/embed-web.sh: sha256 over each "web/<path>\\n" + contents, first 12 hex."""
    h = hashlib.sha256()
    for p in web_files():
        h.update(("web/%s\n" % p).encode())
        h.update((WEB / p).read_bytes())
    return h.hexdigest()[:12]


def ctype_of(path):
    return TYPES.get(os.path.splitext(path)[1].lower())


class WebTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.files = [p for p in web_files() if p != "index.html"] if WEB.is_dir() else []
        r = cls.server.req("GET", "/")
        cls.index = r
        found = STATIC_RE.findall(r.raw.decode("utf-8", "replace"))
        cls.hash = found[0] if found else (web_hash() if cls.files else None)
        cls.hash_from_page = bool(found)
        cls.hash_works = bool(cls.files) and cls.server.req(
            "GET", "/static/%s/%s" % (cls.hash, cls.files[0])).status == 200

    def need_files(self):
        if not self.files:
            self.skipTest("web/ has no files yet (it is being written); nothing to serve")
        # the binary embeds web/ as it was at build time
        stale = "the deskd binary was built from another web/ than the one on disk " \
                "(run make build/deskd again): "
        if self.hash != web_hash():
            self.fail(stale + "it serves /static/%s/, web/ hashes to %s" % (self.hash, web_hash()))
        if not self.hash_works:
            self.fail(stale + "GET /static/%s/%s is not a 200" % (self.hash, self.files[0]))

    def static(self, path, **kw):
        return self.req("GET", "/static/%s/%s" % (self.hash, path), **kw)

    def pick(self, min_size=0):
        """The largest file of web/ (a compressible one when there is one)."""
        files = sorted(self.files, key=lambda p: (os.path.splitext(p)[1] in TEXT_TYPES,
                                                  (WEB / p).stat().st_size))
        big = files[-1]
        if (WEB / big).stat().st_size < min_size:
            self.skipTest("no file in web/ of at least %d bytes" % min_size)
        return big

    # -- the page ------------------------------------------------------------

    def test_index_headers(self):
        for headers in ({}, {"Authorization": "Bearer garbage"},
                        {"Cookie": "deskd_session=forged"}):
            with self.subTest(headers=headers):
                r = self.req("GET", "/", headers=headers)
                self.expect(r, 200, "/ is public")
                self.assertEqual(r.headers.get("Content-Type"), "text/html; charset=utf-8")
                csp = r.headers.get_all("Content-Security-Policy") or []
                self.assertEqual(len(csp), 1, r.headers)
                directives = {d.split()[0]: d.split()[1:]
                              for d in csp[0].split(";") if d.strip()}
                self.assertEqual(directives.get("default-src"), ["'self'"], csp)
                self.assertEqual(directives.get("frame-ancestors"), ["'none'"], csp)
                self.assertEqual(directives.get("object-src"), ["'none'"], csp)
                self.assertNotIn("'unsafe-eval'", csp[0])
                self.assertNotIn("'unsafe-inline'", " ".join(directives.get("script-src", [])))
                self.assertEqual(r.headers.get_all("Cache-Control"), ["no-cache"])
                self.assertEqual(r.headers.get("X-Frame-Options"), "DENY")
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
                self.assertTrue(r.raw.lstrip().lower().startswith(b"<!doctype html"), r)

    def test_head_index(self):
        r = self.req("HEAD", "/")
        self.expect(r, 200)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers.get("X-Frame-Options"), "DENY")

    def test_index_is_web_index_html_with_the_hash(self):
        page = WEB / "index.html"
        if not page.is_file():
            self.skipTest("web/index.html is not written yet (see test_placeholder_page)")
        self.need_files()
        self.assertTrue(self.hash_from_page, "the page names no /static/<hash>/ asset")
        body = self.req("GET", "/").raw
        want = page.read_bytes().replace(b"{{STATIC}}", b"/static/" + self.hash.encode())
        self.assertNotIn(b"{{STATIC}}", body)
        self.assertEqual(body, want, "/ must be web/index.html with {{STATIC}} replaced")
        # every asset the page names is there
        for path in sorted(set(re.findall(r"/static/%s/([^\"'\s<>)?#]+)" % self.hash,
                                          body.decode("utf-8")))):
            with self.subTest(asset=path):
                r = self.static(path)
                self.expect(r, 200)
                self.assertEqual(r.raw, (WEB / path).read_bytes())

    def test_placeholder_page(self):
        if (WEB / "index.html").is_file():
            self.skipTest("web/index.html exists (see test_index_is_web_index_html_with_the_hash)")
        r = self.req("GET", "/")
        self.expect(r, 200)
        self.assertIn(b"<title>deskd</title>", r.raw)
        self.assertLess(len(r.raw), 2000, "a small placeholder page")

    # -- the files -----------------------------------------------------------

    def test_every_file_is_served_with_a_year_of_caching(self):
        self.need_files()
        for path in self.files:
            with self.subTest(path=path):
                r = self.static(path)
                self.expect(r, 200)
                self.assertEqual(r.raw, (WEB / path).read_bytes())
                self.assertIsNone(r.headers.get("Content-Encoding"))
                self.assertEqual(r.headers.get_all("Cache-Control"), [YEAR])
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
                ctype = r.headers.get("Content-Type") or ""
                want = ctype_of(path)
                if want and want != "text/plain":
                    self.assertEqual(ctype.split(";")[0].strip(), want, path)
                else:
                    self.assertTrue(ctype, "a Content-Type is sent")
                if os.path.splitext(path)[1] in (".js", ".mjs", ".css", ".html", ".json"):
                    self.assertIn("charset=utf-8", ctype.replace(" ", "").lower())

    def test_text_files_are_served_as_text(self):
        """A .txt (the vendored licences) must open in the browser, not download."""
        self.need_files()
        texts = [p for p in self.files if os.path.splitext(p)[1].lower() in (".txt", ".md")]
        if not texts:
            self.skipTest("no .txt or .md file in web/")
        for path in texts:
            with self.subTest(path=path):
                r = self.static(path)
                self.expect(r, 200)
                self.assertEqual((r.headers.get("Content-Type") or "").split(";")[0], "text/plain")

    def test_gzip_when_asked(self):
        self.need_files()
        path = self.pick(min_size=2048)
        raw = (WEB / path).read_bytes()
        for ae in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1"):
            with self.subTest(accept_encoding=ae):
                r = self.static(path, headers={"Accept-Encoding": ae})
                self.expect(r, 200)
                self.assertEqual(r.headers.get("Content-Encoding"), "gzip", r.headers)
                self.assertLess(len(r.raw), len(raw), "the gzip copy is smaller")
                self.assertEqual(gzip.decompress(r.raw), raw, "gunzipped it is the file")
                self.assertEqual(r.headers.get_all("Cache-Control"), [YEAR])
                self.assertIn("accept-encoding", (r.headers.get("Vary") or "").lower())
                self.assertEqual(r.headers.get("Content-Type"),
                                 self.static(path).headers.get("Content-Type"))
        for ae in (None, "identity", "br", "deflate"):
            with self.subTest(accept_encoding=ae):
                r = self.static(path, headers={"Accept-Encoding": ae} if ae else None)
                self.expect(r, 200)
                self.assertIsNone(r.headers.get("Content-Encoding"))
                self.assertEqual(r.raw, raw)

    def test_every_file_gzipped_is_the_file(self):
        self.need_files()
        for path in self.files:
            with self.subTest(path=path):
                r = self.static(path, headers={"Accept-Encoding": "gzip"})
                self.expect(r, 200)
                body = r.raw
                if r.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                else:
                    self.assertIsNone(r.headers.get("Content-Encoding"))
                self.assertEqual(body, (WEB / path).read_bytes())

    def test_head_static(self):
        self.need_files()
        path = self.files[0]
        r = self.req("HEAD", "/static/%s/%s" % (self.hash, path))
        self.expect(r, 200)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers.get_all("Cache-Control"), [YEAR])

    def test_static_is_public(self):
        self.need_files()
        path = self.files[0]
        for headers in ({"Authorization": "Bearer garbage"}, {"Cookie": "deskd_session=x"}):
            with self.subTest(headers=headers):
                self.expect(self.static(path, headers=headers), 200)

    def test_not_found(self):
        self.need_files()
        h = self.hash
        path = self.pick()
        d, name = os.path.split(path)
        bad = ["/static/%s/%s" % ("0" * len(h), path), "/static/%s/%s" % (h.upper(), path),
               "/static/%s/%s" % (h[:-1], path), "/static/%sa/%s" % (h, path),
               "/static/%s" % path, "/static/%s" % h, "/static/%s/" % h, "/static/",
               "/static", "/static/%s/no-such-file.js" % h, "/static/%s/%s.map" % (h, path),
               "/static/%s/index.html" % h, "/static/%s/./%s" % (h, path),
               "/static/%s//%s" % (h, path), "/static/%s/%s/" % (h, path),
               "/static/%s/../%s/%s" % (h, h, path), "/static/%s/%s/../%s" % (h, d or ".", path),
               "/static/%s/%%2e%%2e/%s/%s" % (h, h, path),
               "/static/%s/%%2e%%2e%%2f%s" % (h, path), "/static/%s/..%%2f..%%2fetc/passwd" % h,
               "/static/%s/../../../../etc/passwd" % h, "/static/%s/%%2fetc%%2fpasswd" % h,
               "/static/%s/%s%%00" % (h, path), "/static/%s/%s%%00.png" % (h, path),
               "/static/%s/%%00%s" % (h, path), "/static/%s/%s%%20" % (h, path),
               "/static/%s/%s" % (h, path.upper()), "/static/%s/%s" % (h, "x" * 5000),
               "/static/../api/v1/openapi.json", "/static/%s/../../api/v1/openapi.json" % h,
               "/static/%s/%%ff%%fe" % h, "/static/%s/\\%s" % (h, path)]
        if d:
            bad.append("/static/%s/%s" % (h, name))  # a file is found by its whole path
        for url in bad:
            with self.subTest(url=url[:120]):
                r = self.req("GET", url)
                self.assertEqual(r.status, 404, r)
                self.expect_error(r, 404, "not_found")
                self.assertNotEqual(r.raw, (WEB / path).read_bytes())
        self.expect(self.req("GET", "/healthz"), 200)

    def test_index_html_is_not_a_static_file(self):
        self.need_files()
        for url in ("/static/%s/index.html" % self.hash, "/static/%s/./index.html" % self.hash):
            with self.subTest(url=url):
                self.expect_error(self.req("GET", url), 404, "not_found")

    def test_static_refuses_writes(self):
        self.need_files()
        url = "/static/%s/%s" % (self.hash, self.files[0])
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                r = self.req(method, url, {} if method in ("POST", "PUT", "PATCH") else None)
                self.expect_error(r, 405, "method_not_allowed")
        self.expect_error(self.req("POST", "/", {}), 405, "method_not_allowed")


if __name__ == "__main__":
    unittest.main()
