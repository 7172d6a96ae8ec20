/*
 * fuzz_csv.c - libFuzzer target for orders/csv.c.
 *
 * Any bytes as a CSV file: read in one chunk, and again cut at a point and in
 * a chunk size taken from the input, the same records and errors come out;
 * every field is valid UTF-8 without NUL and within the limits, and lines
 * never go backwards.
 */
#include "core/text.h"
#include "fuzz.h"
#include "orders/csv.h"
#include "util/buf.h"

#include <stdint.h>
#include <string.h>

struct seen {
	struct buf out;
	long last_line;
};

static int collect(void *ctx, const struct csv_record *rec)
{
	struct seen *s = ctx;

	REQUIRE(rec->line >= s->last_line && rec->line >= 1);
	s->last_line = rec->line;
	buf_addf(&s->out, "L%ld %d %d %s\x1e", rec->line, (int)rec->code, rec->field,
		 rec->code ? rec->err.message : "");
	REQUIRE(rec->n_fields >= 0 && rec->n_fields <= CSV_FIELDS_MAX);
	REQUIRE(rec->code != E_OK || rec->n_fields >= 1);
	for (int i = 0; i < rec->n_fields; i++) {
		REQUIRE(rec->lens[i] <= CSV_FIELD_MAX);
		REQUIRE(strlen(rec->fields[i]) == rec->lens[i]);
		REQUIRE(text_utf8_valid(rec->fields[i], rec->lens[i], NULL));
		buf_add(&s->out, rec->fields[i], rec->lens[i]);
		buf_adds(&s->out, "\x1f");
	}
	return 0;
}

/* Reads data cut once at `cut`, the rest in chunks of `chunk`; returns the records. */
static char *read_csv(const uint8_t *data, size_t size, size_t cut, size_t chunk, size_t *len)
{
	struct seen s = {.last_line = 1};
	struct csv_reader r;

	buf_init(&s.out, 0);
	csv_init(&r, collect, &s);
	REQUIRE(csv_feed(&r, (const char *)data, cut) == 0);
	for (size_t i = cut; i < size; i += chunk)
		REQUIRE(csv_feed(&r, (const char *)data + i, size - i < chunk ? size - i : chunk) ==
			0);
	REQUIRE(csv_finish(&r) == 0);
	csv_release(&r);
	REQUIRE(!s.out.err);
	buf_adds(&s.out, "");
	return buf_detach(&s.out, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t la, lb, cut = 0, chunk = 1;
	char *a, *b;

	if (size) {
		cut = data[0] % (size + 1);
		chunk = 1 + (size > 1 ? data[1] % 16 : 0);
	}
	a = read_csv(data, size, size, 1, &la);
	b = read_csv(data, size, cut, chunk, &lb);
	REQUIRE(la == lb && !memcmp(a, b, la));
	free(a);
	free(b);
	return 0;
}
