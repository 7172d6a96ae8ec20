/*
 * store_search.c - full-text search over tickets, messages and customers.
 *
 * The tokens come from core/text.c; here they only become an engine query.
 * Each kind ranks just its newest SEARCH_WINDOW matches, in C on both backends
 * (see docs/ARCHITECTURE.md).
 */
#include "core/text.h"
#include "store/store_internal.h"
#include "util/buf.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_WINDOW 500

/*
 * Both backends: the newest SEARCH_WINDOW matches of a kind, with their tokens
 * (FTS5's content; PostgreSQL's search_tokens, found through the GIN index),
 * are ranked in C (text_rank), then the best are read in full. One ranking, so
 * the order does not depend on the backend.
 */
static const struct {
	const char *type;
	const char *candidates[2], *details[2];
} kinds[] = {
	{ "ticket",
	  { "SELECT rowid, tokens FROM search_tickets WHERE search_tickets MATCH $1"
	    " ORDER BY rowid DESC LIMIT $2",
	    "SELECT id, search_tokens FROM tickets WHERE search @@ plainto_tsquery('simple', $1)"
	    " ORDER BY id DESC LIMIT $2" },
	  { "SELECT t.id, t.id, t.subject, t.subject FROM tickets t WHERE t.id = $1",
	    "SELECT t.id, t.id, t.subject, t.subject FROM tickets t WHERE t.id = $1" } },
	{ "message",
	  { "SELECT rowid, tokens FROM search_messages WHERE search_messages MATCH $1"
	    " ORDER BY rowid DESC LIMIT $2",
	    "SELECT id, search_tokens FROM messages WHERE search @@ plainto_tsquery('simple', $1)"
	    " ORDER BY id DESC LIMIT $2" },
	  { "SELECT m.id, m.ticket_id, t.subject, m.body FROM messages m"
	    " JOIN tickets t ON t.id = m.ticket_id WHERE m.id = $1",
	    "SELECT m.id, m.ticket_id, t.subject, m.body FROM messages m"
	    " JOIN tickets t ON t.id = m.ticket_id WHERE m.id = $1" } },
	{ "customer",
	  { "SELECT rowid, tokens FROM search_customers WHERE search_customers MATCH $1"
	    " ORDER BY rowid DESC LIMIT $2",
	    "SELECT id, search_tokens FROM customers"
	    " WHERE search @@ plainto_tsquery('simple', $1) ORDER BY id DESC LIMIT $2" },
	  { "SELECT c.id, 0, c.name, c.name || ' ' || COALESCE((SELECT group_concat(value, ' ')"
	    " FROM identities WHERE customer_id = c.id), '') FROM customers c WHERE c.id = $1",
	    "SELECT c.id, 0, c.name, c.name || ' ' || COALESCE((SELECT string_agg(value, ' ')"
	    " FROM identities WHERE customer_id = c.id), '') FROM customers c WHERE c.id = $1" } },
};

static atomic_int queued;

void store_search_queued(void)
{
	atomic_fetch_add(&queued, 1);
}

static const char *const flush_sql[] = {
	/* a document indexed twice before a flush keeps only its newest tokens */
	"DELETE FROM search_tickets WHERE rowid IN (SELECT doc_id FROM search_pending WHERE kind = 0)",
	"DELETE FROM search_messages WHERE rowid IN (SELECT doc_id FROM search_pending WHERE kind = 1)",
	"DELETE FROM search_customers WHERE rowid IN (SELECT doc_id FROM search_pending WHERE kind = 2)",
	"INSERT INTO search_tickets (rowid, tokens) SELECT doc_id, tokens FROM search_pending"
	" WHERE id IN (SELECT MAX(id) FROM search_pending WHERE kind = 0 GROUP BY doc_id)",
	"INSERT INTO search_messages (rowid, tokens) SELECT doc_id, tokens FROM search_pending"
	" WHERE id IN (SELECT MAX(id) FROM search_pending WHERE kind = 1 GROUP BY doc_id)",
	"INSERT INTO search_customers (rowid, tokens) SELECT doc_id, tokens FROM search_pending"
	" WHERE id IN (SELECT MAX(id) FROM search_pending WHERE kind = 2 GROUP BY doc_id)",
	"DELETE FROM search_pending",
};

enum err_code store_search_flush(struct db *db, void *arg, struct error *err)
{
	(void)arg;
	atomic_store(&queued, 0);
	for (size_t i = 0; i < sizeof(flush_sql) / sizeof(flush_sql[0]); i++) {
		int rc = db_query(db, flush_sql[i], NULL, 0, NULL, NULL);

		if (rc)
			return store_fail(db, rc, err, "updating the search index");
	}
	return E_OK;
}

int store_search_backlog(void)
{
	return atomic_load(&queued);
}

/* Search sees every committed document: what still waits is flushed first. */
static enum err_code flush_if_pending(struct store *st, struct error *err)
{
	struct db *db = store_acquire(st);
	int64_t pending = 0;
	int rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = db_query(db, "SELECT COUNT(*) FROM (SELECT 1 FROM search_pending LIMIT 1)", NULL, 0,
		      row_int, &pending);
	store_release(st, db);
	if (rc)
		return error_set(err, E_INTERNAL, "database error");
	return pending ? store_write(st, store_search_flush, NULL, err) : E_OK;
}

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

static int kind_index(const char *type)
{
	int k = 0;

	while (strcmp(kinds[k].type, type))
		k++;
	return k;
}

struct candidate {
	int64_t id;
	double score;
	const char *tokens;
};

struct candidates {
	struct candidate *items;
	int n, cap;
	struct arena *a;
};

static int read_candidate(struct db_row *row, void *arg)
{
	struct candidates *c = arg;
	struct candidate *x = LIST_PUSH(c, c->a);

	x->id = db_col_int(row, 0);
	/* NULL on a PostgreSQL row written by a node from before 0006 */
	x->tokens = db_col_null(row, 1) ? "" : col_str(row, 1, c->a);
	return 0;
}

/* Lower is better; equal scores put the kinds in table order and the newest first. */
static int by_score(const void *x, const void *y)
{
	const struct search_hit *a = x, *b = y;

	if (a->score != b->score)
		return (a->score > b->score) - (a->score < b->score);
	if (a->type != b->type)
		return kind_index(a->type) - kind_index(b->type);
	return (a->id < b->id) - (a->id > b->id);
}

/* Higher is better; equal scores put the newest first (the same on both backends). */
static int candidate_by_score(const void *x, const void *y)
{
	const struct candidate *a = x, *b = y;

	if (a->score != b->score)
		return (a->score < b->score) - (a->score > b->score);
	return (a->id < b->id) - (a->id > b->id);
}

/* One kind: rank the window in C, then read the best in full. */
static int search_kind(struct db *db, int k, const char *query, const char *tokens, int limit,
		       search_list *out, struct arena *a)
{
	int pg = db_backend(db) == DB_POSTGRES;
	struct candidates c = { .a = a };
	struct db_arg args[] = { DB_S(query), DB_I(SEARCH_WINDOW) };
	double total = 0;
	int rc = db_query(db, kinds[k].candidates[pg], args, 2, read_candidate, &c);

	for (int i = 0; !rc && i < c.n; i++)
		total += text_token_count(c.items[i].tokens);
	for (int i = 0; !rc && i < c.n; i++)
		c.items[i].score = text_rank(c.items[i].tokens, tokens, total / c.n);
	if (!rc && c.n)
		qsort(c.items, (size_t)c.n, sizeof(*c.items), candidate_by_score);
	for (int i = 0; !rc && i < c.n && i < limit; i++) {
		struct hit_read r = { out, kinds[k].type, a };
		struct db_arg id[] = { DB_I(c.items[i].id) };
		int before = out->n;

		rc = db_query(db, kinds[k].details[pg], id, 1, read_hit, &r);
		if (out->n > before)
			out->items[out->n - 1].score = -c.items[i].score;
	}
	return rc;
}

enum err_code store_search(struct store *st, const char *tokens, int limit, search_list *out,
			   struct arena *a, struct error *err)
{
	int pg = store_backend(st) == DB_POSTGRES;
	char *query;
	struct db *db;
	enum err_code rc = pg ? E_OK : flush_if_pending(st, err);

	if (rc)
		return rc;
	/* PostgreSQL's plainto_tsquery takes the tokens as they are */
	query = pg ? NULL : fts5_query(tokens);
	db = store_acquire(st);
	if (!db) {
		free(query);
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	}
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int qrc = search_kind(db, (int)k, pg ? tokens : query, tokens, limit, out, a);

		if (qrc) {
			rc = store_fail(db, qrc, err, "searching");
			break;
		}
	}
	store_release(st, db);
	free(query);
	if (rc == E_OK && out->n) {
		qsort(out->items, (size_t)out->n, sizeof(*out->items), by_score);
		if (out->n > limit)
			out->n = limit;
	}
	return rc;
}
