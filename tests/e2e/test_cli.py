"""The CLI the operator (and this harness) uses: user add, token create."""

import subprocess
import unittest

from harness import BIN, E2ETestCase, ServerError, Session, unique


class CliTest(E2ETestCase):

    def run_cli(self, args, stdin=None):
        return subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True,
                              timeout=60)

    def test_user_add_while_serving(self):
        email = unique("cli") + "@example.com"
        self.server.add_user(email, "Çağla Şahin", "agent", "cli-password-1")
        s = Session(self.server, email, "cli-password-1")
        self.assertEqual(s.login.body["user"]["name"], "Çağla Şahin")
        self.assertEqual(s.login.body["user"]["role"], "agent")

    def test_token_create_prints_only_the_token(self):
        out = self.run_cli(["token", "create"] + self.server.common_args()
                           + ["--user", "agent@example.com", "--name", "cli label"])
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(len(lines), 1, out.stdout)
        token = lines[0]
        self.assertTrue(token.startswith("dsk_"), token)
        r = self.req("GET", "/api/v1/auth/me", token=token)
        self.expect(r, 200)
        self.assertEqual(r.body["user"]["email"], "agent@example.com")
        names = [t["name"] for t in self.as_admin("GET", "/api/v1/tokens").body["tokens"]]
        self.assertIn("cli label", names)

    def test_failures_exit_non_zero(self):
        base = self.server.common_args()
        cases = [
            (["user", "add"] + base + ["--email", "agent@example.com", "--name", "Dup",
                                       "--role", "agent", "--password-stdin"], "dup-password-1\n"),
            (["user", "add"] + base + ["--email", unique("r") + "@example.com", "--name", "R",
                                       "--role", "owner", "--password-stdin"], "password-123\n"),
            (["user", "add"] + base + ["--email", unique("p") + "@example.com", "--name", "P",
                                       "--role", "agent", "--password-stdin"], "short\n"),
            (["token", "create"] + base + ["--user", "nobody@example.com"], None),
            (["no-such-command"], None),
        ]
        for args, stdin in cases:
            with self.subTest(args=" ".join(args[:2] + args[-4:])):
                out = self.run_cli(args, stdin)
                self.assertNotEqual(out.returncode, 0, out)
                self.assertTrue(out.stderr.strip(), "a failure must say why")
                self.assertNotIn("dsk_", out.stdout)
        with self.assertRaises(ServerError):
            self.server.create_token("ghost@example.com")


if __name__ == "__main__":
    unittest.main()
