/*
 * ingest.c - finds the mailbox of an inbound email, parses it with that
 * mailbox's settings and stores it.
 */
#include "mail/ingest.h"
#include "mail/parse.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US ((int64_t)86400 * 1000000)

const char *mail_guess_language(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int hangul = 0, kana = 0, turkish = 0;

	/* count letters by their UTF-8 lead bytes: cheap, and enough to tell these apart */
	for (; *p; p++) {
		if (p[0] == 0xea || p[0] == 0xeb || p[0] == 0xec || (p[0] == 0xed && p[1] < 0x9f))
			hangul++;
		else if (p[0] == 0xe3 && (p[1] == 0x81 || p[1] == 0x82 || p[1] == 0x83))
			kana++;
		else if ((p[0] == 0xc4 && (p[1] == 0x9e || p[1] == 0x9f || p[1] == 0xb0 ||
					   p[1] == 0xb1)) ||
			 (p[0] == 0xc5 && (p[1] == 0x9e || p[1] == 0x9f)))
			turkish++;
	}
	if (hangul && hangul >= kana)
		return "ko";
	if (kana)
		return "ja";
	return turkish ? "tr" : "en";
}

/* The acknowledgement text for this language: its own, English, or the first there is. */
static const char *ack_template(json_t *settings, const char *text)
{
	json_t *ack = json_object_get(settings, "auto_ack");
	json_t *tpl = json_object_get(ack, "templates");
	const char *key;
	json_t *v;

	if (!json_is_true(json_object_get(ack, "enabled")) || !json_is_object(tpl))
		return NULL;
	if ((v = json_object_get(tpl, mail_guess_language(text))) && json_is_string(v))
		return json_string_value(v);
	if ((v = json_object_get(tpl, "en")) && json_is_string(v))
		return json_string_value(v);
	json_object_foreach(tpl, key, v)
		if (json_is_string(v))
			return json_string_value(v);
	return NULL;
}

static int addressed_to(const struct mail_message *m, const char *address)
{
	for (int i = 0; i < m->n_to; i++)
		if (m->to[i].email && !strcmp(m->to[i].email, address))
			return 1;
	for (int i = 0; i < m->n_cc; i++)
		if (m->cc[i].email && !strcmp(m->cc[i].email, address))
			return 1;
	return 0;
}

static size_t content_size(const struct mail_message *m)
{
	size_t n = strlen(m->text) + (m->html ? strlen(m->html) : 0);

	for (int i = 0; i < m->n_attachments; i++)
		n += m->attachments[i].size;
	return n;
}

enum err_code mail_ingest(struct store *st, const char *raw, size_t len, const char *mailbox,
			  struct mail_result *out, struct error *err)
{
	const char *charsets[16] = { NULL };
	const struct mailbox *box = NULL;
	json_t *settings[64] = { NULL }, *conf = NULL;
	struct mail_message m;
	mailbox_list boxes = { 0 };
	struct arena a;
	enum err_code rc;
	int nc = 0, n = 0;

	arena_init(&a);
	if ((rc = store_mailbox_list(st, &boxes, &a, err)))
		goto out;
	/* every active mailbox's fallback charsets, the named mailbox's first */
	for (int i = 0; i < boxes.n && n < 64; i++) {
		if (!boxes.items[i].active)
			continue;
		if (mailbox && !strcasecmp(boxes.items[i].address, mailbox))
			box = &boxes.items[i];
		settings[n++] = json_loads(boxes.items[i].settings, 0, NULL);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0, k = 0; i < boxes.n && k < n; i++) {
			json_t *list, *v;
			size_t j;

			if (!boxes.items[i].active)
				continue;
			list = json_object_get(settings[k++], "fallback_charsets");
			if ((pass == 0) != (box == &boxes.items[i]))
				continue;
			json_array_foreach(list, j, v)
				if (json_is_string(v) && nc < 15)
					charsets[nc++] = arena_strdup(&a, json_string_value(v));
		}
	}
	if ((rc = mail_parse(raw, len, MAIL_RAW_MAX, charsets, &m, &a, err)))
		goto out;
	if (content_size(&m) > MAIL_CONTENT_MAX) {
		rc = error_set(err, E_TOO_LARGE,
			       "the email holds %zu bytes of text and files; the limit is %zu",
			       content_size(&m), MAIL_CONTENT_MAX);
		goto out;
	}
	for (int i = 0; !box && i < boxes.n; i++)
		if (boxes.items[i].active && addressed_to(&m, boxes.items[i].address))
			box = &boxes.items[i];
	for (int i = 0; !box && !mailbox && i < boxes.n; i++)
		if (boxes.items[i].active)
			box = &boxes.items[i];
	if (box)
		conf = json_loads(box->settings, 0, NULL);

	json_t *days = json_object_get(conf, "reopen_days");
	char raw_sha[65];
	unsigned char hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, (const unsigned char *)raw, len);
	sodium_bin2hex(raw_sha, sizeof(raw_sha), hash, sizeof(hash));
	struct mail_in in = {
		.raw = raw,
		.raw_len = len,
		.raw_sha256 = raw_sha,
		.m = &m,
		.mailbox_id = box ? box->id : 0,
		.reopen_window_us = (json_is_integer(days) ? json_integer_value(days) : 30) * DAY_US,
		.ack_body = conf ? ack_template(conf, m.visible_text) : NULL,
	};
	rc = store_mail_ingest(st, &in, out, err);
out:
	json_decref(conf);
	for (int i = 0; i < n; i++)
		json_decref(settings[i]);
	arena_release(&a);
	return rc;
}
