/*
 * store_search.c - full-text search over tickets, messages and customers.
 *
 * The tokens come from core/text.c; here they only become an engine query.
 * Each kind ranks just its newest SEARCH_WINDOW matches (see docs/ARCHITECTURE.md).
 */
#include "store/store_internal.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define SEARCH_WINDOW "2000"

enum { SQLITE_SQL, PG_SQL };

static const struct {
	const char *type;
	const char *sql[2];
} kinds[] = {
	{ "ticket",
	  { "SELECT t.id, t.id, t.subject, t.subject, s.score FROM (SELECT rowid AS id,"
	    " bm25(search_tickets) AS score FROM search_tickets WHERE search_tickets MATCH $1"
	    " ORDER BY rowid DESC LIMIT " SEARCH_WINDOW ") s JOIN tickets t ON t.id = s.id"
	    " ORDER BY s.score LIMIT $2",
	    "SELECT t.id, t.id, t.subject, t.subject, -ts_rank(t.search, q) AS score"
	    " FROM (SELECT id FROM tickets, plainto_tsquery('simple', $1) q WHERE search @@ q"
	    " ORDER BY id DESC LIMIT " SEARCH_WINDOW ") s JOIN tickets t ON t.id = s.id,"
	    " plainto_tsquery('simple', $1) q ORDER BY score LIMIT $2" } },
	{ "message",
	  { "SELECT m.id, m.ticket_id, t.subject, m.body, s.score FROM (SELECT rowid AS id,"
	    " bm25(search_messages) AS score FROM search_messages WHERE search_messages MATCH $1"
	    " ORDER BY rowid DESC LIMIT " SEARCH_WINDOW ") s JOIN messages m ON m.id = s.id"
	    " JOIN tickets t ON t.id = m.ticket_id ORDER BY s.score LIMIT $2",
	    "SELECT m.id, m.ticket_id, t.subject, m.body, -ts_rank(m.search, q) AS score"
	    " FROM (SELECT id FROM messages, plainto_tsquery('simple', $1) q WHERE search @@ q"
	    " ORDER BY id DESC LIMIT " SEARCH_WINDOW ") s JOIN messages m ON m.id = s.id"
	    " JOIN tickets t ON t.id = m.ticket_id, plainto_tsquery('simple', $1) q"
	    " ORDER BY score LIMIT $2" } },
	{ "customer",
	  { "SELECT c.id, 0, c.name, c.name || ' ' || COALESCE((SELECT group_concat(value, ' ')"
	    " FROM identities WHERE customer_id = c.id), ''), s.score FROM (SELECT rowid AS id,"
	    " bm25(search_customers) AS score FROM search_customers WHERE search_customers"
	    " MATCH $1 ORDER BY rowid DESC LIMIT " SEARCH_WINDOW ") s JOIN customers c"
	    " ON c.id = s.id ORDER BY s.score LIMIT $2",
	    "SELECT c.id, 0, c.name, c.name || ' ' || COALESCE((SELECT string_agg(value, ' ')"
	    " FROM identities WHERE customer_id = c.id), ''), -ts_rank(c.search, q) AS score"
	    " FROM (SELECT id FROM customers, plainto_tsquery('simple', $1) q WHERE search @@ q"
	    " ORDER BY id DESC LIMIT " SEARCH_WINDOW ") s JOIN customers c ON c.id = s.id,"
	    " plainto_tsquery('simple', $1) q ORDER BY score LIMIT $2" } },
};

struct hit_read {
	search_list *out;
	const char *type;
	struct arena *a;
};

static int read_hit(struct db_row *row, void *arg)
{
	struct hit_read *r = arg;
	struct search_hit *h = LIST_PUSH(r->out, r->a);

	h->type = r->type;
	h->id = db_col_int(row, 0);
	h->ticket_id = db_col_int(row, 1);
	h->title = col_str(row, 2, r->a);
	h->text = col_str(row, 3, r->a);
	/* bm25 and -ts_rank are both "lower is better"; neither is scaled across kinds */
	h->score = strtod(db_col_text(row, 4), NULL);
	return 0;
}

/* FTS5 query: every token quoted, so no query syntax reaches the engine; ANDed. */
static char *fts5_query(const char *tokens)
{
	struct buf b;

	buf_init(&b, 0);
	for (const char *p = tokens; *p;) {
		size_t n = strcspn(p, " ");

		if (n) {
			buf_adds(&b, b.len ? " \"" : "\"");
			buf_add(&b, p, n);
			buf_adds(&b, "\"");
		}
		p += n + (p[n] == ' ');
	}
	return buf_detach(&b, NULL);
}

static int by_score(const void *x, const void *y)
{
	const struct search_hit *a = x, *b = y;

	return (a->score > b->score) - (a->score < b->score);
}

enum err_code store_search(struct store *st, const char *tokens, int limit, search_list *out,
			   struct arena *a, struct error *err)
{
	int pg = store_backend(st) == DB_POSTGRES;
	char *query = pg ? NULL : fts5_query(tokens);
	struct db *db = store_acquire(st);
	enum err_code rc = E_OK;

	if (!db) {
		free(query);
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	}
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct hit_read r = { out, kinds[k].type, a };
		struct db_arg args[] = { DB_S(pg ? tokens : query), DB_I(limit) };
		int qrc = db_query(db, kinds[k].sql[pg ? PG_SQL : SQLITE_SQL], args, 2, read_hit, &r);

		if (qrc) {
			rc = store_fail(db, qrc, err, "searching");
			break;
		}
	}
	store_release(st, db);
	free(query);
	if (rc == E_OK) {
		qsort(out->items, (size_t)out->n, sizeof(*out->items), by_score);
		if (out->n > limit)
			out->n = limit;
	}
	return rc;
}
