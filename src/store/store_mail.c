/*
 * store_mail.c - attachments, mailboxes, inbound email and the outbound email queue.
 *
 * File contents live once in `blobs`, keyed by their SHA-256; `attachments`
 * name them on messages. Every Message-ID deskd stores or sends is a row of
 * `mail_ids`, which is how replies find their ticket and how a second
 * delivery of the same email finds the first. See docs/ARCHITECTURE.md, "Email".
 */
#include "core/mail.h"
#include "core/render.h"
#include "core/template.h"
#include "core/ticket.h"
#include "store/store_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t col_opt(struct db_row *row, int col)
{
	return db_col_null(row, col) ? 0 : db_col_int(row, col);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Message-IDs longer than this are kept by their hash: a key must fit in an index entry. */
#define MAIL_ID_MAX 250

static const char *id_key(const char *id, char buf[72])
{
	char hex[65];

	if (strlen(id) <= MAIL_ID_MAX)
		return id;
	sha256_hex(id, strlen(id), hex);
	snprintf(buf, 72, "long:%s", hex);
	return buf;
}

static enum err_code blob_put(struct db *db, const void *data, size_t len, const char *sha256,
			      struct error *err)
{
	struct db_arg args[] = { DB_S(sha256), DB_I((int64_t)len), DB_B(data, len),
				 DB_I(time_now_us()) };
	int rc = db_query(db,
			  "INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4)"
			  " ON CONFLICT (sha256) DO NOTHING",
			  args, 4, NULL, NULL);

	return rc ? store_fail(db, rc, err, "storing file") : E_OK;
}

/* --- attachments --- */

#define ATTACHMENT_COLS                                                                    \
	"id, message_id, filename, content_type, content_id, sha256, size, inline, uploaded_by," \
	" created_at"

struct attachment_read {
	struct attachment *one;
	struct message *msg; /* append to this message's list */
	int cap;
	struct arena *a;
	int found;
};

static void fill_attachment(struct db_row *row, struct attachment *t, struct arena *a)
{
	t->id = db_col_int(row, 0);
	t->message_id = col_opt(row, 1);
	t->filename = col_str(row, 2, a);
	t->content_type = col_str(row, 3, a);
	t->content_id = col_str(row, 4, a);
	t->sha256 = col_str(row, 5, a);
	t->size = db_col_int(row, 6);
	t->is_inline = (int)db_col_int(row, 7);
	t->uploaded_by = col_opt(row, 8);
	t->created_at = db_col_int(row, 9);
}

static int read_attachment(struct db_row *row, void *arg)
{
	struct attachment_read *r = arg;
	struct attachment *t = r->one;

	if (r->msg)
		t = list_push((void **)&r->msg->attachments, &r->msg->n_attachments, &r->cap,
			      sizeof(*t), r->a);
	fill_attachment(row, t, r->a);
	r->found = 1;
	return 0;
}

struct attachment_new {
	int64_t user_id, message_id;
	const char *filename, *content_type, *content_id;
	const void *data;
	size_t size;
	int is_inline;
	const char *sha256; /* NULL: computed */
};

/*
 * A file name without the invisible characters that reorder what is shown
 * (bidirectional overrides and marks): "invoice\u202Efdp.exe" would read as
 * "invoiceexe.pdf" in the conversation and in every email that carries it.
 */
static const char *visible_name(const char *name, struct arena *a)
{
	char *out = arena_strdup(a, name), *w = out;

	for (const unsigned char *p = (const unsigned char *)name; *p;) {
		int skip = (p[0] == 0xe2 && p[1] == 0x80 &&
			    (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae))) ||
			   (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);

		if (skip)
			p += 3;
		else
			*w++ = (char)*p++;
	}
	*w = '\0';
	return *out ? out : "attachment";
}

static enum err_code attachment_insert(struct db *db, const struct attachment_new *n,
				       struct attachment_read *r, struct error *err)
{
	char sha[65];
	enum err_code rc;
	int qrc;

	if (n->sha256)
		snprintf(sha, sizeof(sha), "%s", n->sha256);
	else
		sha256_hex(n->data, n->size, sha);
	if ((rc = blob_put(db, n->data, n->size, sha, err)))
		return rc;
	struct db_arg args[] = { DB_ID(n->message_id), DB_S(visible_name(n->filename, r->a)),
				 DB_S(n->content_type),
				 DB_S(n->content_id),  DB_T(sha),	  DB_I((int64_t)n->size),
				 DB_I(n->is_inline),   DB_ID(n->user_id), DB_I(time_now_us()) };
	qrc = db_query(db,
		       "INSERT INTO attachments (message_id, filename, content_type, content_id,"
		       " sha256, size, inline, uploaded_by, created_at)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING " ATTACHMENT_COLS,
		       args, 9, read_attachment, r);
	return qrc ? store_fail(db, qrc, err, "storing attachment") : E_OK;
}

struct upload {
	const struct attachment_new *n;
	struct attachment *out;
	struct arena *a;
};

static enum err_code upload_tx(struct db *db, void *arg, struct error *err)
{
	struct upload *u = arg;

	return attachment_insert(db, u->n, &(struct attachment_read){ .one = u->out, .a = u->a },
				 err);
}

enum err_code store_attachment_create(struct store *st, int64_t user_id, const char *filename,
				      const char *content_type, const void *data, size_t size,
				      struct attachment *out, struct arena *a, struct error *err)
{
	struct attachment_new n = { .user_id = user_id,
				    .filename = filename,
				    .content_type = content_type,
				    .data = data,
				    .size = size };

	return store_write(st, upload_tx, &(struct upload){ &n, out, a }, err);
}

struct blob_read {
	const unsigned char **data; /* a copy in the arena */
	unsigned char **owned; /* or a malloc'd one */
	size_t *size;
	int64_t *ticket_id;
	struct arena *a;
	int found;
};

static int read_blob(struct db_row *row, void *arg)
{
	struct blob_read *r = arg;
	size_t n;
	const unsigned char *p = db_col_blob(row, 0, &n);
	unsigned char *copy;

	if (r->owned) {
		free(*r->owned); /* a query run again after a lost connection */
		copy = *r->owned = xmalloc(n + 1);
	} else {
		copy = arena_alloc(r->a, n + 1);
		*r->data = copy;
	}
	memcpy(copy, p, n);
	copy[n] = 0;
	if (r->size)
		*r->size = n;
	if (r->ticket_id)
		*r->ticket_id = db_col_int(row, 1);
	r->found = 1;
	return 0;
}

enum err_code store_attachment_get(struct store *st, int64_t id, struct attachment *out,
				   unsigned char **data, struct arena *a, struct error *err)
{
	struct attachment_read r = { .one = out, .a = a };
	struct db_arg args[] = { DB_I(id) };
	struct blob_read b = { .owned = data };
	enum err_code rc;

	rc = store_read(st, "SELECT " ATTACHMENT_COLS " FROM attachments WHERE id = $1", args, 1,
			read_attachment, &r, err);
	if (rc)
		return rc;
	if (!r.found)
		return error_set(err, E_NOT_FOUND, "no attachment %lld", (long long)id);
	if (!data)
		return E_OK;
	*data = NULL;
	struct db_arg bargs[] = { DB_S(out->sha256) };
	rc = store_read(st, "SELECT data FROM blobs WHERE sha256 = $1", bargs, 1, read_blob, &b,
			err);
	if (rc == E_OK && !b.found)
		rc = error_set(err, E_INTERNAL, "the file of attachment %lld is missing",
			       (long long)id);
	if (rc) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

enum err_code store_message_raw(struct store *st, int64_t message_id, int64_t *ticket_id,
				unsigned char **data, size_t *size, struct error *err)
{
	struct blob_read b = { .owned = data, .size = size, .ticket_id = ticket_id };
	struct db_arg args[] = { DB_I(message_id) };
	enum err_code rc;

	*data = NULL;
	rc = store_read(st,
			"SELECT b.data, m.ticket_id FROM messages m JOIN blobs b"
			" ON b.sha256 = m.raw_sha256 WHERE m.id = $1",
			args, 1, read_blob, &b, err);
	if (rc == E_OK && !b.found)
		rc = error_set(err, E_NOT_FOUND, "message %lld has no original email",
			       (long long)message_id);
	if (rc) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

enum err_code attachments_link(struct db *db, struct message *m, int64_t user_id,
			       const int64_t *ids, int n, struct arena *a, struct error *err)
{
	struct attachment_read r = { .msg = m, .a = a };

	for (int i = 0; i < n; i++) {
		struct db_arg args[] = { DB_I(m->id), DB_I(ids[i]), DB_I(user_id) };
		int qrc;

		r.found = 0;
		qrc = db_query(db,
			       "UPDATE attachments SET message_id = $1 WHERE id = $2 AND"
			       " uploaded_by = $3 AND message_id IS NULL RETURNING " ATTACHMENT_COLS,
			       args, 3, read_attachment, &r);
		if (qrc)
			return store_fail(db, qrc, err, "attaching file");
		if (!r.found)
			return error_set(err, E_INVALID,
					 "attachment %lld is not an upload of yours waiting to be sent",
					 (long long)ids[i]);
	}
	return E_OK;
}

struct string_list {
	const char ***items;
	int *n, cap;
	struct arena *a;
};

static int read_string(struct db_row *row, void *arg)
{
	struct string_list *r = arg;

	*(const char **)list_push((void **)r->items, r->n, &r->cap, sizeof(char *), r->a) =
		col_str(row, 0, r->a);
	return 0;
}

/*
 * Uploads no message took within a day are deleted, with their bytes unless
 * something else holds the same file: an upload is meant for the next reply,
 * and nobody may fill the database with files no one sees.
 */
static enum err_code uploads_expire_tx(struct db *db, void *arg, struct error *err)
{
	int64_t before = *(int64_t *)arg;
	struct { const char **items; int n, cap; } gone = { 0 };
	struct string_list shas = { (const char ***)&gone.items, &gone.n, 0, NULL };
	struct arena a;
	struct db_arg args[] = { DB_I(before) };
	int qrc;

	arena_init(&a);
	shas.a = &a;
	qrc = db_query(db,
		       "DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1"
		       " RETURNING sha256",
		       args, 1, read_string, &shas);
	for (int i = 0; !qrc && i < gone.n; i++) {
		struct db_arg b_args[] = { DB_S(gone.items[i]) };

		qrc = db_query(db,
			       "DELETE FROM blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM"
			       " attachments WHERE sha256 = $1) AND NOT EXISTS (SELECT 1 FROM messages"
			       " WHERE raw_sha256 = $1)",
			       b_args, 1, NULL, NULL);
	}
	arena_release(&a);
	return qrc ? store_fail(db, qrc, err, "expiring uploads") : E_OK;
}

enum err_code store_uploads_expire(struct store *st, int64_t before, struct error *err)
{
	return store_write(st, uploads_expire_tx, &before, err);
}

struct attachments_of {
	message_list *list;
	int at, cap;
	struct arena *a;
};

/* Rows come ordered by message id, as the list is: one pass pairs them. */
static int read_message_attachment(struct db_row *row, void *arg)
{
	struct attachments_of *r = arg;
	int64_t message_id = db_col_int(row, 1);

	while (r->at < r->list->n && r->list->items[r->at].id < message_id) {
		r->at++;
		r->cap = 0;
	}
	if (r->at == r->list->n || r->list->items[r->at].id != message_id)
		return 0;
	struct message *m = &r->list->items[r->at];
	fill_attachment(row,
			list_push((void **)&m->attachments, &m->n_attachments, &r->cap,
				  sizeof(*m->attachments), r->a),
			r->a);
	return 0;
}

int messages_load_attachments(struct db *db, int64_t ticket_id, message_list *list,
			      struct arena *a)
{
	struct attachments_of r = { .list = list, .a = a };
	struct db_arg args[] = { DB_I(ticket_id) };

	return db_query(db,
			"SELECT a.id, a.message_id, a.filename, a.content_type, a.content_id,"
			" a.sha256, a.size, a.inline, a.uploaded_by, a.created_at FROM attachments a"
			" JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = $1"
			" ORDER BY a.message_id, a.id",
			args, 1, read_message_attachment, &r);
}

/* --- mailboxes --- */

#define MAILBOX_COLS                                                                     \
	"id, address, name, settings, active, imap_uidvalidity, imap_last_uid, polled_at," \
	" poll_error, created_at, updated_at, deleted, imap_failed_uid, imap_failures"

struct mailbox_read {
	struct mailbox *one;
	mailbox_list *many;
	struct arena *a;
	int found;
};

static int read_mailbox(struct db_row *row, void *arg)
{
	struct mailbox_read *r = arg;
	struct mailbox *m = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	m->id = db_col_int(row, 0);
	m->address = col_str(row, 1, r->a);
	m->name = col_str(row, 2, r->a);
	m->settings = col_str(row, 3, r->a);
	m->active = (int)db_col_int(row, 4);
	m->imap_uidvalidity = col_opt(row, 5);
	m->imap_last_uid = db_col_int(row, 6);
	m->polled_at = col_opt(row, 7);
	m->poll_error = col_str(row, 8, r->a);
	m->created_at = db_col_int(row, 9);
	m->updated_at = db_col_int(row, 10);
	m->deleted = (int)db_col_int(row, 11);
	m->imap_failed_uid = db_col_int(row, 12);
	m->imap_failures = (int)db_col_int(row, 13);
	r->found = 1;
	return 0;
}

enum err_code store_mailbox_list(struct store *st, mailbox_list *out, struct arena *a,
				 struct error *err)
{
	struct mailbox_read r = { .many = out, .a = a };

	return store_read(st, "SELECT " MAILBOX_COLS " FROM mailboxes ORDER BY id", NULL, 0,
			  read_mailbox, &r, err);
}

static enum err_code mailbox_one(struct store *st, const char *sql, struct db_arg arg,
				 struct mailbox *out, struct arena *a, struct error *err)
{
	struct mailbox_read r = { .one = out, .a = a };
	enum err_code rc = store_read(st, sql, &arg, 1, read_mailbox, &r, err);

	if (rc == E_OK && !r.found)
		rc = error_set(err, E_NOT_FOUND, "no such mailbox");
	return rc;
}

enum err_code store_mailbox_get(struct store *st, int64_t id, struct mailbox *out, struct arena *a,
				struct error *err)
{
	return mailbox_one(st, "SELECT " MAILBOX_COLS " FROM mailboxes WHERE id = $1", DB_I(id),
			   out, a, err);
}

enum err_code store_mailbox_by_address(struct store *st, const char *address,
				       struct mailbox *out, struct arena *a, struct error *err)
{
	return mailbox_one(st,
			   "SELECT " MAILBOX_COLS " FROM mailboxes WHERE address = $1 AND active = 1",
			   DB_S(address), out, a, err);
}

struct mailbox_write {
	int64_t id;
	const char *address, *name, *settings;
	int active;
	struct mailbox *out;
	struct arena *a;
};

static enum err_code mailbox_create_tx(struct db *db, void *arg, struct error *err)
{
	struct mailbox_write *w = arg;
	struct mailbox_read r = { .one = w->out, .a = w->a };
	int64_t now = time_now_us();
	struct db_arg args[] = { DB_S(w->address), DB_S(w->name), DB_S(w->settings), DB_I(now) };
	int qrc = db_query(db,
			   "INSERT INTO mailboxes (address, name, settings, created_at, updated_at)"
			   " VALUES ($1, $2, $3, $4, $4) RETURNING " MAILBOX_COLS,
			   args, 4, read_mailbox, &r);

	if (qrc == DB_CONSTRAINT)
		return error_set(err, E_CONFLICT, "a mailbox for %s exists already", w->address);
	return qrc ? store_fail(db, qrc, err, "creating mailbox") : E_OK;
}

enum err_code store_mailbox_create(struct store *st, const char *address, const char *name,
				   const char *settings, struct mailbox *out, struct arena *a,
				   struct error *err)
{
	struct mailbox_write w = { .address = address, .name = name, .settings = settings,
				   .out = out, .a = a };

	return store_write(st, mailbox_create_tx, &w, err);
}

static enum err_code mailbox_update_tx(struct db *db, void *arg, struct error *err)
{
	struct mailbox_write *w = arg;
	struct mailbox_read r = { .one = w->out, .a = w->a };
	struct db_arg args[] = { DB_I(w->id), DB_S(w->name), DB_S(w->settings),
				 w->active < 0 ? DB_NIL : DB_I(w->active), DB_I(time_now_us()) };
	int qrc = db_query(db,
			   "UPDATE mailboxes SET name = COALESCE($2, name),"
			   " settings = COALESCE($3, settings), active = COALESCE($4, active),"
			   " updated_at = $5 WHERE id = $1 AND deleted = 0 RETURNING " MAILBOX_COLS,
			   args, 5, read_mailbox, &r);

	if (qrc)
		return store_fail(db, qrc, err, "changing mailbox");
	if (!r.found)
		return error_set(err, E_NOT_FOUND, "no mailbox %lld", (long long)w->id);
	/* new settings may be what the waiting emails waited for: try them now */
	struct db_arg j_args[] = { DB_I(time_now_us()) };
	if (w->settings && (qrc = db_query(db,
					   "UPDATE jobs SET run_at = $1 WHERE kind = 'email' AND"
					   " state = 'pending' AND run_at > $1",
					   j_args, 1, NULL, NULL)))
		return store_fail(db, qrc, err, "retrying emails");
	return E_OK;
}

enum err_code store_mailbox_update(struct store *st, int64_t id, const char *name,
				   const char *settings, int active, struct mailbox *out,
				   struct arena *a, struct error *err)
{
	struct mailbox_write w = { .id = id, .name = name, .settings = settings,
				   .active = active, .out = out, .a = a };

	return store_write(st, mailbox_update_tx, &w, err);
}

/* Deleting keeps the row (tickets name it) but retires it and frees its address. */
static enum err_code mailbox_delete_tx(struct db *db, void *arg, struct error *err)
{
	int64_t id = *(int64_t *)arg, found = 0;
	struct db_arg args[] = { DB_I(id), DB_I(time_now_us()) };
	int qrc = db_query(db,
			   "UPDATE mailboxes SET active = 0, deleted = 1, address = 'deleted-' || id ||"
			   " '-' || address, updated_at = $2 WHERE id = $1 AND deleted = 0 RETURNING id",
			   args, 2, row_int, &found);

	if (qrc)
		return store_fail(db, qrc, err, "deleting mailbox");
	return found ? E_OK : error_set(err, E_NOT_FOUND, "no mailbox %lld", (long long)id);
}

enum err_code store_mailbox_delete(struct store *st, int64_t id, struct error *err)
{
	return store_write(st, mailbox_delete_tx, &id, err);
}

struct polled {
	int64_t id, uidvalidity, last_uid, failed_uid;
	int failures;
	const char *error;
};

static enum err_code polled_tx(struct db *db, void *arg, struct error *err)
{
	struct polled *p = arg;
	struct db_arg args[] = { DB_I(p->id),	      DB_ID(p->uidvalidity), DB_I(p->last_uid),
				 DB_I(time_now_us()), DB_S(p->error),	     DB_I(p->failed_uid),
				 DB_I(p->failures) };
	int qrc = db_query(db,
			   "UPDATE mailboxes SET imap_uidvalidity = $2, imap_last_uid = $3,"
			   " polled_at = $4, poll_error = $5, imap_failed_uid = $6,"
			   " imap_failures = $7 WHERE id = $1",
			   args, 7, NULL, NULL);

	return qrc ? store_fail(db, qrc, err, "recording poll") : E_OK;
}

enum err_code store_mailbox_polled(struct store *st, int64_t id, int64_t uidvalidity,
				   int64_t last_uid, int64_t failed_uid, int failures,
				   const char *error, struct error *err)
{
	struct polled p = { id, uidvalidity, last_uid, failed_uid, failures, error };

	return store_write(st, polled_tx, &p, err);
}

/* --- the outbound queue --- */

/* The mailbox a ticket's email goes out by: its own while active, else the first active one. */
#define TICKET_MAILBOX                                                                 \
	"SELECT b.id, b.address FROM mailboxes b WHERE b.active = 1 AND"                \
	" (b.id = (SELECT mailbox_id FROM tickets WHERE id = $1) OR NOT EXISTS"         \
	" (SELECT 1 FROM mailboxes c, tickets t WHERE t.id = $1 AND"                    \
	" c.id = t.mailbox_id AND c.active = 1)) ORDER BY b.id LIMIT 1"

struct ticket_mail {
	int64_t mailbox_id;
	const char *address;
	struct arena *a;
};

static int read_ticket_mail(struct db_row *row, void *arg)
{
	struct ticket_mail *r = arg;

	r->mailbox_id = db_col_int(row, 0);
	r->address = col_str(row, 1, r->a);
	return 0;
}

static int read_text(struct db_row *row, void *arg)
{
	struct { const char *s; struct arena *a; } *r = arg;

	r->s = col_str(row, 0, r->a);
	return 0;
}

/* The customer's email address, NULL if they have none. */
static const char *customer_email(struct db *db, int64_t customer_id, struct arena *a, int *qrc)
{
	struct { const char *s; struct arena *a; } r = { NULL, a };
	struct db_arg args[] = { DB_I(customer_id) };

	*qrc = db_query(db,
			"SELECT value FROM identities WHERE customer_id = $1 AND type = 'email'"
			" ORDER BY id LIMIT 1",
			args, 1, read_text, &r);
	return r.s;
}

static enum err_code record_mail_id(struct db *db, const char *mail_id, int64_t ticket_id,
				    int64_t message_id, struct error *err)
{
	char buf[72];
	struct db_arg args[] = { DB_T(id_key(mail_id, buf)), DB_I(ticket_id), DB_I(message_id) };
	int qrc = db_query(db, "INSERT INTO mail_ids (mail_id, ticket_id, message_id) VALUES ($1, $2, $3)",
			   args, 3, NULL, NULL);

	return qrc ? store_fail(db, qrc, err, "recording Message-ID") : E_OK;
}

enum err_code mail_queue_job(struct db *db, int64_t message_id, struct error *err)
{
	struct db_arg args[] = { DB_I(message_id), DB_I(time_now_us()) };
	int qrc = db_query(db,
			   "INSERT INTO jobs (kind, ref_id, state, run_at, attempts, created_at)"
			   " VALUES ('email', $1, 'pending', $2, 0, $2)",
			   args, 2, NULL, NULL);

	return qrc ? store_fail(db, qrc, err, "queueing email") : E_OK;
}

/*
 * A ticket's replies go out through the mailbox its email came in by, or the
 * first active mailbox for tickets from other channels. The Message-ID is
 * chosen now and kept, so a resend after a crash carries the same one.
 */
enum err_code mail_queue_reply(struct db *db, const struct ticket *t, struct message *m,
			       struct arena *a, struct error *err)
{
	struct ticket_mail tm = { .a = a };
	struct db_arg args[] = { DB_I(t->id) };
	const char *to, *domain;
	unsigned char rnd[8];
	char hex[17];
	enum err_code rc;
	int qrc;

	qrc = db_query(db,
		       TICKET_MAILBOX,
		       args, 1, read_ticket_mail, &tm);
	if (qrc)
		return store_fail(db, qrc, err, "finding mailbox");
	to = tm.mailbox_id ? customer_email(db, t->customer_id, a, &qrc) : NULL;
	if (qrc)
		return store_fail(db, qrc, err, "finding customer address");
	if (!to)
		return E_OK;
	domain = strchr(tm.address, '@');
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	m->mail_id = arena_printf(a, "deskd.%lld.%lld.%s%s", (long long)t->id, (long long)m->id,
				  hex, domain ? domain : "@deskd.invalid");
	m->mail_status = "queued";
	struct db_arg u_args[] = { DB_I(m->id), DB_S(m->mail_id) };
	qrc = db_query(db, "UPDATE messages SET mail_id = $2, mail_status = 'queued' WHERE id = $1",
		       u_args, 2, NULL, NULL);
	if (qrc)
		return store_fail(db, qrc, err, "queueing email");
	if ((rc = record_mail_id(db, m->mail_id, t->id, m->id, err)))
		return rc;
	return mail_queue_job(db, m->id, err);
}

/* --- inbound email --- */

struct mail_ref {
	int64_t ticket_id, message_id;
};

static int read_mail_ref(struct db_row *row, void *arg)
{
	struct mail_ref *r = arg;

	r->ticket_id = db_col_int(row, 0);
	r->message_id = db_col_int(row, 1);
	return 0;
}

static int find_mail_id(struct db *db, const char *mail_id, struct mail_ref *out)
{
	char buf[72];
	struct db_arg args[] = { DB_T(id_key(mail_id, buf)) };

	out->ticket_id = out->message_id = 0;
	return db_query(db, "SELECT ticket_id, message_id FROM mail_ids WHERE mail_id = $1", args,
			1, read_mail_ref, out);
}

/* The ticket a reply belongs to: its In-Reply-To, then References from the newest. */
static int thread_by_ids(struct db *db, const struct mail_message *m, int64_t *ticket_id)
{
	struct mail_ref ref = { 0 };
	int qrc = 0;

	if (m->in_reply_to)
		qrc = find_mail_id(db, m->in_reply_to, &ref);
	for (int i = m->n_references - 1; !qrc && !ref.ticket_id && i >= 0; i--)
		qrc = find_mail_id(db, m->references[i], &ref);
	*ticket_id = ref.ticket_id;
	return qrc;
}

/*
 * A "[#1042]" tag threads only mail from the ticket's own customer: anyone can
 * type a ticket number, and a stranger's mail must not land in someone else's
 * conversation (where the agent's answer would go to the customer).
 */
static int thread_by_subject(struct db *db, const char *subject, const char *sender,
			     int64_t *ticket_id)
{
	int64_t n = mail_subject_ticket_number(subject), found = 0;
	struct db_arg args[] = { DB_I(n - TICKET_NUMBER_OFFSET), DB_S(sender) };
	int qrc;

	*ticket_id = 0;
	if (!n || !sender)
		return 0;
	qrc = db_query(db,
		       "SELECT t.id FROM tickets t JOIN identities i ON i.customer_id = t.customer_id"
		       " WHERE t.id = $1 AND i.type = 'email' AND i.value = $2",
		       args, 2, row_int, &found);
	*ticket_id = found;
	return qrc;
}

/*
 * The acknowledgement's placeholders: {{ticket.id}}, {{ticket.number}},
 * {{ticket.subject}}, {{customer.name}} and {{customer.first_name}}. Any other
 * {{...}} stays as written, as acknowledgements always had it.
 */
static char *fill_template(const char *tpl, const struct ticket *t, const char *name,
			   struct arena *a)
{
	char id[24], number[24];

	snprintf(id, sizeof(id), "%lld", (long long)t->id);
	snprintf(number, sizeof(number), "%lld", (long long)(t->id + TICKET_NUMBER_OFFSET));
	const struct template_var vars[] = {
		{ "ticket.id", id },
		{ "ticket.number", number },
		{ "ticket.subject", t->subject },
		{ "customer.name", name },
		{ "customer.first_name", arena_strndup(a, name, template_first_name(name)) },
	};
	return template_render_str(a, tpl, vars, sizeof(vars) / sizeof(vars[0]),
				   TEMPLATE_KEEP_UNKNOWN, NULL);
}

/* Senders no person reads: answering them only feeds loops. */
static int machine_sender(const char *email)
{
	static const char *const locals[] = { "mailer-daemon", "postmaster", "noreply",
					      "no-reply", "donotreply", "do-not-reply", NULL };
	size_t n = email ? strcspn(email, "@") : 0;

	for (int i = 0; n && locals[i]; i++)
		if (strlen(locals[i]) == n && !strncmp(email, locals[i], n))
			return 1;
	return !email;
}

/* `old` (a JSON array text, may be NULL) plus the Cc of m (may be NULL) but the skipped ones. */
static json_t *cc_merge(const char *old, const struct mail_message *m, const char *skip1,
			const char *skip2)
{
	json_t *list = old ? json_loads(old, 0, NULL) : NULL;

	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	for (int i = 0; m && i < m->n_cc && json_array_size(list) < TICKET_CC_MAX; i++) {
		const char *e = m->cc[i].email;
		size_t j;
		json_t *v;
		int seen = !e || (skip1 && !strcmp(e, skip1)) || (skip2 && !strcmp(e, skip2));

		json_array_foreach(list, j, v)
			seen |= !strcmp(json_string_value(v) ? json_string_value(v) : "", e ? e : "");
		if (!seen)
			json_array_append_new(list, json_string(e));
	}
	return list;
}

/* Mail older than this is not acknowledged. */
#define ACK_MAX_AGE_US ((int64_t)24 * 3600 * 1000000)

struct ingest {
	const struct mail_in *in;
	struct mail_result *out;
	struct arena *a;
};

/*
 * A bounce of the latest attempt (or of none named) marks the message; one of
 * an earlier attempt is only an event (core/mail.h).
 */
static enum err_code record_bounce(struct db *db, const struct mail_message *m,
				   const struct mail_ref *orig, const char *key,
				   struct mail_result *out, struct error *err)
{
	int64_t attempt = mail_bounce_attempt(m->bounced_attempt), latest = 0;
	char summary[512];
	enum err_code rc;
	int qrc, earlier;

	snprintf(summary, sizeof(summary), "%.*s", 500, m->visible_text);
	struct db_arg id_arg[] = { DB_I(orig->message_id) };
	qrc = db_query(db, "SELECT mail_attempt FROM messages WHERE id = $1", id_arg, 1, row_int,
		       &latest);
	earlier = mail_bounce_is_earlier(attempt, latest);
	struct db_arg args[] = { DB_I(orig->message_id), DB_T(summary) };
	if (!qrc && !earlier)
		qrc = db_query(db,
			       "UPDATE messages SET mail_status = 'bounced', mail_error = $2"
			       " WHERE id = $1",
			       args, 2, NULL, NULL);
	if (qrc)
		return store_fail(db, qrc, err, "recording bounce");
	if ((rc = record_mail_id(db, key, orig->ticket_id, 0, err)))
		return rc;
	out->bounce = 1;
	out->ticket_id = orig->ticket_id;
	json_t *changes = json_pack("{sI ss* ss}", "message_id", (json_int_t)orig->message_id,
				    "from", m->from.email, "text", summary);
	json_object_set_new(changes, "attempt", attempt ? json_integer(attempt) : json_null());
	if (earlier)
		json_object_set_new(changes, "latest_attempt", json_integer(latest));
	return store_record_event(db, orig->ticket_id, 0, 0,
				  earlier ? "mail.bounced_earlier" : "mail.bounced", changes,
				  json_pack("{sI sI}", "ticket_id", (json_int_t)orig->ticket_id,
					    "message_id", (json_int_t)orig->message_id),
				  err);
}

/*
 * mail_ids also holds the ids of inbound email: a report naming one of those
 * is not about mail deskd sent, so ref is cleared and it becomes a ticket.
 */
static int sent_by_us(struct db *db, struct mail_ref *ref)
{
	struct db_arg args[] = { DB_I(ref->message_id) };
	int64_t found = 0;
	int qrc = db_query(db, "SELECT id FROM messages WHERE id = $1 AND direction = 'outbound'",
			   args, 1, row_int, &found);

	if (!found)
		ref->ticket_id = ref->message_id = 0;
	return qrc;
}

static enum err_code ingest_tx(struct db *db, void *arg, struct error *err)
{
	struct ingest *g = arg;
	const struct mail_in *in = g->in;
	const struct mail_message *m = in->m;
	struct mail_result *out = g->out;
	struct arena *a = g->a;
	const char *raw_sha = in->raw_sha256;
	const char *key, *sender, *sender_name, *body, *old_cc = NULL, *mailbox_address = NULL;
	int64_t ticket_id = 0, linked = 0, customer_id = 0, message_id = 0;
	int stranger = 0, person, wismo = 0, answerable;
	struct mail_ref ref;
	struct ticket t;
	enum err_code rc;
	int qrc;

	memset(out, 0, sizeof(*out));
	key = m->message_id ? m->message_id : arena_printf(a, "sha256:%s", raw_sha);
	if ((qrc = find_mail_id(db, key, &ref)))
		return store_fail(db, qrc, err, "looking up Message-ID");
	if (ref.ticket_id) {
		out->duplicate = 1;
		out->ticket_id = ref.ticket_id;
		out->message_id = ref.message_id;
		return E_OK;
	}
	if (m->bounce && m->bounced_message_id) {
		if ((qrc = find_mail_id(db, m->bounced_message_id, &ref)) ||
		    (ref.message_id && (qrc = sent_by_us(db, &ref))))
			return store_fail(db, qrc, err, "looking up bounced message");
		if (ref.ticket_id && ref.message_id)
			return record_bounce(db, m, &ref, key, out, err);
	}

	/*
	 * The customer is who wrote, except that web forms and shop notifications
	 * send From a no-reply address with the person in Reply-To.
	 */
	sender = m->from.email;
	sender_name = m->from.name;
	if (m->reply_to.email && (!sender || machine_sender(sender))) {
		sender = m->reply_to.email;
		sender_name = m->reply_to.name;
	}
	person = sender && strlen(sender) <= 254 && !machine_sender(sender);
	if (!sender || strlen(sender) > 254) /* no address a reply could reach */
		sender = "unknown@unknown.invalid";
	if ((qrc = thread_by_ids(db, m, &ticket_id)) ||
	    (!ticket_id && (qrc = thread_by_subject(db, m->subject, sender, &ticket_id))))
		return store_fail(db, qrc, err, "threading");
	if (ticket_id) {
		if ((rc = ticket_load(db, ticket_id, &t, a, err)))
			return rc;
		if (ticket_reply_starts_new(&t, time_now_us(), in->reopen_window_us)) {
			linked = ticket_id;
			ticket_id = 0;
		}
	}
	body = *m->visible_text ? m->visible_text : m->text;
	if (ticket_id) {
		struct message msg;

		if ((rc = customer_for_email(db, sender, sender_name, &customer_id, a, err)))
			return rc;
		/* someone else answering in the thread: their Cc does not join the ticket */
		stranger = customer_id != t.customer_id;
		struct message_new mn = { .ticket_id = ticket_id, .author_id = customer_id,
					  .kind = "reply", .direction = "inbound",
					  .author_type = "customer", .body = body, .html = m->html,
					  .bounce = m->bounce };
		if ((rc = message_insert(db, &mn, &msg, a, err)))
			return rc;
		message_id = msg.id;
		wismo = msg.wismo;
	} else {
		const char *tags[] = { "bounce" };
		struct ticket_new tn = { .subject = *m->subject ? m->subject : "(no subject)",
					 .body = body, .channel = "email", .priority = "normal",
					 .status = "new", .customer_email = sender,
					 .customer_name = sender_name, .html = m->html,
					 .tags = tags, .n_tags = m->bounce };

		if ((rc = ticket_insert(db, &tn, &t, &message_id, &wismo, a, err)))
			return rc;
		ticket_id = t.id;
		out->new_ticket = 1;
	}

	/* the mail fields of the message and the ticket, the raw email, the files */
	struct db_arg t_args[] = { DB_I(ticket_id) };
	struct { const char *s; struct arena *a; } cc_read = { NULL, a };
	qrc = db_query(db, "SELECT cc FROM tickets WHERE id = $1", t_args, 1, read_text, &cc_read);
	if (qrc)
		return store_fail(db, qrc, err, "reading ticket");
	old_cc = cc_read.s;
	if (in->mailbox_id) {
		struct db_arg b_args[] = { DB_I(in->mailbox_id) };
		struct { const char *s; struct arena *a; } addr = { NULL, a };

		if ((qrc = db_query(db, "SELECT address FROM mailboxes WHERE id = $1", b_args, 1,
				    read_text, &addr)))
			return store_fail(db, qrc, err, "reading mailbox");
		mailbox_address = addr.s;
	}
	if (stranger && old_cc && strstr(old_cc, arena_printf(a, "\"%s\"", sender)))
		stranger = 0; /* copied before: one of the conversation */
	json_t *cc = cc_merge(old_cc, stranger ? NULL : m, sender, mailbox_address);
	char *cc_text = json_dumps(cc, JSON_COMPACT);
	json_t *msg_cc = cc_merge(NULL, m, NULL, NULL);
	char *msg_cc_text = json_array_size(msg_cc) ? json_dumps(msg_cc, JSON_COMPACT) : NULL;
	struct db_arg m_args[] = { DB_I(message_id), DB_S(m->message_id), DB_S(raw_sha),
				   DB_S(msg_cc_text) };
	struct db_arg u_args[] = { DB_I(ticket_id), DB_ID(in->mailbox_id), DB_ID(linked),
				   json_array_size(cc) ? DB_S(cc_text) : DB_NIL };
	qrc = db_query(db, "UPDATE messages SET mail_id = $2, raw_sha256 = $3, cc = $4 WHERE id = $1",
		       m_args, 4, NULL, NULL);
	if (!qrc)
		qrc = db_query(db,
			       "UPDATE tickets SET mailbox_id = COALESCE(mailbox_id, $2),"
			       " linked_ticket_id = COALESCE(linked_ticket_id, $3), cc = $4"
			       " WHERE id = $1",
			       u_args, 4, NULL, NULL);
	json_decref(cc);
	json_decref(msg_cc);
	free(cc_text);
	free(msg_cc_text);
	if (qrc)
		return store_fail(db, qrc, err, "recording email fields");
	if ((rc = blob_put(db, in->raw, in->raw_len, raw_sha, err)) ||
	    (rc = record_mail_id(db, key, ticket_id, message_id, err)))
		return rc;
	for (int i = 0; i < m->n_attachments; i++) {
		const struct mail_attachment *f = &m->attachments[i];
		struct attachment ignored;
		struct attachment_new n = {
			.message_id = message_id,
			.filename = f->filename ? f->filename : "attachment",
			.content_type = f->content_type,
			.content_id = f->content_id,
			.data = f->data,
			.size = f->size,
			.is_inline = f->is_inline,
			.sha256 = f->sha256,
		};

		if ((rc = attachment_insert(db, &n, &(struct attachment_read){ .one = &ignored, .a = a },
					    err)))
			return rc;
	}
	out->ticket_id = ticket_id;
	out->message_id = message_id;
	/*
	 * Answers go to a person, never to machines, and never to old mail (a
	 * folder read again must not answer its past).
	 */
	answerable = person && !m->auto_submitted &&
		     (!m->date_us || m->date_us > time_now_us() - ACK_MAX_AGE_US);
	/* the ticket is whole (its mailbox is set): deskd may answer a WISMO question now */
	if (!m->bounce &&
	    (rc = wismo_after_inbound(db, ticket_id, wismo, !answerable, a, err)))
		return rc;

	/* an acknowledgement for a new ticket, unless deskd answered it already */
	if (out->new_ticket && in->ack_body && in->mailbox_id && answerable && !m->bounce &&
	    !wismo_answered(db, ticket_id)) {
		struct message ack;
		const char *name = sender_name ? sender_name : "";

		struct message_new mn = { .ticket_id = ticket_id, .kind = "reply",
					  .direction = "outbound", .author_type = "system",
					  .body = fill_template(in->ack_body, &t, name, a) };
		if ((rc = message_insert(db, &mn, &ack, a, err)))
			return rc;
		out->acknowledged = ack.mail_status != NULL;
	}
	return E_OK;
}

enum err_code store_mail_ingest(struct store *st, const struct mail_in *in,
				struct mail_result *out, struct error *err)
{
	struct arena a;
	struct ingest g = { in, out, &a };
	enum err_code rc;

	arena_init(&a);
	rc = store_write(st, ingest_tx, &g, err);
	/* two deliveries of one email at once: the loser finds the winner's */
	if (rc == E_CONFLICT)
		rc = store_write(st, ingest_tx, &g, err);
	arena_release(&a);
	return rc;
}

/* --- the email job --- */

struct message_one {
	struct message *m;
	struct arena *a;
	int found;
	int64_t attempt;
};

static int read_job_message(struct db_row *row, void *arg)
{
	struct message_one *r = arg;

	r->m->id = db_col_int(row, 0);
	r->m->ticket_id = db_col_int(row, 1);
	r->m->author_type = col_str(row, 2, r->a);
	r->m->body = col_str(row, 3, r->a);
	r->m->html = col_str(row, 4, r->a);
	r->m->mail_id = col_str(row, 5, r->a);
	r->m->mail_status = col_str(row, 6, r->a);
	r->m->created_at = db_col_int(row, 7);
	r->attempt = db_col_int(row, 8);
	r->found = 1;
	return 0;
}

/* Message-IDs in References at most. */
#define REFERENCES_MAX 12

static enum err_code job_load(struct db *db, int64_t message_id, struct mail_job *j,
			      struct arena *a, struct error *err)
{
	struct message_one mr = { &j->msg, a, 0, 0 };
	struct db_arg args[] = { DB_I(message_id) };
	struct ticket_mail tm = { .a = a };
	struct { const char *s; struct arena *a; } text = { NULL, a };
	struct string_list refs = { (const char ***)&j->references, &j->n_references, 0, a };
	struct attachment_read ar = { .msg = &j->msg, .a = a };
	enum err_code rc;
	int qrc;

	memset(j, 0, sizeof(*j));
	qrc = db_query(db,
		       "SELECT id, ticket_id, author_type, body, html, mail_id, mail_status,"
		       " created_at, mail_attempt FROM messages WHERE id = $1",
		       args, 1, read_job_message, &mr);
	if (qrc)
		return store_fail(db, qrc, err, "reading message");
	j->attempt = mr.attempt;
	if (!mr.found || !j->msg.mail_id)
		return error_set(err, E_NOT_FOUND, "message %lld has no email", (long long)message_id);
	/* another worker sent it already (its lease ran out while it was sending) */
	if (strcmp(j->msg.mail_status ? j->msg.mail_status : "", "queued"))
		return error_set(err, E_CONFLICT, "the email of message %lld is %s already",
				 (long long)message_id, j->msg.mail_status ? j->msg.mail_status : "gone");
	if ((rc = ticket_load(db, j->msg.ticket_id, &j->ticket, a, err)))
		return rc;
	struct db_arg t_args[] = { DB_I(j->ticket.id) };
	qrc = db_query(db,
		       TICKET_MAILBOX,
		       t_args, 1, read_ticket_mail, &tm);
	if (!qrc && tm.mailbox_id) {
		struct mailbox_read r = { .one = &j->mailbox, .a = a };
		struct db_arg b_args[] = { DB_I(tm.mailbox_id) };

		qrc = db_query(db, "SELECT " MAILBOX_COLS " FROM mailboxes WHERE id = $1", b_args,
			       1, read_mailbox, &r);
	}
	if (!qrc)
		j->to_email = customer_email(db, j->ticket.customer_id, a, &qrc);
	struct db_arg c_args[] = { DB_I(j->ticket.customer_id) };
	if (!qrc)
		qrc = db_query(db, "SELECT name FROM customers WHERE id = $1", c_args, 1, read_text,
			       &text);
	j->to_name = text.s;
	text.s = NULL;
	if (!qrc)
		qrc = db_query(db, "SELECT cc FROM tickets WHERE id = $1", t_args, 1, read_text,
			       &text);
	/* the thread: every earlier email of the ticket, oldest first */
	struct db_arg r_args[] = { DB_I(j->ticket.id), DB_I(message_id) };
	if (!qrc)
		qrc = db_query(db,
			       "SELECT mail_id FROM messages WHERE ticket_id = $1 AND id < $2 AND"
			       " mail_id IS NOT NULL ORDER BY id",
			       r_args, 2, read_string, &refs);
	if (!qrc)
		qrc = db_query(db,
			       "SELECT " ATTACHMENT_COLS " FROM attachments WHERE message_id = $1"
			       " ORDER BY id",
			       args, 1, read_attachment, &ar);
	if (qrc)
		return store_fail(db, qrc, err, "reading email");
	if (text.s) {
		json_t *cc = json_loads(text.s, 0, NULL);
		size_t i;
		json_t *v;

		j->cc = arena_alloc(a, (json_array_size(cc) + 1) * sizeof(char *));
		/* an agent may have listed the customer too: one copy is enough */
		json_array_foreach(cc, i, v)
			if (json_is_string(v) &&
			    strcasecmp(json_string_value(v), j->to_email ? j->to_email : ""))
				j->cc[j->n_cc++] = arena_strdup(a, json_string_value(v));
		json_decref(cc);
	}
	if (j->n_references)
		j->in_reply_to = j->references[j->n_references - 1];
	/* as mail clients do: the first email of the thread and the last few */
	if (j->n_references > REFERENCES_MAX) {
		memmove(&j->references[1], &j->references[j->n_references - REFERENCES_MAX + 1],
			(REFERENCES_MAX - 1) * sizeof(*j->references));
		j->n_references = REFERENCES_MAX;
	}
	j->attachment_data = arena_alloc(a, (size_t)(j->msg.n_attachments + 1) * sizeof(void *));
	for (int i = 0; i < j->msg.n_attachments; i++) {
		struct blob_read b = { .data = &j->attachment_data[i], .a = a };
		struct db_arg h_args[] = { DB_S(j->msg.attachments[i].sha256) };

		if ((qrc = db_query(db, "SELECT data FROM blobs WHERE sha256 = $1", h_args, 1,
				    read_blob, &b)))
			return store_fail(db, qrc, err, "reading attachment");
		if (!b.found)
			return error_set(err, E_INTERNAL, "an attachment's file is missing");
	}
	return E_OK;
}

enum err_code store_mail_job_load(struct store *st, int64_t message_id, struct mail_job *out,
				  struct arena *a, struct error *err)
{
	struct db *db = store_acquire(st);
	enum err_code rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = job_load(db, message_id, out, a, err);
	store_release(st, db);
	return rc;
}

struct job_result {
	int64_t job_id, message_id, retry_at;
	int ok;
	const char *error;
};

static enum err_code job_result_tx(struct db *db, void *arg, struct error *err)
{
	struct job_result *r = arg;
	const char *status = r->ok ? "sent" : r->retry_at ? "queued" : "failed";
	struct db_arg m_args[] = { DB_I(r->message_id), DB_S(status), DB_S(r->error) };
	struct db_arg j_args[] = { DB_I(r->job_id), DB_I(r->retry_at), DB_S(r->error) };
	int64_t ticket_id = 0;
	int qrc = db_query(db,
			   "UPDATE messages SET mail_status = $2, mail_error = $3 WHERE id = $1"
			   " AND mail_status = 'queued' RETURNING ticket_id",
			   m_args, 3, row_int, &ticket_id);

	/* a retry only while the message still waits: else another worker finished it */
	if (!qrc && r->retry_at && !r->ok && ticket_id)
		qrc = db_query(db,
			       "UPDATE jobs SET state = 'pending', run_at = $2, last_error = $3"
			       " WHERE id = $1",
			       j_args, 3, NULL, NULL);
	else if (!qrc)
		qrc = db_query(db, "DELETE FROM jobs WHERE id = $1", j_args, 1, NULL, NULL);
	if (qrc)
		return store_fail(db, qrc, err, "recording email");
	if (r->ok && ticket_id)
		return store_record_event(db, ticket_id, 0, 0, "mail.sent",
					  json_pack("{sI}", "message_id", (json_int_t)r->message_id),
					  json_pack("{sI sI}", "ticket_id", (json_int_t)ticket_id,
						    "message_id", (json_int_t)r->message_id),
					  err);
	if (!r->ok && !r->retry_at && ticket_id)
		return store_record_event(db, ticket_id, 0, 0, "mail.failed",
					  json_pack("{sI ss}", "message_id", (json_int_t)r->message_id,
						    "error", r->error ? r->error : ""),
					  json_pack("{sI sI}", "ticket_id", (json_int_t)ticket_id,
						    "message_id", (json_int_t)r->message_id),
					  err);
	return E_OK;
}

enum err_code store_mail_job_result(struct store *st, int64_t job_id, int64_t message_id, int ok,
				    const char *error, int64_t retry_at, struct error *err)
{
	struct job_result r = { job_id, message_id, retry_at, ok, error };

	return store_write(st, job_result_tx, &r, err);
}
