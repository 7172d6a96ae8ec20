/*
 * fuzz_ingest.c - libFuzzer target for the whole inbound email path: bytes
 * in, a stored message out (mail_ingest into a real SQLite store).
 *
 * Whatever the input, mail_ingest must answer E_OK, E_INVALID or E_TOO_LARGE.
 * On E_OK the message is on its ticket with valid UTF-8 text, its original
 * comes back byte for byte, and a second delivery of the same bytes is a
 * duplicate naming the same message.
 */
#include "core/text.h"
#include "fuzz.h"
#include "mail/ingest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static struct store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/deskd-fuzz-ingest.XXXXXX", url[64], *err = NULL;
	struct mailbox box;
	struct arena a;
	struct error e;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(url, sizeof(url), "sqlite:%s/deskd.db", dir);
	store = store_open(url, &err);
	REQUIRE(store);
	arena_init(&a);
	REQUIRE(store_mailbox_create(store, "support@shop.test", "Support",
				     "{\"auto_ack\":{\"enabled\":true,\"templates\":{\"en\":"
				     "\"Hi {{customer.first_name}} #{{ticket.number}}\"}},"
				     "\"fallback_charsets\":[\"euc-kr\"]}",
				     &box, &a, &e) == E_OK);
	arena_release(&a);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_result res, again;
	unsigned char *raw;
	message_list msgs = { 0 };
	struct arena a;
	struct error err;
	int64_t ticket_id;
	size_t raw_size;
	enum err_code rc;
	int found = 0;

	rc = mail_ingest(store, (const char *)data, size, NULL, &res, &err);
	REQUIRE(rc == E_OK || rc == E_INVALID || rc == E_TOO_LARGE);
	if (rc != E_OK)
		return 0;
	REQUIRE(res.ticket_id > 0);
	REQUIRE(mail_ingest(store, (const char *)data, size, NULL, &again, &err) == E_OK);
	REQUIRE(again.duplicate && again.ticket_id == res.ticket_id &&
		again.message_id == res.message_id);
	if (res.bounce || res.duplicate)
		return 0;
	arena_init(&a);
	REQUIRE(store_message_list(store, res.ticket_id, &msgs, &a, &err) == E_OK);
	for (int i = 0; i < msgs.n; i++) {
		const struct message *m = &msgs.items[i];

		REQUIRE(text_utf8_valid(m->body, strlen(m->body), NULL));
		REQUIRE(!m->html || text_utf8_valid(m->html, strlen(m->html), NULL));
		for (int k = 0; k < m->n_attachments; k++)
			REQUIRE(text_utf8_valid(m->attachments[k].filename,
						strlen(m->attachments[k].filename), NULL));
		found |= m->id == res.message_id;
	}
	REQUIRE(found);
	REQUIRE(store_message_raw(store, res.message_id, &ticket_id, &raw, &raw_size, &err) ==
		E_OK);
	REQUIRE(ticket_id == res.ticket_id && raw_size == size && !memcmp(raw, data, size));
	free(raw);
	arena_release(&a);
	return 0;
}
