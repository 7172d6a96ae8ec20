/*
 * csv.h - a streaming RFC 4180 CSV reader for `deskd import orders`.
 *
 * Feed the file in chunks of any size (a field or a record may span chunks);
 * every whole record reaches the callback with the 1-based line it starts on.
 * A record that breaks a rule reaches the callback as an error naming its line
 * and field, and reading goes on at the next record. Pure: bytes in, records
 * out; one bounded buffer per reader, no global state.
 */
#ifndef ORDERS_CSV_H
#define ORDERS_CSV_H

#include "core/error.h"
#include "util/buf.h"

#include <stddef.h>

#define CSV_FIELD_MAX  (64 * 1024)   /* bytes of one field, after unquoting */
#define CSV_FIELDS_MAX 256	     /* fields of one record */
#define CSV_RECORD_MAX (1024 * 1024) /* bytes of one record's fields together */

struct csv_record {
	long line;	     /* the 1-based line the record starts on */
	enum err_code code;  /* E_OK, or E_INVALID / E_TOO_LARGE for a broken record */
	int field;	     /* for an error, the 1-based field at fault */
	struct error err;    /* for an error, what is wrong, naming line and field */
	int n_fields;	     /* 0 for an error */
	const char **fields; /* NUL-terminated, valid UTF-8 without NUL */
	const size_t *lens;
};

/* Called once per record; a non-zero return stops the reader with that value. */
typedef int (*csv_record_fn)(void *ctx, const struct csv_record *rec);

enum csv_state {
	CSV_RECORD_START, /* between records */
	CSV_FIELD_START,  /* after a comma */
	CSV_UNQUOTED,
	CSV_QUOTED,
	CSV_QUOTED_QUOTE, /* a quote inside a quoted field: an escape or the end */
};

struct csv_reader {
	csv_record_fn fn;
	void *ctx;
	enum csv_state state;
	int bom_n;	    /* bytes of a leading BOM seen so far; -1 once past it */
	int after_cr;	    /* the last byte was a CR (so a LF is the same line end) */
	long line;	    /* the line of the next byte */
	long rec_line;	    /* the line the current record starts on */
	long quoted_open;   /* the line the current quoted field opened on */
	struct buf rec;	    /* the record's fields, each NUL-terminated */
	size_t field_start; /* offset in rec of the current field */
	int n_fields;	    /* fields finished in the current record */
	struct error err;   /* the current record's first fault, code E_OK when none */
	int err_field;
	size_t off[CSV_FIELDS_MAX];
	size_t len[CSV_FIELDS_MAX];
	const char *ptr[CSV_FIELDS_MAX];
};

/** Sets up a reader that calls fn(ctx, record) for each record. */
void csv_init(struct csv_reader *r, csv_record_fn fn, void *ctx);

/** Frees what the reader holds. */
void csv_release(struct csv_reader *r);

/** Reads `n` more bytes; returns 0, or the callback's non-zero value (then stop feeding). */
int csv_feed(struct csv_reader *r, const char *p, size_t n);

/** Ends the input: hands over a last record without a line end; returns as csv_feed. */
int csv_finish(struct csv_reader *r);

#endif
