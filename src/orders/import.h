/*
 * import.h - the rows of an orders CSV (`deskd import orders`) made into
 * deskd's own order documents, which orders/payload.h then checks by the same
 * rules as PUT /api/v1/stores/{slug}/orders/{external_id}. Pure: CSV records
 * in (orders/csv.h), JSON documents out; no SQL.
 *
 * The header names the columns, in any order and case: deskd's own names
 * (external_id, number, email, ...) or the names of Shopify's order export
 * (Id, Name, Email, Lineitem name, ...). Columns deskd does not know are
 * ignored. One order may take several consecutive rows, one per item or
 * shipment, as platforms export them: a row whose order number and external
 * id are the order's own, or empty, adds its item and shipment to it.
 */
#ifndef ORDERS_IMPORT_H
#define ORDERS_IMPORT_H

#include "core/error.h"
#include "orders/csv.h"

#include <jansson.h>

enum import_field {
	IMPORT_EXTERNAL_ID,
	IMPORT_NUMBER,
	IMPORT_EMAIL,
	IMPORT_PHONE,
	IMPORT_CUSTOMER_ID,
	IMPORT_CUSTOMER_NAME,
	IMPORT_CURRENCY,
	IMPORT_TOTAL,
	IMPORT_REFUNDED,
	IMPORT_PLACED_AT,
	IMPORT_UPDATED_AT,
	IMPORT_CANCELLED_AT,
	IMPORT_FINANCIAL_STATUS,
	IMPORT_FULFILLMENT_STATUS,
	IMPORT_ITEM_SKU,
	IMPORT_ITEM_NAME,
	IMPORT_ITEM_VARIANT,
	IMPORT_ITEM_QUANTITY,
	IMPORT_ITEM_PRICE,
	IMPORT_SHIPMENT_ID,
	IMPORT_CARRIER,
	IMPORT_TRACKING_NUMBER,
	IMPORT_TRACKING_URL,
	IMPORT_SHIPMENT_STATUS,
	IMPORT_SHIPPED_AT,
	IMPORT_DELIVERED_AT,
	IMPORT_FIELD_COUNT
};

/* Which field of a record each column is (-1: not in the file). */
struct import_columns {
	int col[IMPORT_FIELD_COUNT];
	int n_ignored; /* columns of the header deskd does not know */
	int n_header;  /* the header's cells */
};

/**
 * Reads the header record. E_INVALID when it names no number column, names a
 * field twice, or is itself a broken record.
 */
enum err_code import_header(const struct csv_record *rec, struct import_columns *out,
			    struct error *err);

/* One order being gathered from its rows. */
struct import_order {
	long line;		 /* the line its first row starts on; 0: none open */
	char *external_id;	 /* the document's id: the external_id column, else the number */
	char *number;
	json_t *doc;		 /* deskd's order document */
	struct error err;	 /* the first fault of one of its rows (code E_OK: none) */
	long err_line;
};

/**
 * Whether record `rec` adds to the open order `o` rather than starting the
 * next one. A broken record continues an open order (and fails it): it may
 * have been one of its rows, and an order is written whole or not at all.
 */
int import_continues(const struct import_order *o, const struct import_columns *c,
		     const struct csv_record *rec);

/**
 * Starts order `o` with record `rec` (`o` must be released or new), or adds
 * the record's item and shipment to it when it continues it. A cell that is
 * not what its column needs (a quantity that is not a whole number, a time in
 * no known format) is recorded in o->err with its line and column.
 */
void import_add(struct import_order *o, const struct import_columns *c,
		const struct csv_record *rec);

/**
 * Ends order `o` once its last row is in: an order without updated_at is as
 * new as its placed_at, so re-importing an old export never overwrites what a
 * webhook said since.
 */
void import_finish(struct import_order *o);

/** Frees what `o` holds and closes it. */
void import_release(struct import_order *o);

/**
 * Writes a time as RFC 3339 into out: an RFC 3339 time is kept, Shopify's
 * export form "2026-11-05 14:03:22 +0900" becomes "2026-11-05T14:03:22+09:00".
 * Returns 0, or -1 for anything else.
 */
int import_time(const char *in, char out[40]);

#endif
