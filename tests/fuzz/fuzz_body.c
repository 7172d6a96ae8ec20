/*
 * fuzz_body.c - the request-body decoding path: bytes in, a checked ticket (or
 * a clear error) out, and a checked Cc list as a PATCH reads it. What a client
 * sends must never crash deskd.
 */
#include "api/api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A Cc list that validation let through: bare lower-case addresses, no repeats. */
static void check_cc(struct req *r)
{
	const char **cc = NULL;
	int n, present;

	if (field_emails(r, r->json, "cc", TICKET_CC_MAX, &cc, &n, &present) != E_OK) {
		if (!r->err.message[0])
			abort();
		memset(&r->err, 0, sizeof(r->err));
		return;
	}
	if (n > TICKET_CC_MAX || (!present && n))
		abort();
	for (int i = 0; i < n; i++) {
		const char *at = strchr(cc[i], '@');

		if (!at || at == cc[i] || !at[1] || strchr(at + 1, '@') || strpbrk(cc[i], " <>,;\"\r\n"))
			abort();
		for (const char *p = cc[i]; *p; p++)
			if (isupper((unsigned char)*p))
				abort();
		for (int j = 0; j < i; j++)
			if (!strcmp(cc[i], cc[j]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct req r;
	struct ticket_new tn;
	enum err_code rc;

	memset(&r, 0, sizeof(r));
	arena_init(&r.arena);
	rc = http_parse_body((const char *)data, size, &r.json, &r.err);
	if (rc == E_OK) {
		check_cc(&r);
		rc = ticket_new_read(&r, &tn);
		if (rc == E_OK) {
			/* what validation lets through is what the store will be given */
			if (!tn.subject || !tn.body || !tn.customer_email || !strchr(tn.customer_email, '@'))
				abort();
			for (int i = 0; i < tn.n_tags; i++)
				if (!*tn.tags[i] || strchr(tn.tags[i], ','))
					abort();
		}
	}
	if (rc != E_OK && (!r.err.message[0] || error_http_status(rc) < 400))
		abort();
	json_decref(r.json);
	arena_release(&r.arena);
	return 0;
}
