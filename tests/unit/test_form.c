/*
 * test_form.c - http/form.c: form bodies decoded as browsers encode them, and
 * refused when they are not well formed.
 */
#include "http/form.h"
#include "unit.h"

static int parse(const char *body, struct form_field **f, int *n, struct arena *a)
{
	struct error err;

	return form_parse(body, strlen(body), f, n, a, &err);
}

static void test_decodes_fields(void)
{
	struct arena a;
	struct form_field *f;
	int n;

	arena_init(&a);
	CHECK(parse("number=%23A-1042&email=Aoi+Sato%40example.jp&lang=ja", &f, &n, &a) == E_OK);
	CHECK(n == 3);
	CHECK_STR(form_get(f, n, "number"), "#A-1042");
	CHECK_STR(form_get(f, n, "email"), "Aoi Sato@example.jp");
	CHECK_STR(form_get(f, n, "lang"), "ja");
	CHECK(form_get(f, n, "missing") == NULL);
	/* UTF-8 escapes (Korean, Turkish dotted capital I), a + that was typed (%2B) */
	CHECK(parse("name=%EA%B9%80%EC%A7%80%EB%AF%BC&city=%C4%B0zmir&p=a%2Bb", &f, &n, &a) ==
	      E_OK);
	CHECK_STR(form_get(f, n, "name"), "김지민");
	CHECK_STR(form_get(f, n, "city"), "İzmir");
	CHECK_STR(form_get(f, n, "p"), "a+b");
	/* empty pairs skipped, a bare name has the empty value, the first of two wins */
	CHECK(parse("&&a&b=&a=2&", &f, &n, &a) == E_OK);
	CHECK(n == 3);
	CHECK_STR(form_get(f, n, "a"), "");
	CHECK_STR(form_get(f, n, "b"), "");
	CHECK(f[2].value_len == 1 && f[2].value[0] == '2');
	CHECK(parse("", &f, &n, &a) == E_OK && n == 0);
	/* "=" in a value is the value's */
	CHECK(parse("q=a=b", &f, &n, &a) == E_OK);
	CHECK_STR(form_get(f, n, "q"), "a=b");
	arena_release(&a);
}

static void test_refuses_malformed(void)
{
	static const char *const bad[] = {
		"a=%",	       /* escape cut short */
		"a=%4",	       /* one digit */
		"a=%zz",       /* not hex */
		"a=%00",       /* a NUL */
		"a=%ff",       /* not UTF-8 */
		"a=%C3%28",    /* a bad continuation */
		"a=%ED%A0%80", /* a surrogate */
		"%C0%AF=1",    /* overlong, in a name */
	};
	struct arena a;
	struct form_field *f;
	struct error err;
	int n;
	char many[FORM_FIELDS_MAX * 4 + 8] = "";

	arena_init(&a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(bad[i], &f, &n, &a) == E_BAD_REQUEST);
	}
	CHECK(form_parse("a=1\0b", 5, &f, &n, &a, &err) == E_BAD_REQUEST); /* a raw NUL */
	for (int i = 0; i <= FORM_FIELDS_MAX; i++)
		strcat(many, "x=1&");
	CHECK(parse(many, &f, &n, &a) == E_BAD_REQUEST);
	many[strlen(many) - 4] = '\0'; /* exactly the most there may be */
	CHECK(parse(many, &f, &n, &a) == E_OK && n == FORM_FIELDS_MAX);
	arena_release(&a);
}

UNIT_MAIN(UNIT_TEST(test_decodes_fields), UNIT_TEST(test_refuses_malformed))
