/*
 * import.c - `deskd import orders --store SLUG FILE.csv`: a store's orders from
 * a CSV file of any size (orders/import.h says which columns), written in
 * batches through the store as webhooks write them. The file streams through
 * in chunks; each order that cannot be taken is reported with its line and
 * the others go in. A re-run writes nothing new: an order already stored with
 * the same facts is unchanged, and one a webhook changed since is newer.
 * Exits 0 when every order went in, 1 when some did not, 2 on wrong usage.
 */
#include "cli/cli.h"
#include "orders/import.h"
#include "orders/payload.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH	  500		/* orders per transaction */
#define CHUNK	  (256 * 1024)	/* bytes read at a time */
#define SEEN_BITS 20		/* the table of external ids starts at 2^20 slots */

/* An order's external id and the line it started on: its rows must be together. */
struct seen_id {
	char *id;
	long line;
};

/* Orders for one transaction, written on a thread of their own. */
struct batch {
	struct run *r;
	struct order_import orders[BATCH];
	long lines[BATCH];
	const char *numbers[BATCH];
	int n, writing;
	struct arena a;
	pthread_t thread;
	enum err_code rc;
	struct error err;
};

struct run {
	struct store *st;
	int64_t store_id;
	struct import_columns cols;
	int have_header;
	struct import_order cur;
	/* one batch is written while the next is read */
	struct batch b[2];
	int filling;
	/* every external id so far */
	struct seen_id *seen;
	size_t seen_cap, seen_n;
	/* counts and progress */
	long outcome[ORDER_IGNORED + 1], failed, total;
	off_t size, done;
	int tty;
	int64_t started, last_progress;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The line order `id` started on before, or 0 when it is new (then it is remembered). */
static long seen_before(struct run *r, const char *id, long line)
{
	size_t i;

	if (r->seen_n * 2 >= r->seen_cap) {
		struct seen_id *old = r->seen;
		size_t old_cap = r->seen_cap;

		r->seen_cap = old_cap ? old_cap * 2 : (size_t)1 << SEEN_BITS;
		r->seen = calloc(r->seen_cap, sizeof(*r->seen));
		if (!r->seen)
			die("out of memory");
		for (size_t k = 0; k < old_cap; k++) {
			if (!old[k].id)
				continue;
			for (i = hash(old[k].id) & (r->seen_cap - 1); r->seen[i].id;
			     i = (i + 1) & (r->seen_cap - 1))
				;
			r->seen[i] = old[k];
		}
		free(old);
	}
	for (i = hash(id) & (r->seen_cap - 1); r->seen[i].id; i = (i + 1) & (r->seen_cap - 1))
		if (!strcmp(r->seen[i].id, id))
			return r->seen[i].line;
	r->seen[i].id = strdup(id);
	r->seen[i].line = line;
	r->seen_n++;
	return 0;
}

static void progress(struct run *r, int last)
{
	int64_t now = time_mono_us(), secs = now - r->started;
	double rate = secs > 0 ? (double)r->total * 1e6 / (double)secs : 0;
	int pct = r->size > 0 ? (int)(r->done * 100 / r->size) : -1;

	if (!last && now - r->last_progress < (r->tty ? 200000 : 5000000))
		return;
	r->last_progress = now;
	if (r->tty) {
		char bar[31];

		for (int i = 0; i < 30; i++)
			bar[i] = pct >= 0 && i < pct * 30 / 100 ? '#' : '.';
		bar[30] = 0;
		fprintf(stderr, "\r[%s] %3d%%  %ld orders  %.0f/s ", bar, pct < 0 ? 0 : pct,
			r->total, rate);
		if (last)
			fputc('\n', stderr);
	} else if (!last) {
		if (pct >= 0)
			fprintf(stderr, "deskd import: %d%%, %ld orders, %.0f/s\n", pct, r->total,
				rate);
		else
			fprintf(stderr, "deskd import: %ld orders, %.0f/s\n", r->total, rate);
	}
}

static void report(struct run *r, long line, const char *number, const char *message)
{
	if (number)
		fprintf(stderr, "%sline %ld (order %s): %s\n", r->tty ? "\r\033[K" : "", line, number,
			message);
	else
		fprintf(stderr, "%sline %ld: %s\n", r->tty ? "\r\033[K" : "", line, message);
	r->failed++;
}

static void *write_batch(void *arg)
{
	struct batch *b = arg;

	b->rc = store_order_import(b->r->st, b->r->store_id, 0, b->orders, b->n, &b->a, &b->err);
	return NULL;
}

/* Waits for batch b to be written; counts each order's outcome and reports each failure. */
static void settle(struct run *r, struct batch *b)
{
	if (!b->writing)
		return;
	pthread_join(b->thread, NULL);
	b->writing = 0;
	if (b->rc)
		die("import stopped at line %ld: %s (the orders before it are in)", b->lines[0],
		    b->err.message);
	for (int i = 0; i < b->n; i++) {
		if (b->orders[i].rc != E_OK)
			report(r, b->lines[i], b->numbers[i], b->orders[i].err.message);
		else
			r->outcome[b->orders[i].outcome]++;
	}
	r->total += b->n;
	b->n = 0;
	arena_release(&b->a);
	arena_init(&b->a);
	progress(r, 0);
}

/* Starts writing the batch being filled, and fills the other once its write is done. */
static void flush(struct run *r)
{
	struct batch *b = &r->b[r->filling];

	if (!b->n)
		return;
	if (pthread_create(&b->thread, NULL, write_batch, b))
		die("cannot start a thread");
	b->writing = 1;
	r->filling ^= 1;
	settle(r, &r->b[r->filling]);
}

/* The open order is whole: checked as the API checks a document, and queued for the batch. */
static void close_order(struct run *r)
{
	struct import_order *o = &r->cur;
	struct batch *b = &r->b[r->filling];
	struct payload *p;
	struct error err;
	long before;

	if (!o->line)
		return;
	import_finish(o);
	if (o->err.code != E_OK) {
		report(r, o->err_line, o->err_line == o->line ? NULL : o->number, o->err.message);
	} else if ((before = seen_before(r, o->external_id, o->line))) {
		snprintf(err.message, sizeof(err.message),
			 "is on line %ld too; the rows of one order must be together", before);
		report(r, o->line, o->number, err.message);
	} else {
		p = arena_alloc(&b->a, sizeof(*p));
		if (payload_order_object(o->external_id, o->doc, p, &b->a, &err)) {
			report(r, o->line, o->number, err.message);
		} else {
			b->orders[b->n] = (struct order_import){.p = p};
			b->lines[b->n] = o->line;
			b->numbers[b->n] = arena_strdup(&b->a, o->number);
			if (++b->n == BATCH)
				flush(r);
		}
	}
	import_release(o);
}

static int on_record(void *ctx, const struct csv_record *rec)
{
	struct run *r = ctx;
	struct error err;

	if (!r->have_header) {
		if (import_header(rec, &r->cols, &err)) {
			fprintf(stderr, "deskd import: line %ld: %s\n", rec->line, err.message);
			return -1;
		}
		if (r->cols.n_ignored)
			fprintf(stderr, "deskd import: %d columns of the header are not deskd's;"
					" they are ignored\n",
				r->cols.n_ignored);
		r->have_header = 1;
		return 0;
	}
	if (rec->code == E_OK && rec->n_fields == 1 && !rec->lens[0])
		return 0; /* an empty line */
	if (rec->code != E_OK) { /* reported itself; the open order fails with it (import_add) */
		fprintf(stderr, "%s%s\n", r->tty ? "\r\033[K" : "", rec->err.message);
		r->failed++;
	}
	if (!import_continues(&r->cur, &r->cols, rec))
		close_order(r);
	if (rec->code == E_OK || r->cur.line)
		import_add(&r->cur, &r->cols, rec);
	return 0;
}

/* FILE, the one argument that is neither the subcommand nor an option or its value. */
static const char *file_argument(int argc, char **argv)
{
	const char *file = NULL;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--store")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--", 2))
			continue;
		if (file)
			return NULL;
		file = argv[i];
	}
	return file;
}

int cli_import(int argc, char **argv, const struct cli_options *o)
{
	const char *slug = cli_option(argc, argv, "--store"), *file = file_argument(argc, argv);
	static struct run r; /* large: the batch */
	struct csv_reader csv;
	struct shop shop;
	struct arena sa;
	struct error err;
	struct stat sb;
	char *chunk;
	size_t n;
	FILE *f;
	int stop = 0;

	if (argc < 2 || strcmp(argv[1], "orders") || !slug || !file) {
		fprintf(stderr, "usage: deskd import orders --store SLUG FILE.csv (- for stdin)\n");
		return 2;
	}
	f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "deskd import: cannot open %s: %s\n", file, strerror(errno));
		return 1;
	}
	r.st = cli_open_store(o);
	arena_init(&sa);
	if (store_shop_by_slug(r.st, slug, &shop, &sa, &err)) {
		fprintf(stderr, "deskd import: %s\n", err.message);
		store_free(r.st);
		return 1;
	}
	r.store_id = shop.id;
	arena_release(&sa);
	for (int i = 0; i < 2; i++) {
		r.b[i].r = &r;
		arena_init(&r.b[i].a);
	}
	r.tty = isatty(2);
	r.size = !fstat(fileno(f), &sb) && S_ISREG(sb.st_mode) ? sb.st_size : 0;
	r.started = r.last_progress = time_mono_us();
	chunk = malloc(CHUNK);
	if (!chunk)
		die("out of memory");
	csv_init(&csv, on_record, &r);
	while (!stop && (n = fread(chunk, 1, CHUNK, f)) > 0) {
		r.done += (off_t)n;
		stop = csv_feed(&csv, chunk, n);
	}
	if (!stop && ferror(f)) {
		fprintf(stderr, "deskd import: reading %s: %s\n", file, strerror(errno));
		stop = -1;
	}
	if (!stop)
		stop = csv_finish(&csv);
	if (!stop && !r.have_header) {
		fprintf(stderr, "deskd import: %s is empty: no header\n", file);
		stop = -1;
	}
	if (!stop) {
		close_order(&r);
		flush(&r);
		settle(&r, &r.b[r.filling ^ 1]);
		progress(&r, 1);
	}
	/* whatever is being written is waited for: nothing is left half done */
	settle(&r, &r.b[r.filling ^ 1]);
	settle(&r, &r.b[r.filling]);
	csv_release(&csv);
	free(chunk);
	if (f != stdin)
		fclose(f);
	if (!stop) {
		double secs = (double)(time_mono_us() - r.started) / 1e6;

		printf("%ld orders in %.1f s (%.0f/s): %ld created, %ld updated, %ld unchanged,"
		       " %ld older than the stored order; %ld not imported\n",
		       r.total, secs, secs > 0 ? (double)r.total / secs : 0.0,
		       r.outcome[ORDER_CREATED], r.outcome[ORDER_UPDATED],
		       r.outcome[ORDER_UNCHANGED], r.outcome[ORDER_STALE], r.failed);
	}
	import_release(&r.cur);
	for (int i = 0; i < 2; i++)
		arena_release(&r.b[i].a);
	for (size_t i = 0; i < r.seen_cap; i++)
		free(r.seen[i].id);
	free(r.seen);
	store_free(r.st);
	return stop || r.failed ? 1 : 0;
}
