/*
 * unit.h - a minimal unit-test harness.
 *
 * Each test file defines `static void test_xxx(void)` functions and lists them
 * in a UNIT_MAIN table. CHECK records a failure and continues; the program
 * prints one line per failure, then "unit: N passed, N failed" and exits
 * non-zero when anything failed.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures_in_test;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			unit_failures_in_test++;                               \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (!g_ || strcmp(g_, w_) != 0) {                              \
			fprintf(stderr, "%s:%d: got '%s', want '%s'\n",        \
				__FILE__, __LINE__, g_ ? g_ : "(null)", w_);   \
			unit_failures_in_test++;                               \
		}                                                              \
	} while (0)

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#define UNIT_TEST(f) { #f, f }

#define UNIT_MAIN(...)                                                         \
	int main(void)                                                         \
	{                                                                      \
		static const struct unit_test tests[] = { __VA_ARGS__ };       \
		int passed = 0, failed = 0;                                    \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) { \
			unit_failures_in_test = 0;                             \
			tests[i].fn();                                         \
			if (unit_failures_in_test) {                           \
				printf("FAIL %s\n", tests[i].name);            \
				failed++;                                      \
			} else {                                               \
				passed++;                                      \
			}                                                      \
		}                                                              \
		printf("unit: %d passed, %d failed\n", passed, failed);        \
		return failed ? 1 : 0;                                         \
	}

#endif
