/*
 * fuzz_body.c - the request-body decoding path: bytes in, a checked ticket (or
 * a clear error) out. What a client sends must never crash deskd.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct req r;
	struct ticket_new tn;
	enum err_code rc;

	memset(&r, 0, sizeof(r));
	arena_init(&r.arena);
	rc = http_parse_body((const char *)data, size, &r.json, &r.err);
	if (rc == E_OK) {
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
