/*
 * mail.c - attachments (upload, download), original emails, inbound email
 * over HTTP and the mailboxes admins configure.
 */
#include "api/api.h"
#include "core/netguard.h"
#include "core/render.h"
#include "core/text.h"
#include "mail/ingest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* --- attachments --- */

/* A file name as given, without directories; NULL when it is not usable text. */
static const char *clean_filename(struct req *r, const char *name)
{
	const char *slash;

	if (!name)
		return NULL;
	while ((slash = strpbrk(name, "/\\")))
		name = slash + 1;
	if (!*name || strlen(name) > 255 || !text_utf8_valid(name, strlen(name), NULL))
		return NULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return NULL;
	return arena_strdup(&r->arena, name);
}

/* "type/subtype" in lower case from a Content-Type header; octet-stream when odd. */
static const char *clean_type(struct req *r, const char *ctype)
{
	size_t n = ctype ? strcspn(ctype, "; \t") : 0;
	char *t;

	if (!n || n > 100 || !memchr(ctype, '/', n))
		return "application/octet-stream";
	t = arena_strndup(&r->arena, ctype, n);
	for (char *p = t; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("/.+-_", *p))
			return "application/octet-stream";
		*p = (char)tolower((unsigned char)*p);
	}
	return t;
}

_Static_assert(HTTP_FILE_MAX == MAIL_CONTENT_MAX, "an upload may be as large as an email's file");

API_HANDLER(api_attachments_create)
{
	const char *name = clean_filename(r, http_query(r, "filename"));
	struct attachment t;
	enum err_code rc;

	if (!name)
		return error_set(&r->err, E_INVALID,
				 "filename (a query argument) must be 1 to 255 bytes of text");
	rc = store_attachment_create(r->app->store, r->user.id, name,
				     clean_type(r, http_request_header(r, "Content-Type")),
				     r->body.p ? r->body.p : "", r->body.len, &t, &r->arena, &r->err);
	if (rc)
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "attachment", render_attachment(&t)));
}

/* Types a browser may show itself; anything else downloads as bytes. */
static const char *served_type(const char *type)
{
	static const char *const shown[] = { "image/png", "image/jpeg", "image/gif", "image/webp",
					     "application/pdf", NULL };

	for (int i = 0; shown[i]; i++)
		if (!strcmp(type, shown[i]))
			return type;
	return !strcmp(type, "text/plain") ? "text/plain; charset=utf-8"
					   : "application/octet-stream";
}

/*
 * The file's name for Content-Disposition: an ASCII fallback with anything
 * unusual as "_", and the real name percent-encoded (RFC 6266, RFC 5987).
 */
static void send_as_file(struct req *r, const char *name)
{
	size_t n = strlen(name);
	char *ascii = arena_alloc(&r->arena, n + 1), *enc = arena_alloc(&r->arena, 3 * n + 1);
	char *p = enc;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		ascii[i] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? (char)c : '_';
		if (isalnum(c) || strchr("-._~", c))
			*p++ = (char)c;
		else
			p += sprintf(p, "%%%02X", c);
	}
	http_header(r, "Content-Disposition",
		    arena_printf(&r->arena, "attachment; filename=\"%s\"; filename*=UTF-8''%s",
				 ascii, enc));
	http_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
	http_header(r, "Cache-Control", "private, max-age=3600");
}

/* Downloads hand the one copy the store made to the reply, which frees it once sent. */
API_HANDLER(api_attachments_get)
{
	unsigned char *data;
	struct attachment t;
	enum err_code rc;

	if ((rc = store_attachment_get(r->app->store, r->ids[0], &t, &data, &r->arena, &r->err)))
		return rc;
	/* an upload not yet sent is its uploader's alone */
	if (!t.message_id && t.uploaded_by != r->user.id) {
		free(data);
		return error_set(&r->err, E_NOT_FOUND, "no attachment %lld", (long long)t.id);
	}
	send_as_file(r, t.filename);
	return http_reply_owned(r, 200, served_type(t.content_type), data, (size_t)t.size);
}

API_HANDLER(api_message_raw)
{
	unsigned char *data;
	int64_t ticket_id;
	size_t size;
	enum err_code rc;

	if ((rc = store_message_raw(r->app->store, r->ids[0], &ticket_id, &data, &size, &r->err)))
		return rc;
	send_as_file(r, arena_printf(&r->arena, "message-%lld.eml", (long long)r->ids[0]));
	return http_reply_owned(r, 200, "message/rfc822", data, size);
}

API_HANDLER(api_message_resend)
{
	struct message m;
	enum err_code rc = store_message_resend(r->app->store, r->ids[0], r->user.id, &m,
						&r->arena, &r->err);

	return rc ? rc : http_reply_json(r, 200, json_pack("{so}", "message", render_message(&m)));
}

/* --- inbound email --- */

static json_t *render_mail_result(const struct mail_result *m)
{
	return json_pack("{sI sI sb sb sb sb}", "ticket_id", (json_int_t)m->ticket_id, "message_id",
			 (json_int_t)m->message_id, "duplicate", m->duplicate, "new_ticket",
			 m->new_ticket, "bounce", m->bounce, "acknowledged", m->acknowledged);
}

API_HANDLER(api_mail_inbound)
{
	struct mail_result res;
	enum err_code rc;

	if (!r->body.len)
		return error_set(&r->err, E_BAD_REQUEST, "the body must be one RFC 5322 email");
	rc = mail_ingest(r->app->store, r->body.p, r->body.len, http_query(r, "mailbox"), &res,
			 &r->err);
	if (rc)
		return rc;
	return http_reply_json(r, res.duplicate ? 200 : 201, render_mail_result(&res));
}

/* --- mailboxes --- */

static const char *const securities[] = { "tls", "starttls", "none", NULL };

/* The API's view of a server: the password only says whether there is one. */
static json_t *render_server(json_t *s)
{
	json_t *out;

	if (!json_is_object(s))
		return json_null();
	out = json_deep_copy(s);
	json_object_set_new(out, "password_set",
			    json_boolean(json_object_get(s, "password_sealed") != NULL));
	json_object_del(out, "password_sealed");
	return out;
}

static json_t *render_mailbox(const struct mailbox *b)
{
	json_t *s = json_loads(b->settings, 0, NULL), *o;

	o = json_pack("{sI ss ss sb so so sO? sO? sI so so so}", "id", (json_int_t)b->id, "address",
		      b->address, "name", b->name, "active", b->active, "imap",
		      render_server(json_object_get(s, "imap")), "smtp",
		      render_server(json_object_get(s, "smtp")), "fallback_charsets",
		      json_object_get(s, "fallback_charsets"), "auto_ack",
		      json_object_get(s, "auto_ack"), "imap_last_uid",
		      (json_int_t)b->imap_last_uid, "polled_at", render_time(b->polled_at),
		      "poll_error", b->poll_error ? json_string(b->poll_error) : json_null(),
		      "created_at", render_time(b->created_at));
	json_object_set_new(o, "reopen_days",
			    json_is_integer(json_object_get(s, "reopen_days"))
				    ? json_incref(json_object_get(s, "reopen_days"))
				    : json_integer(30));
	json_decref(s);
	return o;
}

/* Whether two server settings name the same account on the same server, reached the same way. */
static int same_server(json_t *a, json_t *b)
{
	static const char *const keys[] = { "host", "port", "security", "user", NULL };

	for (int i = 0; keys[i]; i++)
		if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i])) &&
		    (json_object_get(a, keys[i]) || json_object_get(b, keys[i])))
			return 0;
	return 1;
}

/* Checks one server object of the body into `out`, sealing a new password or keeping the old. */
static enum err_code read_server(struct req *r, json_t *in, json_t *old, int imap, json_t **out)
{
	static const char *const known[] = { "host", "port", "security", "user", "password",
					     "tls_verify", "folder", NULL };
	const char *host = NULL, *security = NULL, *user = NULL, *password = NULL, *folder = NULL;
	json_t *port = json_object_get(in, "port"), *verify = json_object_get(in, "tls_verify");
	enum err_code rc;

	if (json_is_null(in)) {
		*out = json_null();
		return E_OK;
	}
	if (!json_is_object(in))
		return error_set(&r->err, E_INVALID, "%s must be an object or null",
				 imap ? "imap" : "smtp");
	if ((rc = fields_known(r, in, known)) || (rc = field_str(r, in, "host", 1, 1, 253, &host)) ||
	    (rc = field_enum(r, in, "security", securities, &security)) ||
	    (rc = field_str(r, in, "user", 0, 1, 200, &user)) ||
	    (rc = field_str(r, in, "password", 0, 1, 500, &password)) ||
	    (rc = field_str(r, in, "folder", 0, 1, 200, &folder)))
		return rc;
	if (strpbrk(host, " /\\@?#\r\n\t"))
		return error_set(&r->err, E_INVALID, "host '%s' is not a host name", host);
	/* checked again at each connection (mail_server_curl_setup): DNS may change */
	if ((rc = netguard_check_host(host, imap ? "imap host" : "smtp host", &r->err)))
		return rc;
	if (!json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535)
		return error_set(&r->err, E_INVALID, "port must be 1 to 65535");
	if (verify && !json_is_boolean(verify))
		return error_set(&r->err, E_INVALID, "tls_verify must be true or false");
	*out = json_pack("{ss sO ss sb}", "host", host, "port", port, "security",
			 security ? security : (imap ? "tls" : "starttls"), "tls_verify",
			 !json_is_false(verify));
	if (user)
		json_object_set_new(*out, "user", json_string(user));
	if (imap)
		json_object_set_new(*out, "folder", json_string(folder ? folder : "INBOX"));
	if (password) {
		char *sealed = mail_seal(password);

		if (!sealed) {
			json_decref(*out);
			return error_set(&r->err, E_INTERNAL, "no key to seal passwords with");
		}
		json_object_set_new(*out, "password_sealed", json_string(sealed));
		free(sealed);
	} else if (json_is_string(json_object_get(old, "password_sealed")) &&
		   same_server(*out, old) && !json_is_null(json_object_get(in, "password"))) {
		/* kept only for the same server and user: else it would go wherever the host says */
		json_object_set(*out, "password_sealed", json_object_get(old, "password_sealed"));
	}
	return E_OK;
}

/* Builds the settings text from the body over the old settings (NULL on create). */
static enum err_code read_settings(struct req *r, const char *old_text, const char **out)
{
	json_t *old = old_text ? json_loads(old_text, 0, NULL) : NULL;
	json_t *s = old ? json_deep_copy(old) : json_object(), *v, *server = NULL;
	enum err_code rc = E_OK;
	const char *key;
	char *text;
	size_t i;

	for (int imap = 1; imap >= 0 && !rc; imap--) {
		const char *name = imap ? "imap" : "smtp";

		if (!json_object_get(r->json, name))
			continue;
		if (!(rc = read_server(r, json_object_get(r->json, name), json_object_get(old, name),
				       imap, &server)))
			json_object_set_new(s, name, server);
	}
	if (!rc && (v = json_object_get(r->json, "fallback_charsets"))) {
		json_t *c;

		if (!json_is_array(v) || json_array_size(v) > 8)
			rc = error_set(&r->err, E_INVALID, "fallback_charsets must be a list of up to 8");
		json_array_foreach(v, i, c)
			if (!rc && (!json_is_string(c) || !json_string_length(c) ||
				    json_string_length(c) > 40 ||
				    strspn(json_string_value(c),
					   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") !=
					    json_string_length(c)))
				rc = error_set(&r->err, E_INVALID, "fallback_charsets holds a bad name");
		if (!rc)
			json_object_set(s, "fallback_charsets", v);
	}
	if (!rc && (v = json_object_get(r->json, "reopen_days"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3650)
			rc = error_set(&r->err, E_INVALID, "reopen_days must be 0 to 3650");
		else
			json_object_set(s, "reopen_days", v);
	}
	if (!rc && (v = json_object_get(r->json, "auto_ack"))) {
		json_t *tpl = json_object_get(v, "templates"), *t;

		if (!json_is_object(v) || !json_is_boolean(json_object_get(v, "enabled")) ||
		    (tpl && !json_is_object(tpl)) || json_object_size(v) > 1 + (tpl != NULL))
			rc = error_set(&r->err, E_INVALID,
				       "auto_ack must be {\"enabled\": bool, \"templates\": {lang: text}}");
		json_object_foreach(tpl, key, t)
			if (!rc && (!json_is_string(t) || json_string_length(t) > 20000 ||
				    strlen(key) > 8))
				rc = error_set(&r->err, E_INVALID,
					       "auto_ack templates map a language to a text");
		if (!rc)
			json_object_set(s, "auto_ack", v);
	}
	text = rc ? NULL : json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
	if (text)
		*out = arena_strdup(&r->arena, text);
	free(text);
	json_decref(s);
	json_decref(old);
	return rc;
}

static const char *const mailbox_fields[] = { "address",	   "name",	  "imap",
					      "smtp",		   "fallback_charsets", "reopen_days",
					      "auto_ack",	   "active",	  NULL };

/* Reads a mailbox that has not been deleted: a deleted one is gone for the API. */
static enum err_code mailbox_live(struct req *r, struct mailbox *b)
{
	enum err_code rc = store_mailbox_get(r->app->store, r->ids[0], b, &r->arena, &r->err);

	if (!rc && b->deleted)
		rc = error_set(&r->err, E_NOT_FOUND, "no mailbox %lld", (long long)r->ids[0]);
	return rc;
}

API_HANDLER(api_mailboxes_list)
{
	mailbox_list list = { 0 };
	enum err_code rc = store_mailbox_list(r->app->store, &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		if (!list.items[i].deleted)
			json_array_append_new(a, render_mailbox(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "mailboxes", a));
}

API_HANDLER(api_mailboxes_get)
{
	struct mailbox b;
	enum err_code rc = mailbox_live(r, &b);

	return rc ? rc : http_reply_json(r, 200, json_pack("{so}", "mailbox", render_mailbox(&b)));
}

API_HANDLER(api_mailboxes_create)
{
	const char *address = NULL, *name = NULL, *settings = NULL;
	struct mailbox b;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, mailbox_fields)) ||
	    (rc = field_email(r, r->json, "address", 1, &address)) ||
	    (rc = field_str(r, r->json, "name", 0, 1, 200, &name)) ||
	    (rc = read_settings(r, NULL, &settings)) ||
	    (rc = store_mailbox_create(r->app->store, address, name ? name : address, settings, &b,
				       &r->arena, &r->err)))
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "mailbox", render_mailbox(&b)));
}

API_HANDLER(api_mailboxes_update)
{
	const char *name = NULL, *settings = NULL;
	json_t *active = json_object_get(r->json, "active");
	struct mailbox b;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, mailbox_fields)))
		return rc;
	if (json_object_get(r->json, "address"))
		return error_set(&r->err, E_INVALID, "address cannot change; add a new mailbox");
	if (active && !json_is_boolean(active))
		return error_set(&r->err, E_INVALID, "active must be true or false");
	if ((rc = field_str(r, r->json, "name", 0, 1, 200, &name)) ||
	    (rc = mailbox_live(r, &b)) ||
	    (rc = read_settings(r, b.settings, &settings)) ||
	    (rc = store_mailbox_update(r->app->store, r->ids[0], name, settings,
				       active ? json_is_true(active) : -1, &b, &r->arena, &r->err)))
		return rc;
	return http_reply_json(r, 200, json_pack("{so}", "mailbox", render_mailbox(&b)));
}

API_HANDLER(api_mailboxes_delete)
{
	enum err_code rc = store_mailbox_delete(r->app->store, r->ids[0], &r->err);

	return rc ? rc : http_reply_empty(r, 204);
}
