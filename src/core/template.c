/*
 * template.c - {{name}} placeholders replaced by values, in text or HTML.
 */
#include "core/template.h"

#include <string.h>

/* The bytes of the UTF-8 character at s (at most n); 1 for a stray byte. */
static size_t char_len(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0xc0 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

	if (k > n)
		k = n;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return i;
	return k;
}

/* The length of byte c once buf_add_html has escaped it. */
static size_t html_width(unsigned char c)
{
	switch (c) {
	case '&':
		return 5; /* &amp; */
	case '<':
	case '>':
		return 4; /* &lt; &gt; */
	case '"':
		return 6; /* &quot; */
	case '\'':
		return 5; /* &#39; */
	default:
		return 1;
	}
}

/*
 * Appends s[0..n), escaped when html, or the longest prefix of whole
 * characters that fits before b->max. Returns 1 when it had to cut.
 */
static int put(struct buf *b, const char *s, size_t n, int html)
{
	size_t room = b->err ? 0 : b->max - b->len, used = 0, i = 0;

	/* the common case: even all escaped it fits */
	if (n <= room / 6) {
		i = n;
	} else {
		while (i < n) {
			size_t k = char_len((const unsigned char *)s + i, n - i);
			size_t w = html && k == 1 ? html_width((unsigned char)s[i]) : k;

			if (w > room - used)
				break;
			used += w;
			i += k;
		}
	}
	if (html)
		buf_add_html(b, s, i);
	else
		buf_add(b, s, i);
	return i < n;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/*
 * The placeholder at p (which starts with "{{"): its name in *name, *name_len
 * and its whole length returned; 0 when p is not one.
 */
static size_t placeholder(const char *p, const char **name, size_t *name_len)
{
	size_t i = 2, start;

	while (p[i] == ' ' || p[i] == '\t')
		i++;
	start = i;
	while (name_char(p[i]))
		i++;
	if (i == start)
		return 0;
	*name = p + start;
	*name_len = i - start;
	while (p[i] == ' ' || p[i] == '\t')
		i++;
	return p[i] == '}' && p[i + 1] == '}' ? i + 2 : 0;
}

static const struct template_var *lookup(const struct template_var *vars, size_t n,
					 const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (vars[i].name && strlen(vars[i].name) == len && !memcmp(vars[i].name, name, len))
			return &vars[i];
	return NULL;
}

int template_render(struct buf *out, const char *tpl, const struct template_var *vars, size_t n,
		    unsigned flags, struct template_report *rep)
{
	struct template_report none;
	int html = flags & TEMPLATE_HTML, cut = 0;
	const char *p = tpl ? tpl : "";

	if (!rep)
		rep = &none;
	memset(rep, 0, sizeof(*rep));
	while (*p && !cut) {
		const char *name, *hit = strstr(p, "{{");
		const struct template_var *v;
		size_t name_len, whole;

		if (!hit) {
			cut = put(out, p, strlen(p), 0);
			break;
		}
		cut = put(out, p, (size_t)(hit - p), 0);
		if (cut)
			break;
		whole = placeholder(hit, &name, &name_len);
		if (!whole) {
			/* one '{' only: "{{{x}}" is '{' then the placeholder {{x}} */
			cut = put(out, hit, 1, 0);
			p = hit + 1;
			continue;
		}
		p = hit + whole;
		v = lookup(vars, n, name, name_len);
		if (v) {
			cut = put(out, v->value ? v->value : "", v->value ? strlen(v->value) : 0,
				  html);
			continue;
		}
		if (!rep->unknown++) {
			rep->first_unknown = name;
			rep->first_unknown_len = name_len;
		}
		if (flags & TEMPLATE_KEEP_UNKNOWN)
			cut = put(out, hit, whole, 0);
	}
	rep->truncated = cut;
	return cut ? -1 : 0;
}

char *template_render_str(struct arena *a, const char *tpl, const struct template_var *vars,
			  size_t n, unsigned flags, struct template_report *rep)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	template_render(&b, tpl, vars, n, flags, rep);
	s = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_release(&b);
	return s;
}

size_t template_first_name(const char *name)
{
	/* lead bytes 0xe3-0xed: U+3000-U+DFFF, CJK punctuation, kana, Han, Hangul */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p >= 0xe3 && *p <= 0xed)
			return strlen(name);
	return strcspn(name, " ");
}
