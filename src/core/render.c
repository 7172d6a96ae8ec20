#include "core/render.h"
#include "core/sanitize.h"
#include "util/timeutil.h"

#include <string.h>

json_t *render_time(int64_t us)
{
	char s[21];

	if (!us)
		return json_null();
	time_format(us, s);
	return json_string(s);
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *render_user(const struct user *u)
{
	return json_pack("{sI ss ss ss sb so so}", "id", (json_int_t)u->id, "email", u->email,
			 "name", u->name, "role", u->role, "active", u->active, "created_at",
			 render_time(u->created_at), "updated_at", render_time(u->updated_at));
}

json_t *render_customer(const struct customer *c)
{
	json_t *ids = json_array();
	const char *email = NULL;

	for (int i = 0; i < c->n_identities; i++) {
		const struct identity *id = &c->identities[i];

		if (!email && !strcmp(id->type, "email"))
			email = id->value;
		json_array_append_new(ids, json_pack("{ss ss}", "type", id->type, "value",
						     id->value));
	}
	return json_pack("{sI ss so so so so so}", "id", (json_int_t)c->id, "name", c->name,
			 "email", str_or_null(email), "identities", ids, "language",
			 str_or_null(c->language), "created_at", render_time(c->created_at),
			 "updated_at", render_time(c->updated_at));
}

json_t *render_ticket(const struct ticket *t)
{
	json_t *tags = json_array();

	json_t *cc = t->cc ? json_loads(t->cc, 0, NULL) : NULL;

	for (int i = 0; i < t->n_tags; i++)
		json_array_append_new(tags, json_string(t->tags[i]));
	return json_pack("{sI sI ss ss ss ss sI so so so so so so so so so so}", "id",
			 (json_int_t)t->id, "number", (json_int_t)(t->id + TICKET_NUMBER_OFFSET),
			 "subject", t->subject, "status", t->status, "priority", t->priority,
			 "channel", t->channel, "customer_id", (json_int_t)t->customer_id,
			 "assignee_id", id_or_null(t->assignee_id), "tags", tags, "created_at",
			 render_time(t->created_at), "updated_at", render_time(t->updated_at),
			 "first_response_at", render_time(t->first_response_at), "solved_at",
			 render_time(t->solved_at), "mailbox_id", id_or_null(t->mailbox_id),
			 "linked_ticket_id", id_or_null(t->linked_ticket_id), "cc",
			 json_is_array(cc) ? cc : (json_decref(cc), json_array()), "order_id",
			 id_or_null(t->order_id));
}

json_t *render_attachment(const struct attachment *t)
{
	return json_pack("{sI so ss ss sI sb so so}", "id", (json_int_t)t->id, "message_id",
			 id_or_null(t->message_id), "filename", t->filename, "content_type",
			 t->content_type, "size", (json_int_t)t->size, "inline", t->is_inline,
			 "content_id", str_or_null(t->content_id), "url",
			 json_sprintf("/api/v1/attachments/%lld", (long long)t->id));
}

/*
 * The html column keeps what the email held; what leaves deskd is sanitised
 * here, every time, so rows stored before the sanitiser existed are covered.
 */
static json_t *safe_html(const char *html)
{
	struct arena a;
	json_t *s;

	if (!html)
		return json_null();
	arena_init(&a);
	s = json_string(mail_html_sanitize(html, strlen(html), &a));
	arena_release(&a);
	return s;
}

json_t *render_message(const struct message *m)
{
	json_t *files = json_array();

	for (int i = 0; i < m->n_attachments; i++)
		json_array_append_new(files, render_attachment(&m->attachments[i]));
	return json_pack("{sI sI ss ss ss so ss so so so so so so so}", "id", (json_int_t)m->id,
			 "ticket_id", (json_int_t)m->ticket_id, "kind", m->kind, "direction",
			 m->direction, "author_type", m->author_type, "author_id",
			 id_or_null(m->author_id), "body", m->body, "html", safe_html(m->html),
			 "created_at", render_time(m->created_at), "attachments", files,
			 "mail_message_id", str_or_null(m->mail_id), "mail_status",
			 str_or_null(m->mail_status), "mail_error", str_or_null(m->mail_error),
			 "raw_url",
			 m->has_raw ? json_sprintf("/api/v1/messages/%lld/raw", (long long)m->id)
				    : json_null());
}

json_t *render_event(const struct event *e)
{
	json_t *changes = json_loads(e->changes, 0, NULL);

	return json_pack("{sI so so so ss so so}", "id", (json_int_t)e->id, "ticket_id",
			 id_or_null(e->ticket_id), "customer_id", id_or_null(e->customer_id),
			 "actor_id", id_or_null(e->actor_id), "type", e->type, "changes",
			 changes ? changes : json_object(), "created_at", render_time(e->created_at));
}

json_t *render_token(const struct token_info *t)
{
	return json_pack("{sI sI ss so so}", "id", (json_int_t)t->id, "user_id",
			 (json_int_t)t->user_id, "name", t->name, "created_at",
			 render_time(t->created_at), "last_used_at", render_time(t->last_used_at));
}

static json_t *split_events(const char *events)
{
	json_t *a = json_array();
	const char *p = events;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

json_t *render_webhook(const struct webhook *w, int with_secret)
{
	json_t *o = json_pack("{sI ss so sb so}", "id", (json_int_t)w->id, "url", w->url, "events",
			      split_events(w->events), "active", w->active, "created_at",
			      render_time(w->created_at));

	if (with_secret)
		json_object_set_new(o, "secret", json_string(w->secret));
	return o;
}

json_t *render_delivery(const struct delivery *d)
{
	return json_pack("{sI sI ss ss si so so so so}", "id", (json_int_t)d->id, "event_id",
			 (json_int_t)d->event_id, "event_type", d->event_type, "status", d->status,
			 "attempts", d->attempts, "response_status",
			 d->response_status ? json_integer(d->response_status) : json_null(),
			 "last_error", str_or_null(d->last_error), "created_at",
			 render_time(d->created_at), "delivered_at", render_time(d->delivered_at));
}
