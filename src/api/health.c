/*
 * health.c - /healthz, /metrics and the OpenAPI document.
 */
#include "api/api.h"
#include "store/db.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

API_HANDLER(api_healthz)
{
	struct error e;

	if (store_ping(r->app->store, &e))
		return http_reply_json(r, 503, json_pack("{ss ss}", "status", "unavailable", "db",
							 e.message));
	return http_reply_json(r, 200, json_pack("{ss ss}", "status", "ok", "db", "ok"));
}

API_HANDLER(api_metrics)
{
	uint64_t queries, query_us;
	int64_t pending = 0;
	struct buf b;
	enum err_code rc;

	if ((rc = store_jobs_pending(r->app->store, NULL, INT64_MAX, &pending, &r->err)))
		return rc;
	db_timing(&queries, &query_us);
	buf_init(&b, 0);
	http_metrics(&b);
	api_hooks_metrics(&b);
	if ((rc = api_wismo_metrics(r->app->store, &b, &r->err))) {
		buf_release(&b);
		return rc;
	}
	buf_addf(&b,
		 "# HELP deskd_jobs_pending Jobs waiting to run or running.\n"
		 "# TYPE deskd_jobs_pending gauge\ndeskd_jobs_pending %lld\n"
		 "# HELP deskd_db_queries_total Database statements run.\n"
		 "# TYPE deskd_db_queries_total counter\ndeskd_db_queries_total %llu\n"
		 "# HELP deskd_db_query_seconds_total Time spent in database statements.\n"
		 "# TYPE deskd_db_query_seconds_total counter\ndeskd_db_query_seconds_total %.6f\n",
		 (long long)pending, (unsigned long long)queries, (double)query_us / 1e6);
	rc = http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	buf_release(&b);
	return rc;
}

/* The document is made from the route table, so it cannot drift from what is served. */
static json_t *operation(const struct route *rt)
{
	json_t *op = json_pack("{ss s{s{ss}}}", "operationId", rt->pattern, "responses", "default",
			       "description", "JSON; errors are {\"error\":{\"code\",\"message\"}}");
	json_t *params = json_array();

	for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{'))
		json_array_append_new(params, json_pack("{ss# ss sb s{ss}}", "name", p + 1,
							(int)strcspn(p + 1, "}"), "in", "path",
							"required", 1, "schema", "type",
							strncmp(p, "{id}", 4) ? "string" : "integer"));
	json_object_set_new(op, "parameters", params);
	if (rt->access != ACCESS_PUBLIC)
		json_object_set_new(op, "security",
				    json_pack("[{s[]}{s[]}]", "bearer", "session"));
	if (rt->access == ACCESS_ADMIN)
		json_object_set_new(op, "description", json_string("Needs the admin role."));
	if (rt->body)
		json_object_set_new(op, "requestBody",
				    json_pack("{sb s{s{s{ss}}}}", "required", 1, "content",
					      rt->body == BODY_JSON   ? "application/json"
					      : rt->body == BODY_FORM ? "application/x-www-form-urlencoded"
								      : "application/octet-stream",
					      "schema", "type",
					      rt->body != BODY_JSON ? "string" : "object"));
	return op;
}

API_HANDLER(api_openapi)
{
	json_t *paths = json_object();

	for (const struct route *rt = api_routes; rt->method; rt++) {
		json_t *item = json_object_get(paths, rt->pattern);
		char method[8];
		size_t i;

		if (!item) {
			item = json_object();
			json_object_set_new(paths, rt->pattern, item);
		}
		for (i = 0; rt->method[i] && i < sizeof(method) - 1; i++)
			method[i] = (char)(rt->method[i] | 0x20);
		method[i] = '\0';
		json_object_set_new(item, method, operation(rt));
	}
	return http_reply_json(
		r, 200,
		json_pack("{ss s{ss ss} so s{s{s{ss ss} s{ss ss ss}}}}", "openapi", "3.0.3", "info",
			  "title", "deskd API", "version", "1", "paths", paths, "components",
			  "securitySchemes", "bearer", "type", "http", "scheme", "bearer",
			  "session", "type", "apiKey", "in", "cookie", "name", "deskd_session"));
}
