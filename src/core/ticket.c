/*
 * ticket.c - the rules of a ticket's life (see ticket.h).
 */
#include "core/ticket.h"

#include <string.h>

int ticket_status_done(const char *status)
{
	return !strcmp(status, "solved") || !strcmp(status, "closed");
}

enum err_code ticket_check_open(const struct ticket *t, const char *what, struct error *err)
{
	if (strcmp(t->status, "closed"))
		return E_OK;
	return error_set(err, E_INVALID, "ticket %lld is closed%s%s", (long long)t->id,
			 what ? " and " : "", what ? what : "");
}

int64_t ticket_solved_at(const struct ticket *before, const char *status, int64_t now)
{
	if (!ticket_status_done(status))
		return 0;
	return before->solved_at ? before->solved_at : now;
}

static const char *status_after_message(const struct ticket *t, const struct message_new *mn)
{
	if (!strcmp(mn->kind, "note"))
		return t->status;
	if (!strcmp(mn->author_type, "system")) /* an auto-acknowledgement answers nothing */
		return t->status;
	if (!strcmp(mn->direction, "outbound"))
		return !strcmp(t->status, "new") ? "open" : t->status;
	if (!strcmp(t->status, "pending") || !strcmp(t->status, "solved") ||
	    !strcmp(t->status, "on-hold"))
		return "open";
	return t->status;
}

void ticket_apply_message(struct ticket *t, const struct message_new *mn, int64_t now)
{
	const char *status = status_after_message(t, mn);

	if (!t->first_response_at && !strcmp(mn->kind, "reply") &&
	    !strcmp(mn->author_type, "agent"))
		t->first_response_at = now;
	t->solved_at = ticket_solved_at(t, status, now);
	t->status = status;
	t->updated_at = now;
}

void ticket_apply_change(struct ticket *t, const struct ticket_change *c, int64_t now)
{
	if (c->subject)
		t->subject = c->subject;
	if (c->priority)
		t->priority = c->priority;
	if (c->set_assignee)
		t->assignee_id = c->assignee_id;
	if (c->set_order)
		t->order_id = c->order_id;
	if (c->status) {
		t->solved_at = ticket_solved_at(t, c->status, now);
		t->status = c->status;
	} else {
		t->solved_at = ticket_solved_at(t, t->status, now);
	}
	t->updated_at = now;
}

int ticket_reply_starts_new(const struct ticket *t, int64_t now, int64_t reopen_window_us)
{
	return !strcmp(t->status, "closed") ||
	       (!strcmp(t->status, "solved") && t->solved_at + reopen_window_us < now);
}

static void note_change(json_t *changes, const char *field, const char *old, const char *new)
{
	if (strcmp(old, new))
		json_object_set_new(changes, field, json_pack("[ss]", old, new));
}

static json_t *strings_json(const char **list, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

/* The stored Cc list (JSON text, or NULL for none) as an array. */
static json_t *cc_json(const char *text)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;

	if (json_is_array(a))
		return a;
	json_decref(a);
	return json_array();
}

/* Whether two lists without repeats hold the same strings, in any order. */
static int same_members(json_t *a, json_t *b)
{
	size_t i, j;
	json_t *v, *w;

	if (json_array_size(a) != json_array_size(b))
		return 0;
	json_array_foreach(a, i, v) {
		int found = 0;

		json_array_foreach(b, j, w)
			found |= json_equal(v, w);
		if (!found)
			return 0;
	}
	return 1;
}

int ticket_cc_same(const char *a, const char *b)
{
	json_t *x = cc_json(a), *y = cc_json(b);
	int same = same_members(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}

/* Records [old, new] when the lists differ; takes both references. */
static void note_list_change(json_t *changes, const char *field, json_t *old, json_t *new)
{
	if (same_members(old, new)) {
		json_decref(old);
		json_decref(new);
	} else {
		json_object_set_new(changes, field, json_pack("[oo]", old, new));
	}
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static void note_id_change(json_t *changes, const char *field, int64_t old, int64_t new)
{
	if (old != new)
		json_object_set_new(changes, field,
				    json_pack("[oo]", id_or_null(old), id_or_null(new)));
}

json_t *ticket_changes(const struct ticket *before, const struct ticket *after,
		       const struct ticket_change *c)
{
	json_t *changes = json_object();

	note_change(changes, "subject", before->subject, after->subject);
	note_change(changes, "status", before->status, after->status);
	note_change(changes, "priority", before->priority, after->priority);
	note_id_change(changes, "assignee_id", before->assignee_id, after->assignee_id);
	note_id_change(changes, "order_id", before->order_id, after->order_id);
	if (c && c->set_tags)
		note_list_change(changes, "tags", strings_json(before->tags, before->n_tags),
				 strings_json(after->tags, after->n_tags));
	if (c && c->set_cc)
		note_list_change(changes, "cc", cc_json(before->cc), cc_json(after->cc));
	return changes;
}
