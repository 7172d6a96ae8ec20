/*
 * import.c - CSV rows into deskd's order documents (orders/import.h).
 */
#include "orders/import.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Each field's names in a header: deskd's own first, then those of Shopify's order export. */
static const char *const names[IMPORT_FIELD_COUNT][3] = {
	[IMPORT_EXTERNAL_ID] = {"external_id", "Id"},
	[IMPORT_NUMBER] = {"number", "Name"},
	[IMPORT_EMAIL] = {"email"},
	[IMPORT_PHONE] = {"phone"},
	[IMPORT_CUSTOMER_ID] = {"customer_id"},
	[IMPORT_CUSTOMER_NAME] = {"customer_name", "Billing Name"},
	[IMPORT_CURRENCY] = {"currency"},
	[IMPORT_TOTAL] = {"total"},
	[IMPORT_REFUNDED] = {"refunded", "Refunded Amount"},
	[IMPORT_PLACED_AT] = {"placed_at", "Created at"},
	[IMPORT_UPDATED_AT] = {"updated_at"},
	[IMPORT_CANCELLED_AT] = {"cancelled_at", "Cancelled at"},
	[IMPORT_FINANCIAL_STATUS] = {"financial_status", "Financial Status"},
	[IMPORT_FULFILLMENT_STATUS] = {"fulfillment_status", "Fulfillment Status"},
	[IMPORT_ITEM_SKU] = {"item_sku", "Lineitem sku"},
	[IMPORT_ITEM_NAME] = {"item_name", "Lineitem name"},
	[IMPORT_ITEM_VARIANT] = {"item_variant"},
	[IMPORT_ITEM_QUANTITY] = {"item_quantity", "Lineitem quantity"},
	[IMPORT_ITEM_PRICE] = {"item_price", "Lineitem price"},
	[IMPORT_SHIPMENT_ID] = {"shipment_id"},
	[IMPORT_CARRIER] = {"carrier"},
	[IMPORT_TRACKING_NUMBER] = {"tracking_number"},
	[IMPORT_TRACKING_URL] = {"tracking_url"},
	[IMPORT_SHIPMENT_STATUS] = {"shipment_status"},
	[IMPORT_SHIPPED_AT] = {"shipped_at"},
	[IMPORT_DELIVERED_AT] = {"delivered_at"},
};

/* Header cells are matched without case and surrounding blanks ("Lineitem SKU ", "EMAIL"). */
static int same_name(const char *cell, size_t len, const char *name)
{
	size_t n = strlen(name);

	while (len && isspace((unsigned char)*cell))
		cell++, len--;
	while (len && isspace((unsigned char)cell[len - 1]))
		len--;
	return len == n && !strncasecmp(cell, name, n);
}

enum err_code import_header(const struct csv_record *rec, struct import_columns *out,
			    struct error *err)
{
	memset(out, 0, sizeof(*out));
	out->n_header = rec->n_fields;
	for (int f = 0; f < IMPORT_FIELD_COUNT; f++)
		out->col[f] = -1;
	if (rec->code != E_OK)
		return error_set(err, rec->code, "the header: %s", rec->err.message);
	for (int i = 0; i < rec->n_fields; i++) {
		int field = -1;

		for (int f = 0; f < IMPORT_FIELD_COUNT && field < 0; f++)
			for (int k = 0; k < 3 && names[f][k] && field < 0; k++)
				if (same_name(rec->fields[i], rec->lens[i], names[f][k]))
					field = f;
		if (field < 0) {
			out->n_ignored++;
			continue;
		}
		if (out->col[field] >= 0)
			return error_set(err, E_INVALID, "the header names %s twice (columns %d and %d)",
					 names[field][0], out->col[field] + 1, i + 1);
		out->col[field] = i;
	}
	if (out->col[IMPORT_NUMBER] < 0)
		return error_set(err, E_INVALID,
				 "the header has no number column (\"number\", or \"Name\" as Shopify"
				 " exports it)");
	return E_OK;
}

/* The cell of `field` in rec, or NULL when the file has no such column or the cell is empty. */
static const char *cell(const struct import_columns *c, const struct csv_record *rec,
			enum import_field field)
{
	int i = c->col[field];

	return i >= 0 && i < rec->n_fields && rec->lens[i] ? rec->fields[i] : NULL;
}

/* Whether a cell says the same as the order's own value: empty, or equal. */
static int agrees(const char *cell, const char *own)
{
	return !cell || (own && !strcmp(cell, own));
}

int import_continues(const struct import_order *o, const struct import_columns *c,
		     const struct csv_record *rec)
{
	/* a broken row may be the open order's: that order is not written whole, so not at all */
	return o->line && (rec->code != E_OK || (agrees(cell(c, rec, IMPORT_NUMBER), o->number) &&
						 agrees(cell(c, rec, IMPORT_EXTERNAL_ID),
							o->external_id)));
}

/* Records the order's first fault, of the row on `line`. */
__attribute__((format(printf, 4, 5))) static void fault(struct import_order *o, long line,
							 enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (o->err.code != E_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(o->err.message, sizeof(o->err.message), fmt, ap);
	va_end(ap);
	o->err.code = code;
	o->err.position = -1;
	o->err_line = line;
}

static int two(const char *s)
{
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]);
}

int import_time(const char *in, char out[40])
{
	const char *p = in, *zone;
	char sec[3] = "00";
	size_t n = strlen(in);

	/* RFC 3339 ("2026-11-05T14:03:22+09:00"): payload.c checks it whole */
	if (n >= 20 && n < 40 && (in[10] == 'T' || in[10] == 't')) {
		memcpy(out, in, n + 1);
		return 0;
	}
	/* "2026-11-05 14:03[:22] +0900", "... +09:00", "... UTC" as exports write it */
	if (n < 16 || !two(p) || !two(p + 2) || p[4] != '-' || !two(p + 5) || p[7] != '-' ||
	    !two(p + 8) || p[10] != ' ' || !two(p + 11) || p[13] != ':' || !two(p + 14))
		return -1;
	zone = p + 16;
	if (*zone == ':' && two(zone + 1)) {
		memcpy(sec, zone + 1, 2);
		zone += 3;
	}
	while (*zone == ' ')
		zone++;
	if (!strcmp(zone, "UTC") || !strcmp(zone, "Z"))
		zone = "+0000";
	if ((zone[0] != '+' && zone[0] != '-') || !two(zone + 1) ||
	    !(zone[3] == ':' ? two(zone + 4) && !zone[6] : two(zone + 3) && !zone[5]))
		return -1;
	snprintf(out, 40, "%.10sT%.5s:%s%c%.2s:%.2s", p, p + 11, sec, zone[0], zone + 1,
		 zone + (zone[3] == ':' ? 4 : 3));
	return 0;
}

/* Sets key of obj to the cell as a string, when the cell is there and key is not yet. */
static void put_str(json_t *obj, const char *key, const char *value)
{
	if (value && !json_object_get(obj, key))
		json_object_set_new(obj, key, json_string(value));
}

static void put_time(struct import_order *o, long line, json_t *obj, const char *key,
		     const char *value)
{
	char t[40];

	if (!value || json_object_get(obj, key))
		return;
	if (import_time(value, t))
		fault(o, line, E_INVALID,
		      "%s: \"%.60s\" is not a time (2026-11-05T14:03:22+09:00 or"
		      " 2026-11-05 14:03:22 +0900)",
		      key, value);
	else
		json_object_set_new(obj, key, json_string(t));
}

static void add_item(struct import_order *o, const struct import_columns *c,
		     const struct csv_record *rec)
{
	const char *sku = cell(c, rec, IMPORT_ITEM_SKU), *name = cell(c, rec, IMPORT_ITEM_NAME);
	const char *variant = cell(c, rec, IMPORT_ITEM_VARIANT);
	const char *quantity = cell(c, rec, IMPORT_ITEM_QUANTITY);
	const char *price = cell(c, rec, IMPORT_ITEM_PRICE);
	json_t *items, *it;
	char *end;
	long long q;

	if (!sku && !name && !variant && !quantity && !price)
		return;
	it = json_object();
	put_str(it, "sku", sku);
	put_str(it, "name", name);
	put_str(it, "variant", variant);
	put_str(it, "price", price);
	if (quantity) {
		errno = 0;
		q = strtoll(quantity, &end, 10);
		if (errno || *end || end == quantity || !isdigit((unsigned char)*quantity))
			fault(o, rec->line, E_INVALID, "item_quantity: \"%.60s\" is not a whole number",
			      quantity);
		else
			json_object_set_new(it, "quantity", json_integer(q));
	}
	items = json_object_get(o->doc, "items");
	if (!items) {
		items = json_array();
		json_object_set_new(o->doc, "items", items);
	}
	json_array_append_new(items, it);
}

/* The shipment of the row, once per shipment id (or tracking number) however many rows name it. */
static void add_shipment(struct import_order *o, const struct import_columns *c,
			 const struct csv_record *rec)
{
	const char *id = cell(c, rec, IMPORT_SHIPMENT_ID);
	const char *tracking = cell(c, rec, IMPORT_TRACKING_NUMBER);
	const char *carrier = cell(c, rec, IMPORT_CARRIER), *url = cell(c, rec, IMPORT_TRACKING_URL);
	const char *status = cell(c, rec, IMPORT_SHIPMENT_STATUS);
	const char *shipped = cell(c, rec, IMPORT_SHIPPED_AT);
	const char *delivered = cell(c, rec, IMPORT_DELIVERED_AT);
	json_t *list, *s = NULL;
	size_t i;

	if (!id && !tracking && !carrier && !url && !status && !shipped && !delivered)
		return;
	if (!id)
		id = tracking;
	if (!id) {
		fault(o, rec->line, E_INVALID,
		      "shipment_id: a shipment needs a shipment_id or a tracking_number");
		return;
	}
	list = json_object_get(o->doc, "shipments");
	if (!list) {
		list = json_array();
		json_object_set_new(o->doc, "shipments", list);
	}
	json_array_foreach (list, i, s)
		if (!strcmp(json_string_value(json_object_get(s, "external_id")), id))
			break;
	if (i == json_array_size(list)) {
		s = json_pack("{ss}", "external_id", id);
		json_array_append_new(list, s);
	}
	put_str(s, "carrier", carrier);
	put_str(s, "tracking_number", tracking);
	put_str(s, "tracking_url", url);
	put_str(s, "status", status);
	put_time(o, rec->line, s, "shipped_at", shipped);
	put_time(o, rec->line, s, "delivered_at", delivered);
}

static void start(struct import_order *o, const struct import_columns *c,
		  const struct csv_record *rec)
{
	const char *number = cell(c, rec, IMPORT_NUMBER), *id = cell(c, rec, IMPORT_EXTERNAL_ID);

	memset(o, 0, sizeof(*o));
	o->line = rec->line;
	o->doc = json_object();
	if (rec->code != E_OK) {
		fault(o, rec->line, rec->code, "%s", rec->err.message);
		return;
	}
	if (!number)
		fault(o, rec->line, E_INVALID, "number: is empty");
	o->number = strdup(number ? number : "");
	o->external_id = strdup(id ? id : o->number);
}

void import_add(struct import_order *o, const struct import_columns *c,
		const struct csv_record *rec)
{
	json_t *customer;

	if (!import_continues(o, c, rec))
		start(o, c, rec);
	else if (rec->code != E_OK)
		fault(o, rec->line, rec->code, "the broken row on line %ld may be one of its rows",
		      rec->line);
	if (rec->code != E_OK || o->err.code != E_OK)
		return;
	/* a cell beyond the header's last column would be lost unseen */
	for (int i = c->n_header; i < rec->n_fields; i++)
		if (rec->lens[i]) {
			fault(o, rec->line, E_INVALID,
			      "column %d: the row has more cells than the header's %d", i + 1,
			      c->n_header);
			return;
		}
	put_str(o->doc, "number", o->number);
	put_str(o->doc, "email", cell(c, rec, IMPORT_EMAIL));
	put_str(o->doc, "phone", cell(c, rec, IMPORT_PHONE));
	if (cell(c, rec, IMPORT_CUSTOMER_ID) || cell(c, rec, IMPORT_CUSTOMER_NAME)) {
		if (!(customer = json_object_get(o->doc, "customer"))) {
			customer = json_object();
			json_object_set_new(o->doc, "customer", customer);
		}
		put_str(customer, "external_id", cell(c, rec, IMPORT_CUSTOMER_ID));
		put_str(customer, "name", cell(c, rec, IMPORT_CUSTOMER_NAME));
	}
	put_str(o->doc, "currency", cell(c, rec, IMPORT_CURRENCY));
	put_str(o->doc, "total", cell(c, rec, IMPORT_TOTAL));
	put_str(o->doc, "refunded", cell(c, rec, IMPORT_REFUNDED));
	put_str(o->doc, "financial_status", cell(c, rec, IMPORT_FINANCIAL_STATUS));
	put_str(o->doc, "fulfillment_status", cell(c, rec, IMPORT_FULFILLMENT_STATUS));
	put_time(o, rec->line, o->doc, "placed_at", cell(c, rec, IMPORT_PLACED_AT));
	put_time(o, rec->line, o->doc, "updated_at", cell(c, rec, IMPORT_UPDATED_AT));
	put_time(o, rec->line, o->doc, "cancelled_at", cell(c, rec, IMPORT_CANCELLED_AT));
	add_item(o, c, rec);
	add_shipment(o, c, rec);
}

void import_finish(struct import_order *o)
{
	json_t *placed = json_object_get(o->doc, "placed_at");

	/* an export says when the order was placed: a later webhook's facts stay newer */
	if (placed && !json_object_get(o->doc, "updated_at"))
		json_object_set(o->doc, "updated_at", placed);
}

void import_release(struct import_order *o)
{
	free(o->external_id);
	free(o->number);
	json_decref(o->doc);
	memset(o, 0, sizeof(*o));
}
