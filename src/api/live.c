/*
 * live.c - the live channel (Server-Sent Events) and ticket presence.
 */
#include "api/api.h"
#include "core/render.h"
#include "live/live.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PING_MS 15000

struct stream {
	struct store *store;
	int64_t last_event_id;
	uint64_t generation, presence_cursor;
	struct buf pending;
	size_t sent; /* of pending */
};

static void add_event(struct buf *b, const char *type, int64_t id, json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT);

	if (id)
		buf_addf(b, "id: %" PRId64 "\n", id);
	buf_addf(b, "event: %s\ndata: %s\n\n", type, text ? text : "{}");
	free(text);
	json_decref(data);
}

/* Fills s->pending with what happened since the last call; 0 when nothing did. */
static int collect(struct stream *s)
{
	event_list events = { 0 };
	struct arena a;
	struct error err;
	json_t *presence, *p;
	size_t i;

	arena_init(&a);
	if (store_events_since(s->store, s->last_event_id, 200, &events, &a, &err) == E_OK) {
		for (int k = 0; k < events.n; k++) {
			add_event(&s->pending, events.items[k].type, events.items[k].id,
				  render_event(&events.items[k]));
			s->last_event_id = events.items[k].id;
		}
	}
	arena_release(&a);
	presence = live_presence_changes(&s->presence_cursor);
	json_array_foreach(presence, i, p)
		add_event(&s->pending, "presence", 0, json_incref(p));
	json_decref(presence);
	return s->pending.len > 0;
}

static long stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *s = cls;
	size_t n;

	(void)pos;
	while (s->sent == s->pending.len) {
		uint64_t gen;

		buf_release(&s->pending);
		buf_init(&s->pending, 0);
		s->sent = 0;
		gen = live_wait(s->generation, PING_MS);
		if (!gen)
			return -1; /* shutting down */
		if (gen == s->generation) {
			buf_adds(&s->pending, ": ping\n\n");
			break;
		}
		s->generation = gen;
		collect(s);
	}
	n = s->pending.len - s->sent < max ? s->pending.len - s->sent : max;
	memcpy(out, s->pending.p + s->sent, n);
	s->sent += n;
	return (long)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	buf_release(&s->pending);
	free(s);
}

API_HANDLER(api_stream)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	const char *last = http_request_header(r, "Last-Event-ID");
	event_list newest = { 0 };
	enum err_code rc;

	s->store = r->app->store;
	s->generation = live_wait(0, 0);
	s->presence_cursor = live_presence_now();
	buf_init(&s->pending, 0);
	if (last && strtoll(last, NULL, 10) > 0) {
		s->last_event_id = strtoll(last, NULL, 10);
	} else {
		rc = store_events_since(r->app->store, -1, 1, &newest, &r->arena, &r->err);
		if (rc) {
			stream_free(s);
			return rc;
		}
		s->last_event_id = newest.n ? newest.items[0].id : 0;
	}
	/* the first bytes tell the client (and any proxy) the stream is open */
	buf_adds(&s->pending, "retry: 2000\n: open\n\n");
	http_header(r, "X-Accel-Buffering", "no");
	return http_reply_stream(r, "text/event-stream; charset=utf-8", stream_read, s, stream_free);
}

API_HANDLER(api_presence_set)
{
	static const char *const known[] = { "state", NULL };
	static const char *const states[] = { "viewing", "replying", "left", NULL };
	const char *state = NULL;
	struct ticket t;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "state", 1, 1, 16, &state)) ||
	    (rc = field_enum(r, r->json, "state", states, &state)) ||
	    (rc = store_ticket_get(r->app->store, r->ids[0], &t, &r->arena, &r->err)))
		return rc;
	live_presence_set(t.id, r->user.id, r->user.name, state);
	return http_reply_empty(r, 204);
}

API_HANDLER(api_presence_get)
{
	struct ticket t;
	enum err_code rc = store_ticket_get(r->app->store, r->ids[0], &t, &r->arena, &r->err);

	if (rc)
		return rc;
	return http_reply_json(r, 200, json_pack("{so}", "users",
						 live_presence_get(t.id, r->user.id)));
}
