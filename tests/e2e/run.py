#!/usr/bin/env python3
"""run.py - runs the end-to-end suite against the real deskd binary.

    DESKD_TEST_BACKEND=sqlite python3 tests/e2e/run.py [PATTERN ...]

Each PATTERN keeps only the tests whose dotted name (test_tickets.TicketListTest.
test_sort) contains it, or matches it as a shell pattern (-k style). The last
line printed is `e2e-<backend>: N passed, N failed`; the exit status is 1 when
anything failed or errored.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import harness  # noqa: E402  (after the path is set)


class CountingResult(unittest.TextTestResult):
    """Remembers which tests passed, so a failing class fixture counts too."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test)


def test_name(test):
    case = getattr(test, "test_case", None)  # a subtest: name its test
    return (case or test).id() if hasattr(case or test, "id") else str(test)


def main(argv):
    patterns = [a for a in argv if not a.startswith("-")]
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = [p if any(c in p for c in "*?[") else "*%s*" % p
                                   for p in patterns]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                     resultclass=CountingResult)
    result = runner.run(suite)

    # A test with failing subtests counts once; a failing class fixture counts once.
    failing = []
    for test, _ in result.failures + result.errors:
        name = test_name(test)
        if name not in failing:
            failing.append(name)
    failing += [test_name(t) for t in result.unexpectedSuccesses]
    failed = len(failing)
    passed = len(result.passed) + len(result.expectedFailures)
    if failing:
        print("failing:")
        for name in failing:
            print("  " + name)
    if result.skipped:
        print("skipped: %d" % len(result.skipped))
        for test, why in result.skipped:
            print("  %s: %s" % (test.id(), why))
    print("e2e-%s: %d passed, %d failed" % (harness.BACKEND, passed, failed))
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
