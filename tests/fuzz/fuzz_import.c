/*
 * fuzz_import.c - libFuzzer target for orders/import.c.
 *
 * Any bytes as an orders CSV (the header first): every order gathered is
 * either faulted, with a line no earlier than its first row's, or a JSON
 * object that payload_order_object takes or refuses with a message; numbers
 * and external ids are valid UTF-8 and never empty, and times pass through
 * import_time only as RFC 3339 shapes.
 */
#include "core/text.h"
#include "fuzz.h"
#include "orders/import.h"
#include "orders/payload.h"

#include <stdint.h>
#include <string.h>

struct gather {
	struct import_columns cols;
	int have_header;
	struct import_order cur;
};

static void close_order(struct gather *g)
{
	struct import_order *o = &g->cur;
	struct payload p;
	struct arena a;
	struct error err;

	if (!o->line)
		return;
	import_finish(o);
	REQUIRE(json_is_object(o->doc));
	if (o->err.code != E_OK) {
		REQUIRE(o->err_line >= o->line && o->err.message[0]);
	} else {
		REQUIRE(o->number && *o->number && o->external_id && *o->external_id);
		REQUIRE(text_utf8_valid(o->number, strlen(o->number), NULL));
		REQUIRE(text_utf8_valid(o->external_id, strlen(o->external_id), NULL));
		arena_init(&a);
		if (payload_order_object(o->external_id, o->doc, &p, &a, &err) == E_OK)
			REQUIRE(p.order.number && !strcmp(p.order.number, o->number));
		else
			REQUIRE(err.message[0]);
		arena_release(&a);
	}
	import_release(o);
}

static int on_record(void *ctx, const struct csv_record *rec)
{
	struct gather *g = ctx;
	struct error err;
	char t[40];

	if (!g->have_header) {
		g->have_header = 1;
		return import_header(rec, &g->cols, &err) ? 1 : 0;
	}
	for (int i = 0; i < rec->n_fields; i++)
		if (!import_time(rec->fields[i], t))
			REQUIRE(strlen(t) >= 20 && (t[10] == 'T' || t[10] == 't'));
	if (!import_continues(&g->cur, &g->cols, rec))
		close_order(g);
	if (rec->code == E_OK || g->cur.line)
		import_add(&g->cur, &g->cols, rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gather g = {0};
	struct csv_reader r;

	csv_init(&r, on_record, &g);
	if (!csv_feed(&r, (const char *)data, size) && !csv_finish(&r))
		close_order(&g);
	csv_release(&r);
	import_release(&g.cur);
	return 0;
}
