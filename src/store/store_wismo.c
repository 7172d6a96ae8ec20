/*
 * store_wismo.c - "where is my order?" answered (docs/ARCHITECTURE.md, "Orders
 * and WISMO"): after each inbound customer message, in its transaction, the
 * day's counts, the decision of orders/wismo.h and, when the store says
 * `auto`, the answer itself; the ready answer an agent sees (`suggest`); and
 * the figures.
 */
#include "orders/track.h"
#include "orders/wismo.h"
#include "store/store_internal.h"
#include "util/timeutil.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

#define DAY_US	     ((int64_t)86400 * 1000000)
/* an answer the customer did not write back to in this long deflected a contact */
#define DEFLECTED_US (72 * 3600 * (int64_t)1000000)

/* Where tracking links point; set once at start-up (store_wismo_links). */
static char *public_url, *track_key;

void store_wismo_links(const char *url, const char *key)
{
	free(public_url);
	free(track_key);
	public_url = url && *url ? xstrdup(url) : NULL;
	track_key = key && *key ? xstrdup(key) : NULL;
	/* "https://desk.example/" and "https://desk.example" are one address */
	if (public_url && public_url[strlen(public_url) - 1] == '/')
		public_url[strlen(public_url) - 1] = '\0';
}

/* What the decision and the answer need to know of a ticket. */
struct wismo_case {
	const char *status, *automatic, *customer_name, *customer_lang;
	int64_t customer_id, order_id, answered_at;
	int64_t store_id; /* 0: the ticket belongs to no store */
	const char *store_slug, *store_name, *settings;
	enum wismo_mode mode;
	enum track_lang lang;
	struct order order;
	int have_order;
	struct arena *a;
};

static int read_case(struct db_row *row, void *arg)
{
	struct wismo_case *c = arg;

	c->status = col_str(row, 0, c->a);
	c->automatic = col_str(row, 1, c->a);
	c->answered_at = col_time(row, 2);
	c->customer_id = col_time(row, 3);
	c->order_id = col_time(row, 4);
	c->customer_name = col_str(row, 5, c->a);
	c->customer_lang = col_str(row, 6, c->a);
	c->store_id = col_time(row, 7);
	c->store_slug = col_str(row, 8, c->a);
	c->store_name = col_str(row, 9, c->a);
	c->settings = col_str(row, 10, c->a);
	return 0;
}

/*
 * The ticket's store is its order's, else the one whose support mailbox the
 * ticket came in by. Its settings say the mode (default `suggest`) and the
 * language for customers whose own deskd does not know.
 */
static enum err_code case_load(struct db *db, int64_t ticket_id, struct wismo_case *c,
			       struct arena *a, struct error *err)
{
	struct db_arg args[] = { DB_I(ticket_id) };
	json_t *settings;
	enum track_lang own;
	int found = 0, qrc;

	memset(c, 0, sizeof(*c));
	c->a = a;
	qrc = db_query(db,
		       "SELECT t.status, t.wismo_auto, t.wismo_answered_at, t.customer_id,"
		       " t.order_id,"
		       /* a name deskd made from the address is no name to greet by */
		       " CASE WHEN EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = c.id"
		       " AND i.type = 'email' AND i.value LIKE c.name || '@%') THEN NULL"
		       " ELSE c.name END, c.language, s.id, s.slug, s.name, s.settings"
		       " FROM tickets t JOIN customers c ON c.id = t.customer_id"
		       " LEFT JOIN orders o ON o.id = t.order_id"
		       " LEFT JOIN stores s ON s.deleted = 0 AND s.id = COALESCE(o.store_id,"
		       " (SELECT id FROM stores WHERE mailbox_id = t.mailbox_id AND deleted = 0"
		       " ORDER BY id LIMIT 1))"
		       " WHERE t.id = $1",
		       args, 1, read_case, c);
	if (qrc)
		return store_fail(db, qrc, err, "reading the ticket's store");
	if (!c->status)
		return error_set(err, E_NOT_FOUND, "no ticket %lld", (long long)ticket_id);
	settings = c->settings ? json_loads(c->settings, 0, NULL) : NULL;
	c->mode = c->store_id ? WISMO_SUGGEST : WISMO_OFF;
	if (c->store_id)
		wismo_mode_parse(json_string_value(json_object_get(settings, "wismo")), &c->mode);
	c->lang = track_lang_pick(NULL, NULL,
				  json_string_value(json_object_get(settings, "default_language")));
	if (c->customer_lang && track_lang_parse(c->customer_lang, &own))
		c->lang = own;
	json_decref(settings);
	if (c->order_id) {
		struct db_arg o_args[] = { DB_I(c->order_id) };
		enum err_code rc = order_load(db, "id = $1", o_args, 1, &c->order, &found, a, err);

		if (rc)
			return rc;
		c->have_order = found;
	}
	return E_OK;
}

/* The order's tracking page, signed; NULL when deskd does not know its own address. */
static const char *track_link(const struct wismo_case *c, struct arena *a)
{
	char *token, *url;

	if (!public_url || !track_key || !c->have_order || !c->store_slug)
		return NULL;
	token = track_token_make(track_key, c->store_id, c->order.id,
				 time_now_us() / 1000000 + TRACK_TOKEN_TTL);
	url = arena_printf(a, "%s/track/%s/%s", public_url, c->store_slug, token);
	free(token);
	return url;
}

static char *answer_text(const struct wismo_case *c, int ask, struct arena *a)
{
	char *text = wismo_answer_text(&(struct wismo_answer){
		.lang = c->lang,
		.customer_name = c->customer_name,
		.store_name = c->store_name,
		.order = ask || !c->have_order ? NULL : &c->order,
		.track_url = ask ? NULL : track_link(c, a),
	});
	char *copy = arena_strdup(a, text);

	free(text);
	return copy;
}

/* Adds to the counts of `day` for the ticket's store. */
static int count(struct db *db, int64_t day, int64_t store_id, const char *column)
{
	char sql[256];
	struct db_arg args[] = { DB_I(day), DB_I(store_id) };

	/* column is one of the table's own names, never input */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO wismo_daily (day, store_id, %s) VALUES ($1, $2, 1)"
		 " ON CONFLICT (day, store_id) DO UPDATE SET %s = wismo_daily.%s + 1",
		 column, column, column);
	return db_query(db, sql, args, 2, NULL, NULL);
}

/*
 * A customer writing back within 72 hours of a status answer was not helped
 * by it: counted once, on the day of the answer, whatever they write.
 */
static int note_reply_to_answer(struct db *db, int64_t ticket_id, const struct wismo_case *c,
				int64_t now)
{
	struct db_arg args[] = { DB_I(ticket_id) };
	int qrc;

	if (!c->answered_at)
		return 0;
	qrc = db_query(db, "UPDATE tickets SET wismo_answered_at = NULL WHERE id = $1", args, 1,
		       NULL, NULL);
	if (!qrc && now - c->answered_at < DEFLECTED_US)
		qrc = count(db, c->answered_at / DAY_US, c->store_id, "reopened");
	return qrc;
}

static enum err_code answer(struct db *db, int64_t ticket_id, struct wismo_case *c, int ask,
			    int64_t now, struct arena *a, struct error *err)
{
	struct message_new mn = { .ticket_id = ticket_id, .kind = "reply", .direction = "outbound",
				  .author_type = "system", .body = answer_text(c, ask, a) };
	struct message sent;
	enum err_code rc;
	int qrc;

	if ((rc = message_insert(db, &mn, &sent, a, err)))
		return rc;
	struct db_arg args[] = { DB_I(ticket_id), DB_S(ask ? "asked" : "answered"),
				 ask ? DB_NIL : DB_I(now), DB_I(now) };
	qrc = db_query(db,
		       "UPDATE tickets SET status = 'pending', wismo_auto = $2,"
		       " wismo_answered_at = $3, updated_at = $4 WHERE id = $1",
		       args, 4, NULL, NULL);
	if (!qrc)
		qrc = count(db, now / DAY_US, c->store_id, ask ? "asked" : "answered");
	if (qrc)
		return store_fail(db, qrc, err, "recording the answer");
	return store_record_event(
		db, ticket_id, c->customer_id, 0, "wismo.answered",
		json_pack("{s[ss]}", "status", c->status, "pending"),
		json_pack("{sI ss sI* ss sI}", "ticket_id", (json_int_t)ticket_id, "answer",
			  ask ? "order_number_asked" : "status", "order_id",
			  (json_int_t)(ask ? 0 : c->order.id), "language", track_lang_code(c->lang),
			  "message_id", (json_int_t)sent.id),
		err);
}

enum err_code wismo_after_inbound(struct db *db, int64_t ticket_id, int wismo, int automated,
				  struct arena *a, struct error *err)
{
	int64_t now = time_now_us();
	struct wismo_case c;
	enum wismo_action act;
	enum err_code rc;
	int qrc;

	if ((rc = case_load(db, ticket_id, &c, a, err)))
		return rc;
	qrc = note_reply_to_answer(db, ticket_id, &c, now);
	if (!qrc)
		qrc = count(db, now / DAY_US, c.store_id, "inbound");
	if (!qrc && wismo)
		qrc = count(db, now / DAY_US, c.store_id, "wismo");
	if (qrc)
		return store_fail(db, qrc, err, "counting the message");
	act = wismo_decide(c.mode, &(struct wismo_ticket){
				       .wismo = wismo,
				       .has_order = c.have_order,
				       .state = c.order.state,
				       .answered = c.automatic && !strcmp(c.automatic, "answered"),
				       .asked = c.automatic && !strcmp(c.automatic, "asked"),
				       .automated = automated,
			       });
	if (act == WISMO_NONE)
		return E_OK;
	return answer(db, ticket_id, &c, act == WISMO_ASK_NUMBER, now, a, err);
}

int wismo_answered(struct db *db, int64_t ticket_id)
{
	struct db_arg args[] = { DB_I(ticket_id) };
	int64_t n = 0;

	db_query(db, "SELECT 1 FROM tickets WHERE id = $1 AND wismo_auto IS NOT NULL", args, 1,
		 row_int, &n);
	return n == 1;
}

enum err_code store_wismo_suggest(struct store *st, int64_t ticket_id, struct wismo_suggestion *out,
				  struct arena *a, struct error *err)
{
	struct db *db = store_acquire(st);
	struct wismo_case c;
	enum err_code rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = case_load(db, ticket_id, &c, a, err);
	memset(out, 0, sizeof(*out));
	if (rc == E_OK) {
		out->mode = wismo_mode_name(c.mode);
		out->lang = track_lang_code(c.lang);
		out->automatic = c.automatic;
		if (c.have_order) {
			out->order_id = c.order.id;
			out->order_number = c.order.number;
			out->order_state = order_state_name(c.order.state);
		}
		if (c.mode != WISMO_OFF)
			out->reply = answer_text(&c, 0, a);
	}
	store_release(st, db);
	return rc;
}

static int read_figures(struct db_row *row, void *arg)
{
	struct wismo_figures *f = arg;

	f->inbound = db_col_int(row, 0);
	f->wismo = db_col_int(row, 1);
	f->answered = db_col_int(row, 2);
	f->asked = db_col_int(row, 3);
	f->reopened = db_col_int(row, 4);
	f->settled = db_col_int(row, 5);
	f->settled_reopened = db_col_int(row, 6);
	return 0;
}

enum err_code store_wismo_figures(struct store *st, int64_t from_day, int64_t to_day,
				  int64_t store_id, struct wismo_figures *out, struct error *err)
{
	/* answers of the last three days may still be written back to: not yet deflected */
	int64_t settled_before = (time_now_us() - DEFLECTED_US) / DAY_US;
	struct db_arg args[] = { DB_I(from_day), DB_I(to_day), DB_I(store_id),
				 DB_I(settled_before) };

	memset(out, 0, sizeof(*out));
	return store_read(st,
			  "SELECT COALESCE(SUM(inbound), 0), COALESCE(SUM(wismo), 0),"
			  " COALESCE(SUM(answered), 0), COALESCE(SUM(asked), 0),"
			  " COALESCE(SUM(reopened), 0),"
			  " COALESCE(SUM(CASE WHEN day < $4 THEN answered ELSE 0 END), 0),"
			  " COALESCE(SUM(CASE WHEN day < $4 THEN reopened ELSE 0 END), 0)"
			  " FROM wismo_daily WHERE day >= $1 AND day <= $2"
			  " AND ($3 < 0 OR store_id = $3)",
			  args, 4, read_figures, out, err);
}
