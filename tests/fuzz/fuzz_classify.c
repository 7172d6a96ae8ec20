/*
 * fuzz_classify.c - libFuzzer target for orders/classify.c.
 *
 * The input is the message, copied into a buffer of exactly its size so that
 * AddressSanitizer sees any read past `len`. All three functions run on it
 * twice and must agree with themselves and with each other.
 */
#include "fuzz.h"
#include "orders/classify.h"

#include <stdint.h>
#include <string.h>

static void check_number(const char *num)
{
	size_t n = strnlen(num, CLASSIFY_NUMBER_MAX), i;

	REQUIRE(n < CLASSIFY_NUMBER_MAX); /* NUL-terminated */
	REQUIRE(n >= CLASSIFY_DIGITS_MIN && n <= CLASSIFY_DIGITS_MAX);
	for (i = 0; i < n; i++)
		REQUIRE(num[i] >= '0' && num[i] <= '9');
}

static int ascii_only(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	char one[1][CLASSIFY_NUMBER_MAX], all[CLASSIFY_MAX_NUMBERS][CLASSIFY_NUMBER_MAX];
	struct classify_result r, again;
	const char *lang;
	int n, i, j;

	REQUIRE(text);
	memcpy(text, data, size);

	classify_message(text, size, &r);
	REQUIRE(r.n_numbers >= 0 && r.n_numbers <= CLASSIFY_MAX_NUMBERS);
	REQUIRE(r.lang == NULL || !strcmp(r.lang, "en") || !strcmp(r.lang, "ko") ||
		!strcmp(r.lang, "ja") || !strcmp(r.lang, "tr"));
	REQUIRE(r.score >= 0);
	REQUIRE(r.wismo == (r.score >= 1.0));
	for (i = 0; i < r.n_numbers; i++) {
		check_number(r.numbers[i]);
		for (j = 0; j < i; j++)
			REQUIRE(strcmp(r.numbers[i], r.numbers[j])); /* each once */
		/* in ASCII text the digits are written as they are returned */
		if (ascii_only(data, size))
			REQUIRE(memmem(text, size, r.numbers[i], strlen(r.numbers[i])));
	}

	/* the same answers a second time, and from the other two functions */
	classify_message(text, size, &again);
	REQUIRE(again.wismo == r.wismo && again.score == r.score && again.lang == r.lang);
	REQUIRE(again.n_numbers == r.n_numbers);
	for (i = 0; i < r.n_numbers; i++)
		REQUIRE(!strcmp(again.numbers[i], r.numbers[i]));
	lang = classify_language(text, size);
	REQUIRE(lang == r.lang);
	n = classify_order_numbers(text, size, all, CLASSIFY_MAX_NUMBERS);
	REQUIRE(n == r.n_numbers);
	for (i = 0; i < n; i++)
		REQUIRE(!strcmp(all[i], r.numbers[i]));
	n = classify_order_numbers(text, size, one, 1);
	REQUIRE(n == (r.n_numbers > 0));
	if (n)
		REQUIRE(!strcmp(one[0], r.numbers[0]));
	REQUIRE(classify_order_numbers(text, size, one, 0) == 0);

	free(text);
	return 0;
}
