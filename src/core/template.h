/*
 * template.h - the one renderer of {{name}} placeholders: acknowledgement
 * emails, order notifications, whatever an admin writes with placeholders.
 *
 * A placeholder is "{{", optional spaces or tabs, a name of ASCII letters,
 * digits, '_', '.' and '-', optional spaces or tabs, "}}": `{{order.number}}`
 * and `{{ order.number }}` are the same. Anything else that starts with "{{"
 * (no closing "}}", a name with other characters) is template text and is kept
 * as it is. The template is trusted; values are not: in HTML mode they are
 * escaped (& < > " '), the template is not.
 *
 * Values are copied whole. Only when the output buffer reaches its maximum is
 * anything cut, and then at a UTF-8 character boundary (and never inside an
 * HTML entity), with `truncated` set. Pure: no allocation but the buffer's.
 */
#ifndef CORE_TEMPLATE_H
#define CORE_TEMPLATE_H

#include "util/arena.h"
#include "util/buf.h"

#include <stddef.h>

/* How a render treats values and unknown names (an OR of these; 0 is plain text). */
enum {
	TEMPLATE_HTML = 1,	   /* values are HTML-escaped */
	TEMPLATE_KEEP_UNKNOWN = 2, /* an unknown placeholder stays as written instead of empty */
};

/* One name and its value; a NULL value renders as empty. */
struct template_var {
	const char *name, *value;
};

/* What a render found, so an editor can warn about a misspelt name. */
struct template_report {
	int unknown;		   /* placeholders whose name is not in the list */
	const char *first_unknown; /* the first such name, inside the template; NULL: none */
	size_t first_unknown_len;
	int truncated; /* the output reached the buffer's maximum */
};

/**
 * Appends `tpl` to `out` with each placeholder replaced by the value of its
 * name in `vars` (`n` of them; the first of equal names wins). `rep` may be
 * NULL. Returns 0, or -1 when the output was cut at out->max.
 */
int template_render(struct buf *out, const char *tpl, const struct template_var *vars, size_t n,
		    unsigned flags, struct template_report *rep);

/** The same, into a string in the arena (at most 64 MiB). */
char *template_render_str(struct arena *a, const char *tpl, const struct template_var *vars,
			  size_t n, unsigned flags, struct template_report *rep);

/**
 * How many leading bytes of a person's full name `name` are the name to greet
 * them by ({{customer.first_name}}): the first word in most languages; the
 * whole name when it has Chinese, Japanese or Korean characters, which put the
 * family name first ("山田 太郎" stays whole).
 */
size_t template_first_name(const char *name);

#endif
