/*
 * sanitize.c - email HTML through gumbo and an allowlist.
 *
 * The tree is walked once and written out; anything not allowed is either
 * unwrapped (its children stay: <form>, <label>, unknown elements) or dropped
 * with everything inside it (<script>, <svg>, <button>, ...). Elements that
 * change how their content is parsed (scope boundaries such as <button> and
 * <marquee>, raw-text elements) are always dropped whole: unwrapping one would
 * leave a tree that parses back differently.
 */
#include "core/sanitize.h"
#include "util/buf.h"

#include <ctype.h>
#include <gumbo.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* what the output may hold: the longest email HTML, escaped, fits */
#define OUT_MAX		 ((size_t)16 << 20)
#define CSS_VALUE_MAX	 2048
#define CSS_SELECTOR_MAX 1024

enum action { KEEP, UNWRAP, DROP };

static enum action element_action(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_A:
	case GUMBO_TAG_ABBR:
	case GUMBO_TAG_ACRONYM:
	case GUMBO_TAG_ADDRESS:
	case GUMBO_TAG_ARTICLE:
	case GUMBO_TAG_ASIDE:
	case GUMBO_TAG_B:
	case GUMBO_TAG_BDI:
	case GUMBO_TAG_BDO:
	case GUMBO_TAG_BIG:
	case GUMBO_TAG_BLOCKQUOTE:
	case GUMBO_TAG_BR:
	case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_CENTER:
	case GUMBO_TAG_CITE:
	case GUMBO_TAG_CODE:
	case GUMBO_TAG_COL:
	case GUMBO_TAG_COLGROUP:
	case GUMBO_TAG_DD:
	case GUMBO_TAG_DEL:
	case GUMBO_TAG_DFN:
	case GUMBO_TAG_DIV:
	case GUMBO_TAG_DL:
	case GUMBO_TAG_DT:
	case GUMBO_TAG_EM:
	case GUMBO_TAG_FIGCAPTION:
	case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FONT:
	case GUMBO_TAG_FOOTER:
	case GUMBO_TAG_H1:
	case GUMBO_TAG_H2:
	case GUMBO_TAG_H3:
	case GUMBO_TAG_H4:
	case GUMBO_TAG_H5:
	case GUMBO_TAG_H6:
	case GUMBO_TAG_HEADER:
	case GUMBO_TAG_HR:
	case GUMBO_TAG_I:
	case GUMBO_TAG_IMG:
	case GUMBO_TAG_INS:
	case GUMBO_TAG_KBD:
	case GUMBO_TAG_LI:
	case GUMBO_TAG_MAIN:
	case GUMBO_TAG_MARK:
	case GUMBO_TAG_NAV:
	case GUMBO_TAG_OL:
	case GUMBO_TAG_P:
	case GUMBO_TAG_PRE:
	case GUMBO_TAG_Q:
	case GUMBO_TAG_RP:
	case GUMBO_TAG_RT:
	case GUMBO_TAG_RUBY:
	case GUMBO_TAG_S:
	case GUMBO_TAG_SAMP:
	case GUMBO_TAG_SECTION:
	case GUMBO_TAG_SMALL:
	case GUMBO_TAG_SPAN:
	case GUMBO_TAG_STRIKE:
	case GUMBO_TAG_STRONG:
	case GUMBO_TAG_SUB:
	case GUMBO_TAG_SUP:
	case GUMBO_TAG_TABLE:
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TH:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TIME:
	case GUMBO_TAG_TR:
	case GUMBO_TAG_TT:
	case GUMBO_TAG_U:
	case GUMBO_TAG_UL:
	case GUMBO_TAG_VAR:
	case GUMBO_TAG_WBR:
		return KEEP;
	/* harmless wrappers whose content is the email's text */
	case GUMBO_TAG_FORM:
	case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_LEGEND:
	case GUMBO_TAG_LABEL:
	case GUMBO_TAG_NOBR:
	case GUMBO_TAG_UNKNOWN:
	case GUMBO_TAG_DATA:
	case GUMBO_TAG_BASEFONT:
	case GUMBO_TAG_BLINK:
	case GUMBO_TAG_DETAILS:
	case GUMBO_TAG_SUMMARY:
	case GUMBO_TAG_HGROUP:
	case GUMBO_TAG_RB:
	case GUMBO_TAG_RTC:
	case GUMBO_TAG_SPACER:
	case GUMBO_TAG_MULTICOL:
		return UNWRAP;
	default:
		return DROP;
	}
}

static const char *const global_attrs[] = {
	"abbr",	       "align",	   "alt",     "axis",	 "bgcolor", "border",	"cellpadding",
	"cellspacing", "char",	   "charoff", "clear",	 "color",   "cols",	"colspan",
	"compact",     "datetime", "dir",     "face",	 "frame",   "headers",	"height",
	"hspace",      "id",	   "lang",    "noshade", "nowrap",  "reversed", "rowspan",
	"rules",       "scope",	   "size",    "span",	 "start",   "style",	"summary",
	"title",       "type",	   "valign",  "value",	 "vspace",  "width",	"class",
	NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static int is_url_attr(const char *element, const char *attr)
{
	if (!strcmp(attr, "href"))
		return !strcmp(element, "a");
	if (!strcmp(attr, "src"))
		return !strcmp(element, "img");
	if (!strcmp(attr, "background"))
		return !strcmp(element, "table") || !strcmp(element, "td") ||
		       !strcmp(element, "th") || !strcmp(element, "tr") || !strcmp(element, "div");
	return 0;
}

int mail_html_element_allowed(const char *name)
{
	GumboTag tag = gumbo_tag_enum(name);

	return (tag != GUMBO_TAG_UNKNOWN && element_action(tag) == KEEP) || !strcmp(name, "style");
}

int mail_html_attr_allowed(const char *element, const char *attr)
{
	if (!strcmp(element, "a") && (!strcmp(attr, "rel") || !strcmp(attr, "target")))
		return 1;
	return in_list(global_attrs, attr) || is_url_attr(element, attr);
}

/* The URL as a browser reads it: no leading or trailing C0 controls or spaces, no tab or newline
 * anywhere. */
static char *clean_url(const char *url, struct arena *a)
{
	size_t n = strlen(url), k = 0;
	char *out;

	while (n && (unsigned char)url[n - 1] <= ' ')
		n--;
	while (n && (unsigned char)*url <= ' ')
		url++, n--;
	out = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++)
		if (url[i] != '\t' && url[i] != '\n' && url[i] != '\r')
			out[k++] = url[i];
	out[k] = 0;
	return out;
}

/* The scheme of an absolute URL, lower-case, into s (up to n-1 bytes); 0 when there is none. */
static int url_scheme(const char *url, char *s, size_t n)
{
	size_t i = 0;

	if (!isalpha((unsigned char)url[0]))
		return 0;
	for (; url[i] && url[i] != ':'; i++) {
		if (!isalnum((unsigned char)url[i]) && !strchr("+-.", url[i]))
			return 0;
		if (i + 1 >= n)
			return 0;
		s[i] = (char)tolower((unsigned char)url[i]);
	}
	s[i] = 0;
	return url[i] == ':';
}

/* data: of a raster type the web app also inlines; never SVG, HTML or anything else */
static int raster_data_url(const char *url)
{
	static const char *const types[] = {"image/png", "image/jpeg", "image/gif", "image/webp",
					    NULL};

	if (strncasecmp(url, "data:", 5))
		return 0;
	for (int i = 0; types[i]; i++) {
		size_t n = strlen(types[i]);

		if (!strncasecmp(url + 5, types[i], n) && (url[5 + n] == ';' || url[5 + n] == ','))
			return 1;
	}
	return 0;
}

static int url_ok(const char *element, const char *attr, const char *url)
{
	char scheme[16];

	if (!url_scheme(url, scheme, sizeof(scheme)))
		return 0;
	if (!strcmp(scheme, "http") || !strcmp(scheme, "https"))
		return 1;
	if (!strcmp(attr, "href"))
		return !strcmp(element, "a") &&
		       (!strcmp(scheme, "mailto") || !strcmp(scheme, "tel"));
	return !strcmp(scheme, "cid") || raster_data_url(url);
}

int mail_html_url_allowed(const char *element, const char *attr, const char *url)
{
	struct arena a;
	int ok;

	arena_init(&a);
	ok = is_url_attr(element, attr) && url_ok(element, attr, clean_url(url, &a));
	arena_release(&a);
	return ok;
}

/* The buffer's content copied into the arena ("" when empty or over its limit), and the buffer
 * released. */
static char *finish(struct buf *b, size_t *len, struct arena *a)
{
	size_t n = b->err ? 0 : b->len;
	char *r = arena_strndup(a, n ? b->p : "", n);

	buf_release(b);
	if (len)
		*len = n;
	return r;
}

/* ---- CSS ---- */

static const char *const css_props[] = {
	"background",
	"background-color",
	"background-image",
	"background-position",
	"background-repeat",
	"background-size",
	"border-collapse",
	"border-spacing",
	"box-sizing",
	"caption-side",
	"clear",
	"color",
	"direction",
	"display",
	"empty-cells",
	"float",
	"font",
	"font-family",
	"font-size",
	"font-stretch",
	"font-style",
	"font-variant",
	"font-weight",
	"height",
	"letter-spacing",
	"line-height",
	"list-style",
	"list-style-position",
	"list-style-type",
	"max-height",
	"max-width",
	"min-height",
	"min-width",
	"opacity",
	"overflow",
	"overflow-wrap",
	"overflow-x",
	"overflow-y",
	"table-layout",
	"text-align",
	"text-decoration",
	"text-indent",
	"text-size-adjust",
	"text-transform",
	"-webkit-text-size-adjust",
	"-ms-text-size-adjust",
	"vertical-align",
	"visibility",
	"white-space",
	"width",
	"word-break",
	"word-spacing",
	"word-wrap",
	NULL,
};

static int css_prop_ok(const char *p)
{
	static const char *const prefixes[] = {"border", "margin", "padding", "mso-", NULL};

	if (!*p)
		return 0;
	for (const char *c = p; *c; c++)
		if (!islower((unsigned char)*c) && *c != '-')
			return 0;
	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(p, prefixes[i], strlen(prefixes[i])) &&
		    (!p[strlen(prefixes[i])] || p[strlen(prefixes[i]) - 1] == '-' ||
		     p[strlen(prefixes[i])] == '-'))
			return !strstr(p, "image"); /* border-image loads from anywhere */
	return in_list(css_props, p);
}

/* url(...) content: only inline images the frame may show */
static int css_url_ok(const char *s, size_t n)
{
	char u[CSS_VALUE_MAX + 1];

	while (n && s[0] == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
		s++, n -= 2;
	if (!n || n > CSS_VALUE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || strchr("\"'()\\<>", s[i]))
			return 0;
	memcpy(u, s, n);
	u[n] = 0;
	return !strncasecmp(u, "cid:", 4) || raster_data_url(u);
}

/*
 * A value is kept only when it is plain: balanced quotes, no escapes, no
 * braces or angle brackets, and no function but colours and inline url()s.
 * What a browser would read as expression(), a binding or a remote load is
 * then simply not there.
 */
static int css_value_ok(const char *v, size_t n)
{
	char quote = 0;
	size_t fn_start = 0;

	if (!n || n > CSS_VALUE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < ' ' || c == 0x7f || c == '\\' || c == '<' || c == '>' || c == '{' ||
		    c == '}' || c == ';' || c == '@')
			return 0;
		if (quote) {
			quote = c == (unsigned char)quote ? 0 : quote;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = (char)c;
		} else if (c == '(') {
			size_t k = i, close;

			while (k > fn_start &&
			       (isalnum((unsigned char)v[k - 1]) || v[k - 1] == '-'))
				k--;
			for (close = i + 1; close < n && v[close] != ')' && v[close] != '(';
			     close++)
				;
			if (close >= n || v[close] != ')')
				return 0;
			if (i - k == 3 && !strncasecmp(v + k, "url", 3)) {
				if (!css_url_ok(v + i + 1, close - i - 1))
					return 0;
			} else if (!((i - k == 3 && (!strncasecmp(v + k, "rgb", 3) ||
						     !strncasecmp(v + k, "hsl", 3))) ||
				     (i - k == 4 && (!strncasecmp(v + k, "rgba", 4) ||
						     !strncasecmp(v + k, "hsla", 4))))) {
				return 0;
			} else {
				for (size_t j = i + 1; j < close; j++)
					if (!isalnum((unsigned char)v[j]) &&
					    !strchr(" ,.%/-+", v[j]))
						return 0;
			}
			i = close;
			fn_start = close + 1;
		} else if (c == ')') {
			return 0;
		} else if (!isalnum(c) && c != '-' && c != '_') {
			fn_start = i + 1;
		}
	}
	return !quote;
}

/* CSS without comments (each one a space, so that no new token is glued together) or NULs */
static char *strip_comments(const char *s, size_t n, size_t *out_n, struct arena *a)
{
	char *out = arena_alloc(a, n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *end = memmem(s + i + 2, n - i - 2, "*/", 2);

			out[k++] = ' ';
			i = end ? (size_t)(end - s) + 1 : n;
			continue;
		}
		/* selectors and values may span lines; what comes out is on one */
		out[k++] = !s[i] || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f'
				   ? ' '
				   : s[i];
	}
	out[k] = 0;
	*out_n = k;
	return out;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* the end of the declaration starting at s: the first ';' outside quotes and parentheses */
static size_t decl_end(const char *s, size_t n)
{
	char quote = 0;
	int depth = 0;
	size_t i = 0;

	for (; i < n; i++) {
		if (quote)
			quote = s[i] == quote ? 0 : quote;
		else if (s[i] == '"' || s[i] == '\'')
			quote = s[i];
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth)
			depth--;
		else if (s[i] == ';' && !depth)
			break;
	}
	return i;
}

static void css_decl(struct buf *out, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *end = s + n, *v;
	char prop[64];
	size_t pn, vn;

	if (!colon)
		return;
	pn = (size_t)(colon - s);
	trim(&s, &pn);
	if (!pn || pn >= sizeof(prop))
		return;
	for (size_t i = 0; i < pn; i++)
		prop[i] = (char)tolower((unsigned char)s[i]);
	prop[pn] = 0;
	v = colon + 1;
	vn = (size_t)(end - v);
	trim(&v, &vn);
	if (!css_prop_ok(prop) || !css_value_ok(v, vn))
		return;
	buf_adds(out, prop);
	buf_add(out, ":", 1);
	buf_add(out, v, vn);
	buf_add(out, ";", 1);
}

static void css_decls(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t end = i + decl_end(s + i, n - i);

		css_decl(out, s + i, end - i);
		i = end + 1;
	}
}

char *mail_css_declarations(const char *css, size_t len, struct arena *a)
{
	struct buf out;
	size_t n;
	const char *s = strip_comments(css, len, &n, a);

	buf_init(&out, OUT_MAX);
	css_decls(&out, s, n);
	return finish(&out, NULL, a);
}

/* the index of the '}' closing a block that starts at s[0] (after its '{'), or n */
static size_t block_end(const char *s, size_t n)
{
	char quote = 0;
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (quote)
			quote = s[i] == quote ? 0 : quote;
		else if (s[i] == '"' || s[i] == '\'')
			quote = s[i];
		else if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && !depth--)
			return i;
	}
	return n;
}

/* the pseudo-classes a selector may call: none of them loads anything */
static int pseudo_function_ok(const char *s, size_t open)
{
	static const char *const names[] = {
		"not", "is",	    "where",	      "has",	     "lang",
		"dir", "nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type",
		NULL};
	size_t k = open;
	char name[20];

	while (k && (isalnum((unsigned char)s[k - 1]) || s[k - 1] == '-'))
		k--;
	if (!k || s[k - 1] != ':' || open - k >= sizeof(name))
		return 0;
	for (size_t i = k; i < open; i++)
		name[i - k] = (char)tolower((unsigned char)s[i]);
	name[open - k] = 0;
	return in_list(names, name);
}

/*
 * A selector or @media condition kept only when it is made of plain
 * characters, quotes balanced; parentheses only for pseudo-classes
 * (selectors) or media features (conditions).
 */
static int css_prelude_ok(const char *s, size_t n, int selector)
{
	const char *extra = selector ? "-_.#:,>+~*[]=|^$()%" : "(),:.-/";
	char quote = 0;

	if (!n || n > CSS_SELECTOR_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!c || c < ' ' || c == '\\' || c == '<')
			return 0;
		if (quote) {
			quote = c == (unsigned char)quote ? 0 : quote;
		} else if (c == '"' || c == '\'') {
			quote = (char)c;
		} else if (c == '(' && (selector ? !pseudo_function_ok(s, i)
						 : i && s[i - 1] != ' ' && s[i - 1] != '(' &&
							   s[i - 1] != ',')) {
			return 0;
		} else if (!isalnum(c) && c != ' ' && c < 0x80 && !strchr(extra, c)) {
			return 0;
		}
	}
	return !quote;
}

static void css_sheet(struct buf *out, const char *s, size_t n, int nested, struct arena *a);

static size_t css_at_rule(struct buf *out, const char *s, size_t n, int nested, struct arena *a)
{
	size_t i = 1, open;

	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	for (open = i; open < n && s[open] != '{' && s[open] != ';' && s[open] != '}'; open++)
		;
	if (open >= n || s[open] != '{')
		return open + 1; /* @import, @charset, @namespace: dropped */
	size_t close = open + 1 + block_end(s + open + 1, n - open - 1);
	const char *cond = s + i;
	size_t cn = open - i;

	trim(&cond, &cn);
	if (!nested && i == 6 && !strncasecmp(s + 1, "media", 5) && css_prelude_ok(cond, cn, 0)) {
		struct buf inner;

		buf_init(&inner, OUT_MAX);
		css_sheet(&inner, s + open + 1, close - open - 1, 1, a);
		if (inner.len && !inner.err) {
			buf_adds(out, "@media ");
			buf_add(out, cond, cn);
			buf_add(out, "{", 1);
			buf_add(out, inner.p, inner.len);
			buf_add(out, "}", 1);
		}
		buf_release(&inner);
	}
	return close + 1;
}

static void css_sheet(struct buf *out, const char *s, size_t n, int nested, struct arena *a)
{
	for (size_t i = 0; i < n;) {
		size_t open, close;
		const char *sel;
		size_t sn;

		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (s[i] == '@') {
			i += css_at_rule(out, s + i, n - i, nested, a);
			continue;
		}
		for (open = i; open < n && s[open] != '{' && s[open] != '}' && s[open] != ';';
		     open++)
			;
		if (open >= n || s[open] != '{') {
			i = open + 1;
			continue;
		}
		close = open + 1 + block_end(s + open + 1, n - open - 1);
		sel = s + i;
		sn = open - i;
		trim(&sel, &sn);
		if (css_prelude_ok(sel, sn, 1)) {
			struct buf decls;

			buf_init(&decls, OUT_MAX);
			css_decls(&decls, s + open + 1, close - open - 1);
			if (decls.len && !decls.err) {
				buf_add(out, sel, sn);
				buf_add(out, "{", 1);
				buf_add(out, decls.p, decls.len);
				buf_add(out, "}", 1);
			}
			buf_release(&decls);
		}
		i = close + 1;
	}
}

/* ---- HTML ---- */

struct writer {
	struct buf out;
	struct arena *a;
};

static void write_node(struct writer *w, const GumboNode *node, int depth);

static void write_children(struct writer *w, const GumboVector *children, int depth)
{
	for (unsigned i = 0; i < children->length; i++)
		write_node(w, children->data[i], depth);
}

/* the text of a raw-text element's children (gumbo gives <style> one text node) */
static char *child_text(const GumboElement *el, size_t *n, struct arena *a)
{
	struct buf t;

	buf_init(&t, OUT_MAX);
	for (unsigned i = 0; i < el->children.length; i++) {
		const GumboNode *c = el->children.data[i];

		if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE ||
		    c->type == GUMBO_NODE_CDATA)
			buf_adds(&t, c->v.text.text);
	}
	return finish(&t, n, a);
}

static void write_style(struct writer *w, const GumboElement *el)
{
	size_t n, sn;
	char *text = child_text(el, &n, w->a);
	const char *css = strip_comments(text, n, &sn, w->a);
	struct buf sheet;

	buf_init(&sheet, OUT_MAX);
	css_sheet(&sheet, css, sn, 0, w->a);
	/* css_prelude_ok and css_value_ok refuse '<': no </style> can come out */
	if (sheet.len && !sheet.err && !memchr(sheet.p, '<', sheet.len)) {
		buf_adds(&w->out, "<style>");
		buf_add(&w->out, sheet.p, sheet.len);
		buf_adds(&w->out, "</style>");
	}
	buf_release(&sheet);
}

static void write_attr(struct writer *w, const char *name, const char *value)
{
	buf_add(&w->out, " ", 1);
	buf_adds(&w->out, name);
	buf_add(&w->out, "=\"", 2);
	buf_add_html(&w->out, value, strlen(value));
	buf_add(&w->out, "\"", 1);
}

/* Writes the allowed attributes; returns 1 when an href was kept. */
static int write_attrs(struct writer *w, const char *name, const GumboElement *el)
{
	int href = 0;

	for (unsigned i = 0; i < el->attributes.length; i++) {
		const GumboAttribute *at = el->attributes.data[i];
		const char *value = at->value;

		if (at->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE ||
		    !mail_html_attr_allowed(name, at->name) || !strcmp(at->name, "rel") ||
		    !strcmp(at->name, "target"))
			continue;
		if (is_url_attr(name, at->name)) {
			value = clean_url(value, w->a);
			if (!url_ok(name, at->name, value))
				continue;
			href |= !strcmp(at->name, "href");
		} else if (!strcmp(at->name, "style")) {
			value = mail_css_declarations(value, strlen(value), w->a);
			if (!*value)
				continue;
		}
		write_attr(w, at->name, value);
	}
	return href;
}

static int is_void(GumboTag tag)
{
	return tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR || tag == GUMBO_TAG_IMG ||
	       tag == GUMBO_TAG_WBR || tag == GUMBO_TAG_COL;
}

static void write_element(struct writer *w, const GumboNode *node, int depth)
{
	const GumboElement *el = &node->v.element;
	const char *name = gumbo_normalized_tagname(el->tag);
	enum action act = element_action(el->tag);

	if (el->tag_namespace != GUMBO_NAMESPACE_HTML || depth > MAIL_HTML_MAX_DEPTH)
		return;
	if (el->tag == GUMBO_TAG_STYLE) {
		write_style(w, el);
		return;
	}
	if (act == DROP)
		return;
	if (act == UNWRAP) { /* counted too: the depth also bounds this recursion */
		write_children(w, &el->children, depth + 1);
		return;
	}
	buf_add(&w->out, "<", 1);
	buf_adds(&w->out, name);
	if (write_attrs(w, name, el)) {
		write_attr(w, "rel", "noopener noreferrer");
		write_attr(w, "target", "_blank");
	}
	buf_add(&w->out, ">", 1);
	if (is_void(el->tag))
		return;
	/* the parser drops a newline right after <pre>: a text that starts with one needs another
	 */
	if (el->tag == GUMBO_TAG_PRE && el->children.length) {
		const GumboNode *first = el->children.data[0];

		if ((first->type == GUMBO_NODE_TEXT || first->type == GUMBO_NODE_WHITESPACE) &&
		    first->v.text.text[0] == '\n')
			buf_add(&w->out, "\n", 1);
	}
	write_children(w, &el->children, depth + 1);
	buf_add(&w->out, "</", 2);
	buf_adds(&w->out, name);
	buf_add(&w->out, ">", 1);
}

static void write_node(struct writer *w, const GumboNode *node, int depth)
{
	switch (node->type) {
	case GUMBO_NODE_ELEMENT:
		write_element(w, node, depth);
		break;
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
		buf_add_html(&w->out, node->v.text.text, strlen(node->v.text.text));
		break;
	default: /* comments; CDATA and templates only come inside dropped elements */
		break;
	}
}

/* <body style=... bgcolor=...> becomes a <div> with that style, since the body is not written */
static const char *body_style(const GumboElement *body, struct arena *a)
{
	const GumboAttribute *style = gumbo_get_attribute(&body->attributes, "style");
	const GumboAttribute *bg = gumbo_get_attribute(&body->attributes, "bgcolor");
	const char *css = style ? mail_css_declarations(style->value, strlen(style->value), a) : "";

	if (bg) {
		char *decl = arena_printf(a, "background-color:%s", bg->value);

		decl = mail_css_declarations(decl, strlen(decl), a);
		css = arena_printf(a, "%s%s", decl, css);
	}
	return css;
}

static void write_document(struct writer *w, const GumboNode *root)
{
	const GumboVector *top = &root->v.element.children;

	for (unsigned i = 0; i < top->length; i++) {
		const GumboNode *part = top->data[i];

		if (part->type != GUMBO_NODE_ELEMENT)
			continue;
		if (part->v.element.tag == GUMBO_TAG_HEAD) {
			const GumboVector *kids = &part->v.element.children;

			for (unsigned k = 0; k < kids->length; k++) {
				const GumboNode *c = kids->data[k];

				if (c->type == GUMBO_NODE_ELEMENT &&
				    c->v.element.tag == GUMBO_TAG_STYLE)
					write_style(w, &c->v.element);
			}
		} else if (part->v.element.tag == GUMBO_TAG_BODY) {
			const char *css = body_style(&part->v.element, w->a);

			if (*css) {
				buf_adds(&w->out, "<div");
				write_attr(w, "style", css);
				buf_add(&w->out, ">", 1);
			}
			write_children(w, &part->v.element.children, 1);
			if (*css)
				buf_adds(&w->out, "</div>");
		}
	}
}

/* ---- bounds on what one parse may cost ---- */

/*
 * HTML5 parsing is quadratic in places: every start tag searches the stack of
 * open elements (so 200,000 nested <div>s take minutes), and formatting
 * elements closed by a block are re-opened at the next one (so 10,000
 * `<div><b a=N></div>` make 50 million nodes). Two cheap limits keep an
 * email's cost near linear: the input is cut before a start tag that would
 * nest deeper than PRESCAN_DEPTH or pass PRESCAN_TAGS (both counted the way
 * a parser mostly would), and gumbo allocates from a budget; a parse that
 * exceeds it is abandoned and nothing is shown (the text body still is).
 */
#define PRESCAN_DEPTH 400
#define PRESCAN_TAGS  10000
#define PARSE_BUDGET  ((size_t)32 << 20)

static size_t tag_name(const char *s, size_t n, char *name, size_t cap)
{
	size_t i = 0;

	while (i < n && !isspace((unsigned char)s[i]) && s[i] != '/' && s[i] != '>') {
		if (i + 1 < cap)
			name[i] = (char)tolower((unsigned char)s[i]);
		i++;
	}
	name[i + 1 < cap ? i : cap - 1] = 0;
	return i;
}

/* the end of a tag whose name ends at s[i]: after its '>', quoted attribute values skipped */
static size_t tag_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != '>') {
		if (s[i] == '=') {
			i++;
			while (i < n && isspace((unsigned char)s[i]))
				i++;
			if (i < n && (s[i] == '"' || s[i] == '\'')) {
				const char *q = memchr(s + i + 1, s[i], n - i - 1);

				i = q ? (size_t)(q - s) + 1 : n;
			}
			continue;
		}
		i++;
	}
	return i < n ? i + 1 : n;
}

/* where a raw-text element's content ends: at "</name" (case aside), or the end */
static size_t raw_text_end(const char *s, size_t n, size_t i, const char *name)
{
	size_t k = strlen(name);

	for (; i + 2 + k <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' && !strncasecmp(s + i + 2, name, k))
			return i;
	return n;
}

/* where the (PRESCAN_TAGS + 1)-th thing that may be a start tag begins, or n */
static size_t tag_limit(const char *s, size_t n)
{
	int tags = 0;

	for (const char *p = s, *end = s + n; (p = memchr(p, '<', (size_t)(end - p)));) {
		if (++p < end && isalpha((unsigned char)*p) && ++tags > PRESCAN_TAGS)
			return (size_t)(p - 1 - s);
	}
	return n;
}

static int find_open(char (*stack)[12], int depth, const char *name)
{
	for (int d = depth - 1; d >= 0; d--)
		if (!strcmp(stack[d], name))
			return d;
	return -1;
}

/*
 * How much of the input to parse: up to the first start tag that, counted
 * roughly as a parser would, nests deeper than PRESCAN_DEPTH. A crafted input
 * can fool the count; tag_limit still bounds it.
 */
static size_t prescan(const char *s, size_t n)
{
	static const char *const voids[] = {
		"area",	    "base",    "br",	"col",	  "embed", "hr",   "img",    "input",
		"link",	    "meta",    "param", "source", "track", "wbr",  "keygen", "image",
		"basefont", "bgsound", "frame", "html",	  "head",  "body", NULL};
	static const char *const raw[] = {"script", "style",   "textarea", "title",    "xmp",
					  "iframe", "noembed", "noframes", "noscript", NULL};
	/* each closes an open one of its own name, as <p><p> makes two paragraphs */
	static const char *const self_closing[] = {"p",	 "li", "dt", "dd",	 "option",
						   "tr", "td", "th", "optgroup", NULL};
	char stack[PRESCAN_DEPTH][12], name[12];
	int depth = 0, foreign = 0;

	n = tag_limit(s, n);
	for (size_t i = 0; i < n;) {
		const char *lt = memchr(s + i, '<', n - i);
		size_t start, k;

		if (!lt || (size_t)(lt - s) + 1 >= n)
			break;
		start = i = (size_t)(lt - s);
		if (s[i + 1] == '!' || s[i + 1] == '?') {
			const char *end = i + 4 <= n && !memcmp(s + i, "<!--", 4)
						  ? memmem(s + i + 4, n - i - 4, "-->", 3)
						  : memchr(s + i, '>', n - i);

			i = end ? (size_t)(end - s) + 1 : n;
			continue;
		}
		if (s[i + 1] == '/' && i + 2 < n && isalpha((unsigned char)s[i + 2])) {
			int d;

			k = tag_name(s + i + 2, n - i - 2, name, sizeof(name));
			i = tag_end(s, n, i + 2 + k);
			if ((d = find_open(stack, depth, name)) >= 0)
				depth = d;
			foreign = find_open(stack, depth, "svg") >= 0 ||
				  find_open(stack, depth, "math") >= 0;
			continue;
		}
		if (!isalpha((unsigned char)s[i + 1])) {
			i++;
			continue;
		}
		k = tag_name(s + i + 1, n - i - 1, name, sizeof(name));
		i = tag_end(s, n, i + 1 + k);
		if (in_list(voids, name) || (foreign && i >= 2 && s[i - 2] == '/'))
			continue;
		if (depth && in_list(self_closing, name) && !strcmp(stack[depth - 1], name))
			depth--;
		if (depth >= PRESCAN_DEPTH)
			return start;
		memcpy(stack[depth++], name, sizeof(name));
		foreign |= !strcmp(name, "svg") || !strcmp(name, "math");
		if (!strcmp(name, "plaintext"))
			break;
		if (!foreign && in_list(raw, name))
			i = raw_text_end(s, n, i, name);
	}
	return n;
}

/*
 * gumbo's allocations, listed so that a parse abandoned half-way (longjmp
 * from the allocator) can be freed whole.
 */
struct block {
	struct block *prev, *next;
	size_t size;
	max_align_t align[];
};

struct budget {
	size_t used;
	struct block *blocks;
	jmp_buf over;
};

static void *budget_alloc(void *userdata, size_t size)
{
	struct budget *b = userdata;
	struct block *p;

	if (size > PARSE_BUDGET || b->used + size + sizeof(*p) > PARSE_BUDGET ||
	    !(p = malloc(sizeof(*p) + size)))
		longjmp(b->over, 1);
	b->used += size + sizeof(*p);
	p->size = size;
	p->prev = NULL;
	p->next = b->blocks;
	if (b->blocks)
		b->blocks->prev = p;
	b->blocks = p;
	return p->align;
}

static void budget_free(void *userdata, void *ptr)
{
	struct budget *b = userdata;
	struct block *p;

	if (!ptr)
		return;
	p = (struct block *)((char *)ptr - offsetof(struct block, align));
	b->used -= p->size + sizeof(*p);
	if (p->prev)
		p->prev->next = p->next;
	else
		b->blocks = p->next;
	if (p->next)
		p->next->prev = p->prev;
	free(p);
}

static void budget_release(struct budget *b)
{
	while (b->blocks) {
		struct block *next = b->blocks->next;

		free(b->blocks);
		b->blocks = next;
	}
}

/*
 * One parse and write. The email is parsed after "<!DOCTYPE html>", as the web
 * app's frame parses it after its own doctype: in no-quirks mode, whatever
 * the email says (a <table> closes an open <p>, for one).
 */
static char *sanitize_pass(const char *html, size_t len, struct arena *a)
{
	static const char doctype[] = "<!DOCTYPE html>";
	GumboOptions opts = kGumboDefaultOptions;
	struct writer w = {.a = a};
	struct budget b = {0};
	GumboOutput *doc;
	size_t n = prescan(html, len);
	char *input = arena_alloc(a, sizeof(doctype) + n);

	memcpy(input, doctype, sizeof(doctype) - 1);
	memcpy(input + sizeof(doctype) - 1, html, n);
	opts.max_errors = 0; /* deskd does not read them; collecting them costs memory */
	opts.allocator = budget_alloc;
	opts.deallocator = budget_free;
	opts.userdata = &b;
	if (setjmp(b.over)) {
		budget_release(&b);
		return NULL;
	}
	doc = gumbo_parse_with_options(&opts, input, sizeof(doctype) - 1 + n);
	buf_init(&w.out, OUT_MAX);
	write_document(&w, doc->root);
	gumbo_destroy_output(&opts, doc);
	/* a cut-off document could end inside a tag: nothing rather than that */
	return finish(&w.out, NULL, a);
}

/*
 * A tree the parser built from broken markup can be one that its own
 * serialisation does not rebuild (an <a> fostered into an <a>, a <p> into a
 * <p>): such output is parsed and written again until it stands still, so
 * what the browser builds from it is the tree that was checked.
 */
char *mail_html_sanitize(const char *html, size_t len, struct arena *a)
{
	char *out, *again;

	if (len > MAIL_HTML_SANITIZE_MAX)
		len = MAIL_HTML_SANITIZE_MAX;
	out = sanitize_pass(html, len, a);
	for (int round = 0; out && *out && round < 4; round++) {
		if (!(again = sanitize_pass(out, strlen(out), a)) || !strcmp(again, out))
			return again ? out : arena_strdup(a, "");
		out = again;
	}
	return out && !*out ? out : arena_strdup(a, "");
}
