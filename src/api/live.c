/*
 * live.c - the live channel (Server-Sent Events) and ticket presence.
 */
#include "api/api.h"
#include "core/render.h"
#include "live/live.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PING_MS 15000
#define GAP_POLL_MS 250
#define BATCH 200
#define PENDING_MAX (256 * 1024)
/* an event id that stays missing this long was rolled back, not late */
#define GAP_GIVE_UP_US ((int64_t)3 * 1000000)

/*
 * On PostgreSQL event ids are taken before commit, so a later id can become
 * visible before an earlier one. Events go out in id order, so that a client
 * resuming after its last id misses nothing: a stream sends ids low+1, low+2,
 * ... and when one is missing it holds the rest back, polling, until it
 * appears or has been missing for GAP_GIVE_UP_US (then it was rolled back).
 */
struct stream {
	struct store *store;
	int via_cookie;
	char *credential_hash;
	int64_t low;       /* every event up to here was sent */
	int64_t gap_since; /* when the id after low was first missed, or 0 */
	int more;	   /* the last collect stopped at PENDING_MAX */
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

/* Sends the next events in id order; returns 1 when a full batch went out. */
static int collect_events(struct stream *s)
{
	event_list events = { 0 };
	struct arena a;
	struct error err;
	int k, full;

	arena_init(&a);
	if (store_events_since(s->store, s->low, BATCH, &events, &a, &err) != E_OK)
		events.n = 0;
	for (k = 0; k < events.n; k++) {
		const struct event *e = &events.items[k];

		if (e->id != s->low + 1) {
			if (!s->gap_since)
				s->gap_since = time_mono_us();
			if (time_mono_us() - s->gap_since < GAP_GIVE_UP_US)
				break;
		}
		add_event(&s->pending, e->type, e->id, render_event(e));
		s->low = e->id;
		s->gap_since = 0;
	}
	full = k == BATCH;
	arena_release(&a);
	return full;
}
/* A stream outlives no revocation: the caller's credential is checked again. */
static int still_allowed(struct stream *s)
{
	struct arena a;
	struct error err;
	struct user u;
	const char *csrf;
	enum err_code rc;

	arena_init(&a);
	rc = s->via_cookie ? store_session_user(s->store, s->credential_hash, &u, &csrf, &a, &err)
			   : store_token_user(s->store, s->credential_hash, &u, &a, &err);
	arena_release(&a);
	return rc != E_UNAUTHORIZED;
}

/* Fills s->pending with everything that happened; 0 when nothing did. */
static int collect(struct stream *s)
{
	json_t *presence, *p;
	size_t i;

	s->more = 0;
	/* a long backlog goes out in pieces, each after the previous one was read */
	while (collect_events(s)) {
		if (s->pending.len >= PENDING_MAX) {
			s->more = 1;
			break;
		}
	}
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
		if (s->more) {
			s->more = 0;
			if (collect(s))
				break;
		}
		gen = live_wait(s->generation, s->gap_since ? GAP_POLL_MS : PING_MS);
		if (!gen || !still_allowed(s))
			return -1; /* shutting down, or the caller lost access */
		if (gen == s->generation && s->gap_since) {
			collect(s); /* a poll while an event id is missing */
			continue;
		}
		s->generation = gen;
		if (!collect(s)) {
			buf_adds(&s->pending, ": ping\n\n");
			break;
		}
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
	free(s->credential_hash);
	free(s);
}

API_HANDLER(api_stream)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	const char *last = http_request_header(r, "Last-Event-ID");
	event_list newest = { 0 };
	enum err_code rc;

	s->store = r->app->store;
	s->via_cookie = r->via_cookie;
	s->credential_hash = xstrdup(r->via_cookie ? r->session_hash : r->token_hash);
	s->generation = live_wait(0, 0);
	s->presence_cursor = live_presence_now();
	buf_init(&s->pending, 0);
	if (last && strtoll(last, NULL, 10) > 0) {
		s->low = strtoll(last, NULL, 10);
	} else {
		rc = store_events_since(r->app->store, -1, 1, &newest, &r->arena, &r->err);
		if (rc) {
			stream_free(s);
			return rc;
		}
		s->low = newest.n ? newest.items[0].id : 0;
	}
	/* the first bytes tell the client (and any proxy) the stream is open */
	buf_adds(&s->pending, "retry: 2000\n: open\n\n");
	collect(s); /* a resumed stream gets what it missed at once */
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
