/*
 * poll.c - polls the IMAP folder of every mailbox that has one (see poll.h).
 */
#include "mail/poll.h"
#include "mail/imap.h"
#include "mail/ingest.h"
#include "util/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* UIDs taken per mailbox per round: a large backlog drains over several rounds. */
#define POLL_BATCH 200

/* Mailboxes polled at once at most. */
#define POLL_MAX 64

struct mail_poller {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond, idle;
	int stopping, seconds;
	/* the mailboxes being polled now: a slow one is skipped, never waited for */
	int64_t busy[POLL_MAX];
	int n_busy;
};

/* The SMTP or IMAP settings of a mailbox; the password is unsealed into the arena. */
int mail_server_from_settings(const char *settings, const char *which, struct mail_server *out,
			      const char **folder, struct arena *a)
{
	json_t *s = json_loads(settings ? settings : "{}", 0, NULL);
	json_t *v = json_object_get(s, which);
	const char *sealed = json_string_value(json_object_get(v, "password_sealed"));
	const char *user = json_string_value(json_object_get(v, "user"));
	const char *box = json_string_value(json_object_get(v, "folder"));
	int ok = json_is_object(v) && json_is_string(json_object_get(v, "host"));

	memset(out, 0, sizeof(*out));
	if (ok) {
		out->host = arena_strdup(a, json_string_value(json_object_get(v, "host")));
		out->port = (int)json_integer_value(json_object_get(v, "port"));
		out->security =
			arena_strdup(a, json_string_value(json_object_get(v, "security"))
						? json_string_value(json_object_get(v, "security"))
						: "tls");
		out->user = user ? arena_strdup(a, user) : NULL;
		out->tls_verify = !json_is_false(json_object_get(v, "tls_verify"));
		if (folder)
			*folder = arena_strdup(a, box ? box : "INBOX");
		if (sealed) {
			char *p = mail_unseal(sealed);

			out->password = p ? arena_strdup(a, p) : NULL;
			if (p)
				sodium_memzero(p, strlen(p));
			free(p);
			ok = p != NULL;
		}
	}
	json_decref(s);
	return ok;
}

struct poll_one {
	struct mail_poller *p;
	struct mailbox box; /* its strings in arena */
	struct arena arena;
};

static int stopping(struct mail_poller *p)
{
	int s;

	pthread_mutex_lock(&p->lock);
	s = p->stopping;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* Where polling of one mailbox stands; saved after each round. */
struct poll_state {
	int64_t validity, last; /* validity 0: only unseen messages are taken (see below) */
	int64_t failed_uid;
	int failures;
};

/*
 * A message that failed in this many rounds in a row, while the server and
 * the database answered, is skipped: one bad message must not hold up the
 * mailbox for ever. It stays unread in the folder for a person to look at.
 */
#define POLL_GIVE_UP 5

/* Notes a failure on `uid`; returns 1 when it is time to skip it. */
static int failed_on(struct poll_state *ps, int64_t uid)
{
	if (ps->failed_uid != uid) {
		ps->failed_uid = uid;
		ps->failures = 0;
	}
	return ++ps->failures >= POLL_GIVE_UP;
}

/*
 * One round for one mailbox; returns the error text to record (NULL: none).
 *
 * A mailbox polled for the first time, or whose folder changed its
 * UIDVALIDITY, takes only the messages not yet \Seen: connecting an inbox
 * must not turn its whole history into new tickets (and acknowledgements).
 * After that, every message above the last UID taken is new.
 */
static const char *poll_mailbox(struct poll_one *o, struct poll_state *ps, struct arena *a)
{
	struct mail_server server;
	const char *folder = NULL, *problem = NULL;
	struct error err;
	struct imap *c;
	int64_t uidvalidity, uidnext, *uids;
	int n, unseen_only;

	if (!mail_server_from_settings(o->box.settings, "imap", &server, &folder, a))
		return "the IMAP settings are incomplete or the password does not unseal";
	if (!(c = imap_open(&server, folder, &err)))
		return arena_strdup(a, err.message);
	if (imap_status(c, &uidvalidity, &uidnext, &err)) {
		problem = arena_strdup(a, err.message);
		goto out;
	}
	if (ps->validity && ps->validity != uidvalidity) {
		log_info("mailbox %s: UIDVALIDITY changed, taking its unread messages again",
			 o->box.address);
		ps->validity = ps->last = 0;
	}
	unseen_only = !ps->validity;
	if (uidnext && uidnext <= ps->last + 1)
		goto out;
	if ((unseen_only ? imap_uids_unseen : imap_uids_from)(c, ps->last + 1, POLL_BATCH, &uids, &n,
							      a, &err)) {
		problem = arena_strdup(a, err.message);
		goto out;
	}
	for (int i = 0; i < n && !stopping(o->p); i++) {
		struct mail_result res;
		enum err_code rc;
		char *data;
		size_t len;

		rc = imap_fetch(c, uids[i], &data, &len, a, &err);
		if (!rc)
			rc = mail_ingest(o->p->store, data, len, o->box.address, &res, &err);
		if (rc && rc != E_INVALID && rc != E_TOO_LARGE) {
			problem = arena_printf(a, "UID %" PRId64 ": %s", uids[i], err.message);
			/*
			 * A database that is away is not the message's fault. (An IMAP
			 * server that is away fails imap_open, before any message.)
			 */
			if (rc == E_UNAVAILABLE && store_ping(o->p->store, &err))
				break;
			if (!failed_on(ps, uids[i]))
				break; /* not stored: the next round tries it again */
			log_error("mailbox %s: skipping UID %" PRId64 " after %d failed rounds: %s",
				  o->box.address, uids[i], POLL_GIVE_UP, problem);
			problem = arena_printf(a, "skipped %s", problem);
			ps->last = uids[i];
			continue;
		}
		if (rc) /* it will never be an email deskd can store: leave it read in the folder */
			log_error("mailbox %s: UID %" PRId64 " refused: %s", o->box.address,
				  uids[i], err.message);
		if (imap_mark_seen(c, uids[i], &err))
			log_error("mailbox %s: cannot mark UID %" PRId64 " seen: %s",
				  o->box.address, uids[i], err.message);
		ps->last = uids[i];
	}
	/* the unread backlog is taken: from now on everything above is new */
	if (unseen_only && n < POLL_BATCH && !problem) {
		ps->validity = uidvalidity;
		if (uidnext - 1 > ps->last)
			ps->last = uidnext - 1;
	}
out:
	imap_close(c);
	return problem;
}

/* Marks mailbox `id` as being polled; 0 when it already is (or too many are). */
static int take(struct mail_poller *p, int64_t id)
{
	int ok;

	pthread_mutex_lock(&p->lock);
	ok = p->n_busy < POLL_MAX;
	for (int i = 0; i < p->n_busy && ok; i++)
		ok = p->busy[i] != id;
	if (ok)
		p->busy[p->n_busy++] = id;
	pthread_mutex_unlock(&p->lock);
	return ok;
}

static void done(struct mail_poller *p, int64_t id)
{
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->n_busy; i++) {
		if (p->busy[i] == id) {
			p->busy[i] = p->busy[--p->n_busy];
			break;
		}
	}
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
}

static void *poll_thread(void *arg)
{
	struct poll_one *o = arg;
	struct poll_state ps = { o->box.imap_uidvalidity, o->box.imap_last_uid,
				 o->box.imap_failed_uid, o->box.imap_failures };
	struct arena a;
	struct error err;
	const char *problem;

	arena_init(&a);
	problem = poll_mailbox(o, &ps, &a);
	if (problem)
		log_error("mailbox %s: %s", o->box.address, problem);
	else
		ps.failures = 0;
	if (store_mailbox_polled(o->p->store, o->box.id, ps.validity, ps.last, ps.failed_uid,
				 ps.failures, problem, &err))
		log_error("mailbox %s: recording the poll: %s", o->box.address, err.message);
	arena_release(&a);
	done(o->p, o->box.id);
	arena_release(&o->arena);
	free(o);
	return NULL;
}

/*
 * Starts a poll of every active mailbox with IMAP settings that is not being
 * polled already. Each runs in its own detached thread: a slow server delays
 * its own mailbox only.
 */
static void poll_round(struct mail_poller *p)
{
	mailbox_list boxes = {0};
	struct arena a;
	struct error err;
	pthread_attr_t attr;

	arena_init(&a);
	if (store_mailbox_list(p->store, &boxes, &a, &err)) {
		log_error("listing mailboxes: %s", err.message);
		arena_release(&a);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < boxes.n; i++) {
		const struct mailbox *b = &boxes.items[i];
		json_t *s = json_loads(b->settings, 0, NULL);
		int has_imap = json_is_object(json_object_get(s, "imap"));
		struct poll_one *o;
		pthread_t thread;

		json_decref(s);
		if (!b->active || !has_imap || !take(p, b->id))
			continue;
		o = xcalloc(1, sizeof(*o));
		o->p = p;
		arena_init(&o->arena);
		o->box = *b;
		o->box.address = arena_strdup(&o->arena, b->address);
		o->box.name = arena_strdup(&o->arena, b->name);
		o->box.settings = arena_strdup(&o->arena, b->settings);
		o->box.poll_error = NULL;
		if (pthread_create(&thread, &attr, poll_thread, o)) {
			log_error("cannot start polling %s", b->address);
			done(p, b->id);
			arena_release(&o->arena);
			free(o);
		}
	}
	pthread_attr_destroy(&attr);
	arena_release(&a);
}

static void *poller_main(void *arg)
{
	struct mail_poller *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct timespec ts;

		pthread_mutex_unlock(&p->lock);
		poll_round(p);
		pthread_mutex_lock(&p->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += p->seconds;
		while (!p->stopping && pthread_cond_timedwait(&p->cond, &p->lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct mail_poller *mail_poll_start(struct store *st)
{
	struct mail_poller *p = xcalloc(1, sizeof(*p));
	const char *s = getenv("DESKD_MAIL_POLL_SECONDS");

	p->store = st;
	p->seconds = s && atoi(s) > 0 ? atoi(s) : 60;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_cond_init(&p->idle, NULL);
	if (pthread_create(&p->thread, NULL, poller_main, p))
		die("cannot start the mail poller");
	return p;
}

void mail_poll_stop(struct mail_poller *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	/* the polls in flight end now: a message not stored stays unseen for next time */
	mail_transfers_abort();
	pthread_mutex_lock(&p->lock);
	while (p->n_busy)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
