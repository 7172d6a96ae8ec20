/*
 * wismo.c - "where is my order?" for agents and leads: the ready answer of a
 * ticket (a store's `suggest`), and the figures (share of inbound, answered,
 * deflected) as JSON and in /metrics.
 */
#include "api/api.h"
#include "util/timeutil.h"

#include <string.h>

#define DAY_US ((int64_t)86400 * 1000000)

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

API_HANDLER(api_tickets_wismo)
{
	struct wismo_suggestion s;
	struct ticket t;
	enum err_code rc;
	int tagged = 0;

	if ((rc = store_ticket_get(r->app->store, r->ids[0], &t, &r->arena, &r->err)) ||
	    (rc = store_wismo_suggest(r->app->store, t.id, &s, &r->arena, &r->err)))
		return rc;
	for (int i = 0; i < t.n_tags; i++)
		tagged |= !strcmp(t.tags[i], "wismo");
	return http_reply_json(
		r, 200,
		json_pack("{ss sb ss so so so}", "mode", s.mode, "wismo", tagged, "language", s.lang,
			  "automatic", opt_str(s.automatic), "order",
			  s.order_id ? json_pack("{sI ss ss}", "id", (json_int_t)s.order_id, "number",
						 s.order_number, "state", s.order_state)
				     : json_null(),
			  "reply", opt_str(s.reply)));
}

/* A ?from= or ?to= day ("2026-12-05"), as days since the epoch; `fallback` when absent. */
static enum err_code query_day(struct req *r, const char *name, int64_t fallback, int64_t *day)
{
	const char *v = http_query(r, name);
	int64_t us;

	*day = fallback;
	if (!v)
		return E_OK;
	if (strlen(v) != 10 || time_parse(v, &us))
		return error_set(&r->err, E_BAD_REQUEST, "%s must be a date like 2026-12-05", name);
	*day = us / DAY_US;
	return E_OK;
}

static double share(int64_t part, int64_t whole)
{
	return whole ? (double)part / (double)whole : 0;
}

API_HANDLER(api_reports_wismo)
{
	int64_t today = time_now_us() / DAY_US, from, to, store_id = -1;
	struct wismo_figures f;
	char from_s[21], to_s[21];
	enum err_code rc;

	if ((rc = query_day(r, "to", today, &to)) || (rc = query_day(r, "from", to - 29, &from)))
		return rc;
	if (from > to)
		return error_set(&r->err, E_BAD_REQUEST, "from is after to");
	if (to - from > 3660)
		return error_set(&r->err, E_BAD_REQUEST, "at most ten years at a time");
	if ((rc = api_query_store(r, &store_id)))
		return rc;
	if ((rc = store_wismo_figures(r->app->store, from, to, store_id, &f, &r->err)))
		return rc;
	time_format(from * DAY_US, from_s);
	time_format(to * DAY_US, to_s);
	from_s[10] = to_s[10] = '\0';
	return http_reply_json(
		r, 200,
		json_pack("{ss ss s{sI sI sI sI sI sI sI} s{sf sf}}", "from", from_s, "to", to_s,
			  "counts", "inbound", (json_int_t)f.inbound, "wismo", (json_int_t)f.wismo,
			  "answered", (json_int_t)f.answered, "asked_for_number",
			  (json_int_t)f.asked, "reopened", (json_int_t)f.reopened, "settled",
			  (json_int_t)f.settled, "deflected",
			  (json_int_t)(f.settled - f.settled_reopened), "rates", "wismo_share",
			  share(f.wismo, f.inbound), "deflection",
			  share(f.settled - f.settled_reopened, f.settled)));
}

enum err_code api_wismo_metrics(struct store *st, struct buf *b, struct error *err)
{
	struct wismo_figures f;
	enum err_code rc = store_wismo_figures(st, 0, INT64_MAX / DAY_US, -1, &f, err);

	if (rc)
		return rc;
	buf_addf(b,
		 "# HELP deskd_inbound_messages_total Customer messages in (all stores).\n"
		 "# TYPE deskd_inbound_messages_total counter\ndeskd_inbound_messages_total %lld\n"
		 "# HELP deskd_wismo_messages_total Of them, \"where is my order?\" questions.\n"
		 "# TYPE deskd_wismo_messages_total counter\ndeskd_wismo_messages_total %lld\n"
		 "# HELP deskd_wismo_answers_total What deskd answered by itself: the status, or a "
		 "question for the order number.\n"
		 "# TYPE deskd_wismo_answers_total counter\n"
		 "deskd_wismo_answers_total{answer=\"status\"} %lld\n"
		 "deskd_wismo_answers_total{answer=\"order_number_asked\"} %lld\n"
		 "# HELP deskd_wismo_deflected_total Status answers over 72 hours old the customer "
		 "did not write back to.\n"
		 "# TYPE deskd_wismo_deflected_total counter\ndeskd_wismo_deflected_total %lld\n",
		 (long long)f.inbound, (long long)f.wismo, (long long)f.answered,
		 (long long)f.asked, (long long)(f.settled - f.settled_reopened));
	return E_OK;
}
