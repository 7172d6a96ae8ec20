/*
 * fuzz_mail.c - libFuzzer target for mail/parse.c.
 *
 * The input is one raw message. Whatever it holds, mail_parse must answer
 * E_OK, E_INVALID or E_TOO_LARGE, and on E_OK every string must be valid
 * UTF-8 and every attachment's size and hash must match its bytes. Inputs of
 * odd length are parsed with fallback charsets, so that path is fuzzed too.
 * Seed it with a copy of tests/data/mail.
 */
#include "mail/parse.h"
#include "fuzz.h"

#include "core/text.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Whether s is NULL or valid UTF-8, checked apart from text.c's validator. */
static int valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k, j;
	uint32_t cp, min;

	if (!str)
		return 1;
	n = strlen(str);
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0)
			k = 2, cp = s[i] & 0x1F, min = 0x80;
		else if ((s[i] & 0xF0) == 0xE0)
			k = 3, cp = s[i] & 0x0F, min = 0x800;
		else if ((s[i] & 0xF8) == 0xF0)
			k = 4, cp = s[i] & 0x07, min = 0x10000;
		else
			return 0;
		if (n - i < k)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k;
	}
	return text_utf8_valid(str, n, NULL);
}

static void check_address(const struct mail_address *m)
{
	REQUIRE(valid_utf8(m->name));
	REQUIRE(valid_utf8(m->email));
	REQUIRE(!m->name || *m->name);
	REQUIRE(!m->email || *m->email);
}

static void check_attachment(const struct mail_attachment *at, size_t input)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[65];

	REQUIRE(valid_utf8(at->filename));
	REQUIRE(!at->filename || *at->filename);
	REQUIRE(!at->filename || (!strchr(at->filename, '/') && !strchr(at->filename, '\\')));
	REQUIRE(valid_utf8(at->content_id));
	REQUIRE(at->content_type && valid_utf8(at->content_type));
	REQUIRE(at->data || at->size == 0);
	/* decoding only shrinks; an attached message is written anew, maybe a little longer */
	REQUIRE(at->size <= 2 * input + 4096);
	REQUIRE(strlen(at->sha256) == 64 && strspn(at->sha256, "0123456789abcdef") == 64);
	crypto_hash_sha256(hash, at->data, at->size);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	REQUIRE(strcmp(hex, at->sha256) == 0);
	REQUIRE(at->is_inline == 0 || at->is_inline == 1);
}

static void check_message(const struct mail_message *m, size_t input)
{
	REQUIRE(m->subject && valid_utf8(m->subject));
	REQUIRE(m->text && valid_utf8(m->text));
	REQUIRE(m->visible_text && valid_utf8(m->visible_text));
	REQUIRE(strlen(m->visible_text) <= strlen(m->text));
	REQUIRE(valid_utf8(m->html));
	REQUIRE(valid_utf8(m->message_id));
	REQUIRE(valid_utf8(m->in_reply_to));
	REQUIRE(valid_utf8(m->bounced_message_id));
	REQUIRE(valid_utf8(m->charset_used));
	REQUIRE(!m->bounce || m->auto_submitted);
	REQUIRE(m->date_us >= 0);
	check_address(&m->from);
	check_address(&m->reply_to);
	REQUIRE(m->n_to >= 0 && (m->to || !m->n_to));
	REQUIRE(m->n_cc >= 0 && (m->cc || !m->n_cc));
	for (int i = 0; i < m->n_to; i++)
		check_address(&m->to[i]);
	for (int i = 0; i < m->n_cc; i++)
		check_address(&m->cc[i]);
	REQUIRE(m->n_references >= 0 && (m->references || !m->n_references));
	for (int i = 0; i < m->n_references; i++)
		REQUIRE(m->references[i] && valid_utf8(m->references[i]));
	REQUIRE(m->n_attachments >= 0 && (m->attachments || !m->n_attachments));
	for (int i = 0; i < m->n_attachments; i++)
		check_attachment(&m->attachments[i], input);
	REQUIRE(mail_subject_ticket_number(m->subject) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fallbacks[] = {"shift_jis", "euc-kr", "koi8-r", NULL};
	struct mail_message m;
	struct arena a;
	struct error err;
	enum err_code rc;

	arena_init(&a);
	rc = mail_parse((const char *)data, size, 0, size % 2 ? fallbacks : NULL, &m, &a, &err);
	REQUIRE(rc == E_OK || rc == E_INVALID || rc == E_TOO_LARGE);
	if (rc == E_OK)
		check_message(&m, size);
	else
		REQUIRE(err.code == rc && err.message[0]);

	/* the helpers take UTF-8: give them the input when it is */
	if (text_utf8_valid((const char *)data, size, NULL) && !memchr(data, 0, size)) {
		char *s = arena_strndup(&a, (const char *)data, size);
		char *t = mail_html_to_text(s, size, &a), *v = mail_visible_text(s, &a);

		REQUIRE(valid_utf8(t) && valid_utf8(v));
		REQUIRE(strlen(v) <= size);
		REQUIRE(mail_subject_ticket_number(s) >= 0);
	}
	arena_release(&a);
	return 0;
}
