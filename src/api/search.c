/*
 * search.c - one search box over tickets, messages and customers.
 */
#include "api/api.h"
#include "core/text.h"

#include <stdlib.h>
#include <string.h>

API_HANDLER(api_search)
{
	const char *q = http_query(r, "q");
	search_list hits = { 0 };
	char *tokens = NULL;
	size_t len = 0, cap = 0, bad;
	json_t *a;
	int limit;
	enum err_code rc;

	if ((rc = query_limit(r, 20, 50, &limit)))
		return rc;
	if (!q || !*q)
		return error_set(&r->err, E_BAD_REQUEST, "q is required");
	if (strlen(q) > 500)
		return error_set(&r->err, E_BAD_REQUEST, "q is longer than 500 bytes");
	if (!text_utf8_valid(q, strlen(q), &bad))
		return error_set(&r->err, E_BAD_REQUEST, "q is not valid UTF-8 (byte %zu)", bad);
	if (text_tokens(q, strlen(q), &tokens, &len, &cap) < 0)
		return error_set(&r->err, E_INTERNAL, "out of memory");
	if (!len) {
		free(tokens);
		return http_reply_json(r, 200, json_pack("{s[]}", "results"));
	}
	rc = store_search(r->app->store, tokens, limit, &hits, &r->arena, &r->err);
	free(tokens);
	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < hits.n; i++) {
		const struct search_hit *h = &hits.items[i];
		char *snippet = text_snippet(h->text, strlen(h->text), q, 160);

		json_array_append_new(a, json_pack("{ss sI so ss ss}", "type", h->type, "id",
						   (json_int_t)h->id, "ticket_id",
						   h->ticket_id ? json_integer(h->ticket_id) : json_null(),
						   "title", h->title, "snippet", snippet ? snippet : ""));
		free(snippet);
	}
	return http_reply_json(r, 200, json_pack("{so}", "results", a));
}
