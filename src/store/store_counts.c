/*
 * store_counts.c - how many tickets each inbox view holds.
 *
 * Three GROUP BY queries read one snapshot: every status (an index-only scan
 * of tickets_status_created), the unsolved tickets by status, assignee and
 * channel (a range of tickets_status), and the tags on the most unsolved
 * tickets. Their cost grows with the desk, not with the number of agents, so
 * the result is shared by every caller for up to a second: with many agents
 * watching a busy desk the database answers them once a second, not once per
 * change and agent.
 */
#include "store/store_internal.h"
#include "util/timeutil.h"

#include <pthread.h>

#define MAX_AGE_US 1000000

static const char *const unsolved[] = { "new", "open", "pending", "on-hold" };

#define SQL_BY_STATUS "SELECT status, count(*) FROM tickets GROUP BY status"

#define SQL_UNSOLVED                                                                               \
	"SELECT status, assignee_id, channel, count(*) FROM tickets"                               \
	" WHERE status IN ($1, $2, $3, $4) GROUP BY status, assignee_id, channel"

/*
 * The rows of the $5 tags on the most unsolved tickets, per status. CROSS JOIN
 * keeps SQLite's join order: from the unsolved tickets to their tags, not
 * from every tag (10x slower at 200k tickets); PostgreSQL plans it as a join.
 */
#define SQL_BY_TAG                                                                                 \
	"WITH u AS (SELECT g.tag AS tag, t.status AS status, count(*) AS n"                        \
	" FROM tickets t CROSS JOIN ticket_tags g WHERE g.ticket_id = t.id"                        \
	" AND t.status IN ($1, $2, $3, $4) GROUP BY g.tag, t.status),"                             \
	" top AS (SELECT tag FROM u GROUP BY tag ORDER BY sum(n) DESC, tag LIMIT $5)"              \
	" SELECT u.tag, u.status, u.n FROM u JOIN top ON top.tag = u.tag"

/*
 * One tag's unsolved tickets, from the tag's rows alone: they carry their
 * ticket's status, assignee and channel (migration 0005), so this reads the
 * unsolved ranges of the tag in ticket_tags_created and no ticket.
 */
#define SQL_ONE_TAG                                                                                \
	"SELECT tag, status, assignee_id, channel, count(*) FROM ticket_tags"                      \
	" WHERE tag = $5 AND status IN ($1, $2, $3, $4) GROUP BY tag, status, assignee_id, channel"

struct count_read {
	count_list *list;
	struct arena *a;
};

static int read_by_status(struct db_row *row, void *arg)
{
	struct count_read *r = arg;
	struct ticket_count *c = LIST_PUSH(r->list, r->a);

	c->status = col_str(row, 0, r->a);
	c->n = db_col_int(row, 1);
	return 0;
}

static int read_unsolved(struct db_row *row, void *arg)
{
	struct count_read *r = arg;
	struct ticket_count *c = LIST_PUSH(r->list, r->a);

	c->status = col_str(row, 0, r->a);
	c->assignee_id = db_col_null(row, 1) ? 0 : db_col_int(row, 1);
	c->channel = col_str(row, 2, r->a);
	c->n = db_col_int(row, 3);
	return 0;
}

static int read_by_tag(struct db_row *row, void *arg)
{
	struct count_read *r = arg;
	struct ticket_count *c = LIST_PUSH(r->list, r->a);

	c->tag = col_str(row, 0, r->a);
	c->status = col_str(row, 1, r->a);
	c->n = db_col_int(row, 2);
	return 0;
}

static int read_one_tag(struct db_row *row, void *arg)
{
	struct count_read *r = arg;
	struct ticket_count *c = LIST_PUSH(r->list, r->a);

	c->tag = col_str(row, 0, r->a);
	c->status = col_str(row, 1, r->a);
	c->assignee_id = db_col_null(row, 2) ? 0 : db_col_int(row, 2);
	c->channel = col_str(row, 3, r->a);
	c->n = db_col_int(row, 4);
	return 0;
}

/* The backend's read-only snapshot: the parts of one answer must agree. */
static const char *begin_snapshot(struct store *st)
{
	return store_backend(st) == DB_POSTGRES ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
						: "BEGIN";
}

enum err_code store_tag_counts(struct store *st, const char *const *tags, int n, count_list *out,
			       struct arena *a, struct error *err)
{
	struct db_arg args[] = { DB_S(unsolved[0]), DB_S(unsolved[1]), DB_S(unsolved[2]),
				 DB_S(unsolved[3]), DB_S("") };
	struct count_read read = { out, a };
	struct db *db;
	enum err_code rc = E_OK;
	int qrc = 0;

	if (!n)
		return E_OK;
	if (!(db = store_acquire(st)))
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	if (db_exec(db, begin_snapshot(st))) {
		rc = store_fail(db, DB_ERR, err, "counting tags");
		goto out;
	}
	for (int i = 0; i < n && !qrc; i++) {
		args[4] = DB_S(tags[i]);
		qrc = db_query(db, SQL_ONE_TAG, args, 5, read_one_tag, &read);
	}
	if (qrc)
		rc = store_fail(db, qrc, err, "counting tags");
	db_exec(db, "ROLLBACK");
out:
	store_release(st, db);
	return rc;
}

/* Runs the three queries in one read transaction, so the parts agree. */
static enum err_code counts_load(struct store *st, struct ticket_counts *out, struct arena *a,
				 struct error *err)
{
	struct db_arg args[] = { DB_S(unsolved[0]), DB_S(unsolved[1]), DB_S(unsolved[2]),
				 DB_S(unsolved[3]), DB_I(STORE_COUNT_TAGS) };
	struct count_read by_status = { &out->by_status, a }, open = { &out->unsolved, a },
			  by_tag = { &out->by_tag, a };
	const char *begin = begin_snapshot(st);
	struct db *db = store_acquire(st);
	enum err_code rc = E_OK;
	int qrc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	if (db_exec(db, begin)) {
		rc = store_fail(db, DB_ERR, err, "counting tickets");
		goto out;
	}
	if ((qrc = db_query(db, SQL_BY_STATUS, NULL, 0, read_by_status, &by_status)) ||
	    (qrc = db_query(db, SQL_UNSOLVED, args, 4, read_unsolved, &open)) ||
	    (qrc = db_query(db, SQL_BY_TAG, args, 5, read_by_tag, &by_tag)))
		rc = store_fail(db, qrc, err, "counting tickets");
	db_exec(db, "ROLLBACK");
out:
	store_release(st, db);
	return rc;
}

static void copy_list(count_list *to, const count_list *from, struct arena *a)
{
	for (int i = 0; i < from->n; i++) {
		const struct ticket_count *f = &from->items[i];
		struct ticket_count *c = LIST_PUSH(to, a);

		*c = *f;
		c->status = f->status ? arena_strdup(a, f->status) : NULL;
		c->channel = f->channel ? arena_strdup(a, f->channel) : NULL;
		c->tag = f->tag ? arena_strdup(a, f->tag) : NULL;
	}
}

/*
 * The last counts, in an arena of their own. One lock around the refresh too:
 * callers arriving while it runs wait for it rather than run it again.
 */
static struct {
	pthread_mutex_t lock;
	const struct store *store;
	int64_t at; /* time_mono_us of the load; 0: none */
	struct arena arena;
	struct ticket_counts counts;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

enum err_code store_ticket_counts(struct store *st, struct ticket_counts *out, struct arena *a,
				  struct error *err)
{
	enum err_code rc = E_OK;
	int64_t now = time_mono_us();

	*out = (struct ticket_counts){ 0 };
	pthread_mutex_lock(&cache.lock);
	if (cache.store != st || !cache.at || now - cache.at >= MAX_AGE_US) {
		struct ticket_counts fresh = { 0 };
		struct arena fresh_arena;

		arena_init(&fresh_arena);
		rc = counts_load(st, &fresh, &fresh_arena, err);
		if (rc) {
			arena_release(&fresh_arena);
			goto out;
		}
		if (cache.at)
			arena_release(&cache.arena);
		cache.arena = fresh_arena;
		cache.counts = fresh;
		cache.store = st;
		cache.at = time_mono_us();
	}
	copy_list(&out->by_status, &cache.counts.by_status, a);
	copy_list(&out->unsolved, &cache.counts.unsolved, a);
	copy_list(&out->by_tag, &cache.counts.by_tag, a);
out:
	pthread_mutex_unlock(&cache.lock);
	return rc;
}
