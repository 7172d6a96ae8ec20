/*
 * mail_dump.c - prints what mail_parse makes of each file named, as JSON.
 *
 * One JSON object a line, for tests/oracle/mail_oracle.py to compare with
 * Python's email package: the file, and either "error" or the fields a
 * person reading the message checks (subject, addresses, Message-ID, the
 * text and HTML chosen as body, every attachment with whether the HTML
 * shows it). Exits 1 when a file cannot be read.
 */
#include "mail/parse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *address(const struct mail_address *m)
{
	return json_pack("{so so}", "name", str_or_null(m->name), "email", str_or_null(m->email));
}

static json_t *addresses(const struct mail_address *v, int n)
{
	json_t *list = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(list, address(&v[i]));
	return list;
}

static json_t *attachments(const struct mail_message *m)
{
	json_t *list = json_array();

	for (int i = 0; i < m->n_attachments; i++) {
		const struct mail_attachment *at = &m->attachments[i];

		json_array_append_new(list, json_pack("{so ss so sI sb ss}", "filename",
						      str_or_null(at->filename), "content_type",
						      at->content_type, "content_id",
						      str_or_null(at->content_id), "size",
						      (json_int_t)at->size, "inline", at->is_inline,
						      "sha256", at->sha256));
	}
	return list;
}

static json_t *message(const struct mail_message *m)
{
	return json_pack("{ss so so so so so ss so so}", "subject", m->subject, "from",
			 address(&m->from), "to", addresses(m->to, m->n_to), "cc",
			 addresses(m->cc, m->n_cc), "message_id", str_or_null(m->message_id),
			 "charset", str_or_null(m->charset_used), "text", m->text, "html",
			 str_or_null(m->html), "attachments", attachments(m));
}

/* Reads a whole file into a malloc'd buffer; NULL when it cannot. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	if (data)
		*len = (size_t)n;
	fclose(f);
	return data;
}

int main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct mail_message m;
		struct arena a;
		struct error err = {0};
		size_t len = 0;
		char *data = slurp(argv[i], &len), *line;
		json_t *o;

		if (!data) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			status = 1;
			continue;
		}
		arena_init(&a);
		if (mail_parse(data, len, 0, NULL, &m, &a, &err) == E_OK)
			o = message(&m);
		else
			o = json_pack("{ss}", "error", err.message);
		json_object_set_new(o, "file", json_string(argv[i]));
		line = json_dumps(o, JSON_COMPACT);
		puts(line);
		free(line);
		json_decref(o);
		arena_release(&a);
		free(data);
	}
	return status;
}
