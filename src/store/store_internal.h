/*
 * store_internal.h - what the store_*.c files share.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include "store/db.h"
#include "store/store.h"

#include <string.h>

/** Runs fn in a transaction (see docs/ARCHITECTURE.md: group commit on SQLite). */
typedef enum err_code (*store_write_fn)(struct db *db, void *arg, struct error *err);
enum err_code store_write(struct store *st, store_write_fn fn, void *arg, struct error *err);

/** A pooled connection for reading; give it back with store_release. */
struct db *store_acquire(struct store *st);
void store_release(struct store *st, struct db *db);
enum db_backend store_backend(struct store *st);

/** Runs one read statement on a pooled connection. */
enum err_code store_read(struct store *st, const char *sql, const struct db_arg *args, int nargs,
			 db_row_fn fn, void *arg, struct error *err);

/** Maps a db_query failure to an err_code: DB_CONSTRAINT -> E_CONFLICT, others E_INTERNAL. */
enum err_code store_fail(struct db *db, int rc, struct error *err, const char *what);

/** Appends one zeroed item to an arena list and returns it. */
#define LIST_PUSH(list, a) ((__typeof__((list)->items))list_push((void **)&(list)->items, &(list)->n, &(list)->cap, sizeof(*(list)->items), (a)))
void *list_push(void **items, int *n, int *cap, size_t size, struct arena *a);

/** A row callback that stores column 0 as an int64 into *(int64_t *)arg. */
int row_int(struct db_row *row, void *arg);

/** Copies column `col` into the arena, or NULL when the column is NULL. */
const char *col_str(struct db_row *row, int col, struct arena *a);
/** An integer column (an id, a time), 0 when NULL. */
int64_t col_time(struct db_row *row, int col);

/**
 * Writes an events row and, for each active webhook subscribed to `type`, a
 * delivery and a job carrying `data` (a JSON object) as the payload's "data".
 * Takes ownership of `changes` and `data`.
 */
enum err_code store_record_event(struct db *db, int64_t ticket_id, int64_t customer_id,
				 int64_t actor_id, const char *type, json_t *changes, json_t *data,
				 struct error *err);
/**
 * Like store_record_event, but the payload's "data" is made by data_fn(arg)
 * only when a webhook wants the event: a message's payload is sanitised HTML,
 * too dear to build inside the writer's transaction for nobody.
 */
enum err_code store_record_event_lazy(struct db *db, int64_t ticket_id, int64_t customer_id,
				      int64_t actor_id, const char *type, json_t *changes,
				      json_t *(*data_fn)(void *arg), void *arg, struct error *err);
/** The same for an event about an order: the order's timeline and audit log. */
enum err_code store_record_order_event(struct db *db, int64_t order_id, int64_t customer_id,
				       int64_t actor_id, const char *type, json_t *changes,
				       json_t *(*data_fn)(void *arg), void *arg, struct error *err);

/** Replaces the search tokens of one document (kind: ticket, message, customer). */
enum err_code store_index(struct db *db, const char *kind, int64_t id, const char *text,
			  struct error *err);

/** Notes that a document waits in search_pending (SQLite). */
void store_search_queued(void);

/** How many documents were queued since the last flush (an estimate). */
int store_search_backlog(void);

/** Moves every pending document into the FTS5 tables, inside a write (SQLite). */
enum err_code store_search_flush(struct db *db, void *arg, struct error *err);

/** Reads the ticket with this id through `db` (inside a write as well). */
enum err_code ticket_load(struct db *db, int64_t id, struct ticket *out, struct arena *a,
			  struct error *err);
/** The order `where` names (SQL on the orders table), with its items, shipments and scans. */
enum err_code order_load(struct db *db, const char *where, const struct db_arg *args, int nargs,
			 struct order *out, int *found, struct arena *a, struct error *err);
/**
 * After an inbound customer message (not a bounce) of ticket `ticket_id`,
 * once its ticket is whole (store_wismo.c): the day's counts, and the
 * automatic WISMO answer when the ticket's store says `auto`. `wismo`: the
 * classifier found the message a WISMO question; `automated`: a machine sent it.
 */
enum err_code wismo_after_inbound(struct db *db, int64_t ticket_id, int wismo, int automated,
				  struct arena *a, struct error *err);
/** Whether deskd answered or questioned the ticket by itself (no acknowledgement then). */
int wismo_answered(struct db *db, int64_t ticket_id);
/** Creates a customer inside a write; shared with ticket creation. */
enum err_code customer_insert(struct db *db, int64_t actor_id, const char *name,
			      const struct identity *ids, int n_ids, struct customer *out,
			      struct arena *a, struct error *err);
enum err_code customer_load(struct db *db, int64_t id, struct customer *out, struct arena *a,
			    struct error *err);

/** The customer with this email address, created when new. */
enum err_code customer_for_email(struct db *db, const char *email, const char *name, int64_t *id,
				 struct arena *a, struct error *err);
/**
 * Creates a ticket with its first message inside a write (no idempotency);
 * *wismo says whether the classifier found that message a WISMO question.
 */
enum err_code ticket_insert(struct db *db, const struct ticket_new *tn, struct ticket *out,
			    int64_t *message_id, int *wismo, struct arena *a, struct error *err);
/** Adds a message to a ticket inside a write: status, first response, events, email. */
enum err_code message_insert(struct db *db, const struct message_new *mn, struct message *out,
			     struct arena *a, struct error *err);

/* store_mail.c */

/** Puts the agent's uploads `ids` on message m (E_INVALID for one that is not theirs or used). */
enum err_code attachments_link(struct db *db, struct message *m, int64_t user_id,
			       const int64_t *ids, int n, struct arena *a, struct error *err);
/** Queues an email for a public reply when the ticket has a mailbox and an address. */
enum err_code mail_queue_reply(struct db *db, const struct ticket *t, struct message *m,
			       struct arena *a, struct error *err);
/** Queues the email job of a message whose email is (again) `queued`. */
enum err_code mail_queue_job(struct db *db, int64_t message_id, struct error *err);
/** Fills the attachments of each message in the list (one query). */
int messages_load_attachments(struct db *db, int64_t ticket_id, message_list *list,
			      struct arena *a);

/*
 * A window that began at or before $3 (now - the window's length) has passed
 * and starts over at 1; otherwise the attempt adds one to it. Binds $1 the
 * key, $2 now. The login throttle (store_login.c) and the tracking page's
 * (store_track.c) count with it.
 */
/** Reads SQL_COUNT_ATTEMPT's row into the struct login_count at arg. */
int login_read_count(struct db_row *row, void *arg);

#define SQL_COUNT_ATTEMPT                                                                                \
	"INSERT INTO login_attempts (key, window_start, attempts) VALUES ($1, $2, 1)"              \
	" ON CONFLICT (key) DO UPDATE SET"                                                         \
	" window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2"                      \
	" ELSE login_attempts.window_start END,"                                                   \
	" attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1"                           \
	" ELSE login_attempts.attempts + 1 END"                                                    \
	" RETURNING attempts, window_start"

#endif
