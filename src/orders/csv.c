/*
 * csv.c - the streaming CSV reader (csv.h).
 *
 * One byte at a time through a small state machine, so a chunk may end
 * anywhere. Line ends are LF, CRLF or a lone CR, counted inside quotes too so
 * that line numbers match an editor's. A broken record keeps its first fault
 * and reads on by the same rules (a stray quote is taken as text) to its end,
 * so the next record starts where it would have without the fault.
 */
#include "orders/csv.h"

#include "core/text.h"

#include <stdio.h>
#include <string.h>

void csv_init(struct csv_reader *r, csv_record_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->fn = fn;
	r->ctx = ctx;
	r->state = CSV_RECORD_START;
	r->line = 1;
	buf_init(&r->rec, CSV_RECORD_MAX + 16);
}

void csv_release(struct csv_reader *r)
{
	buf_release(&r->rec);
}

/* Keeps the record's first fault, naming the field being read. */
static void fault(struct csv_reader *r, enum err_code code, const char *what)
{
	if (r->err.code != E_OK)
		return;
	r->err_field = r->n_fields + 1;
	error_set(&r->err, code, "line %ld, field %d: %s", r->rec_line, r->err_field, what);
}

static void add(struct csv_reader *r, char c)
{
	if (r->err.code != E_OK)
		return;
	if (c == '\0')
		fault(r, E_INVALID, "a NUL byte");
	else if (r->rec.len - r->field_start >= CSV_FIELD_MAX)
		fault(r, E_TOO_LARGE, "the field is longer than 64 KiB");
	else if (r->rec.len + 1 >= CSV_RECORD_MAX)
		fault(r, E_TOO_LARGE, "the record is longer than 1 MiB");
	else
		buf_add(&r->rec, &c, 1);
}

static void end_field(struct csv_reader *r)
{
	size_t n = r->rec.len - r->field_start;

	if (r->err.code != E_OK)
		return;
	if (r->n_fields == CSV_FIELDS_MAX) {
		fault(r, E_TOO_LARGE, "more than 256 fields");
		return;
	}
	/* an empty field of the first record: rec.p is still NULL, and NULL + 0 is undefined */
	if (n && !text_utf8_valid(r->rec.p + r->field_start, n, NULL)) {
		fault(r, E_INVALID, "invalid UTF-8");
		return;
	}
	if (r->rec.len + 1 > CSV_RECORD_MAX) {
		fault(r, E_TOO_LARGE, "the record is longer than 1 MiB");
		return;
	}
	buf_add(&r->rec, "", 1);
	r->off[r->n_fields] = r->field_start;
	r->len[r->n_fields] = n;
	r->n_fields++;
	r->field_start = r->rec.len;
}

static int end_record(struct csv_reader *r)
{
	struct csv_record rec = {.line = r->rec_line, .code = r->err.code};

	end_field(r);
	rec.code = r->err.code;
	if (rec.code != E_OK) {
		rec.field = r->err_field;
		rec.err = r->err;
	} else {
		for (int i = 0; i < r->n_fields; i++)
			r->ptr[i] = r->rec.p + r->off[i];
		rec.n_fields = r->n_fields;
		rec.fields = r->ptr;
		rec.lens = r->len;
	}
	r->state = CSV_RECORD_START;
	return r->fn(r->ctx, &rec);
}

static void begin_record(struct csv_reader *r)
{
	r->rec.len = 0;
	r->field_start = 0;
	r->n_fields = 0;
	r->err.code = E_OK;
	r->err_field = 0;
	r->rec_line = r->line;
	r->state = CSV_FIELD_START;
}

/* Reads one byte of the line r->line. */
static int step(struct csv_reader *r, char c)
{
	int eol = c == '\r' || c == '\n';

	switch (r->state) {
	case CSV_RECORD_START:
		if (eol)
			return 0; /* a blank line, or the LF of a CRLF */
		begin_record(r);
		/* fall through */
	case CSV_FIELD_START:
		if (c == '"') {
			r->quoted_open = r->line;
			r->state = CSV_QUOTED;
			return 0;
		}
		r->state = CSV_UNQUOTED;
		/* fall through */
	case CSV_UNQUOTED:
		if (eol)
			return end_record(r);
		if (c == ',') {
			end_field(r);
			r->state = CSV_FIELD_START;
		} else if (c == '"') {
			fault(r, E_INVALID, "a quote inside an unquoted field");
		} else {
			add(r, c);
		}
		return 0;
	case CSV_QUOTED:
		if (c == '"')
			r->state = CSV_QUOTED_QUOTE;
		else
			add(r, c);
		return 0;
	case CSV_QUOTED_QUOTE:
		if (c == '"') {
			add(r, c);
			r->state = CSV_QUOTED;
			return 0;
		}
		if (eol)
			return end_record(r);
		if (c == ',') {
			end_field(r);
			r->state = CSV_FIELD_START;
		} else {
			fault(r, E_INVALID, "text after the closing quote");
			r->state = CSV_UNQUOTED;
		}
		return 0;
	}
	return 0;
}

/* Reads one byte and counts the line end it makes. */
static int step_line(struct csv_reader *r, char c)
{
	int rc;

	if (c == '\n' && r->after_cr && r->state == CSV_RECORD_START) {
		r->after_cr = 0;
		return 0; /* the LF of a CRLF that ended a record or a blank line */
	}
	rc = step(r, c);
	if (c == '\r' || (c == '\n' && !r->after_cr))
		r->line++;
	r->after_cr = c == '\r';
	return rc;
}

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

/* Gives the bytes of a BOM that turned out not to be one to the reader. */
static int replay_bom(struct csv_reader *r)
{
	int held = r->bom_n, rc = 0;

	r->bom_n = -1;
	for (int j = 0; j < held && !rc; j++)
		rc = step_line(r, (char)bom[j]);
	return rc;
}

int csv_feed(struct csv_reader *r, const char *p, size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (r->bom_n >= 0) {
			if ((unsigned char)p[i] == bom[r->bom_n]) {
				if (++r->bom_n == 3)
					r->bom_n = -1;
				continue;
			}
			if ((rc = replay_bom(r)))
				return rc;
		}
		if ((rc = step_line(r, p[i])))
			return rc;
	}
	return 0;
}

int csv_finish(struct csv_reader *r)
{
	int rc;

	if (r->bom_n >= 0 && (rc = replay_bom(r)))
		return rc;
	switch (r->state) {
	case CSV_RECORD_START:
		return 0;
	case CSV_QUOTED: {
		char what[80];

		snprintf(what, sizeof(what), "the quote opened on line %ld is not closed",
			 r->quoted_open);
		fault(r, E_INVALID, what);
		break;
	}
	default:
		break;
	}
	return end_record(r);
}
