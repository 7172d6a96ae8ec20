/*
 * fuzz_sanitize.c - email HTML through the sanitiser. Whatever goes in, what
 * comes out, parsed again as a browser would, holds only allowed elements,
 * attributes and URLs, no comments and no CSS that loads or runs anything;
 * it is valid UTF-8; and sanitising it again changes nothing.
 */
#include "fuzz.h"
#include "core/sanitize.h"

#include <ctype.h>
#include <gumbo.h>
#include <string.h>
#include <strings.h>

/* checked on their own, not with the sanitiser's lists, so one mistake cannot hide itself */
static const char *const forbidden[] = {
	"script", "iframe", "frame",	"frameset", "object", "embed", "applet",    "form",
	"input",  "button", "select",	"textarea", "option", "base",  "meta",	    "link",
	"svg",	  "math",   "template", "noscript", "title",  "xmp",   "plaintext", "video",
	"audio",  "source", "marquee",	"isindex",  "param",  "area",  "map",	    NULL,
};

static int listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcasecmp(*list, s))
			return 1;
	return 0;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80	    ? 1
			   : (c >> 5) == 6  ? 2
			   : (c >> 4) == 14 ? 3
			   : (c >> 3) == 30 ? 4
					    : 0;

		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

static void check_url(const char *v)
{
	static const char *const ok[] = {"http:",
					 "https:",
					 "mailto:",
					 "tel:",
					 "cid:",
					 "data:image/png",
					 "data:image/jpeg",
					 "data:image/gif",
					 "data:image/webp",
					 NULL};
	int good = 0;

	REQUIRE(!strpbrk(v, "\t\n\r") && (unsigned char)v[0] > ' ');
	for (int i = 0; ok[i]; i++)
		good |= !strncasecmp(v, ok[i], strlen(ok[i]));
	REQUIRE(good);
}

static void check_css(const char *css)
{
	char low[4096];
	size_t n = strlen(css);

	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)css[i]);
	low[n] = 0;
	REQUIRE(!strchr(low, '\\') && !strchr(low, '<') && !strstr(low, "/*"));
	/* outside strings (a font may be called anything) */
	for (char *p = low, quote = 0; *p; p++) {
		if (quote) {
			quote = *p == quote ? 0 : quote;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			quote = *p;
			continue;
		}
		if (!strncmp(p, "url(", 4)) {
			const char *v = p[4] == '"' || p[4] == '\'' ? p + 5 : p + 4;

			REQUIRE(!strncmp(v, "cid:", 4) || !strncmp(v, "data:image/png", 14) ||
				!strncmp(v, "data:image/jpeg", 15) ||
				!strncmp(v, "data:image/gif", 14) ||
				!strncmp(v, "data:image/webp", 15));
		}
		REQUIRE(strncmp(p, "expression(", 11) && strncmp(p, "behavior:", 9) &&
			strncmp(p, "binding:", 8) && strncmp(p, "@import", 7) &&
			strncmp(p, "@font-face", 10) && strncmp(p, "javascript:", 11) &&
			strncmp(p, "image-set(", 10) && strncmp(p, "position:", 9));
	}
}

static void check_tree(const GumboNode *node)
{
	if (node->type == GUMBO_NODE_COMMENT || node->type == GUMBO_NODE_CDATA)
		REQUIRE(!"a comment or CDATA in the output");
	if (node->type == GUMBO_NODE_TEMPLATE)
		REQUIRE(!"a template in the output");
	if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT)
		return;
	if (node->type == GUMBO_NODE_ELEMENT) {
		const GumboElement *el = &node->v.element;
		const char *name = gumbo_normalized_tagname(el->tag);
		int wrapper = el->tag == GUMBO_TAG_HTML || el->tag == GUMBO_TAG_HEAD ||
			      el->tag == GUMBO_TAG_BODY;

		REQUIRE(el->tag_namespace == GUMBO_NAMESPACE_HTML);
		REQUIRE(el->tag != GUMBO_TAG_UNKNOWN && !listed(forbidden, name));
		REQUIRE(wrapper || mail_html_element_allowed(name));
		REQUIRE(!wrapper || el->attributes.length == 0);
		for (unsigned i = 0; i < el->attributes.length; i++) {
			const GumboAttribute *at = el->attributes.data[i];

			REQUIRE(strncasecmp(at->name, "on", 2) &&
				strcasecmp(at->name, "formaction") &&
				strcasecmp(at->name, "srcdoc") && strcasecmp(at->name, "srcset"));
			REQUIRE(mail_html_attr_allowed(name, at->name));
			if (!strcmp(at->name, "href") || !strcmp(at->name, "src") ||
			    !strcmp(at->name, "background"))
				check_url(at->value);
			if (!strcmp(at->name, "style"))
				check_css(at->value);
		}
		if (el->tag == GUMBO_TAG_A && gumbo_get_attribute(&el->attributes, "href")) {
			const GumboAttribute *rel = gumbo_get_attribute(&el->attributes, "rel");
			const GumboAttribute *target =
				gumbo_get_attribute(&el->attributes, "target");

			REQUIRE(rel && !strcmp(rel->value, "noopener noreferrer"));
			REQUIRE(target && !strcmp(target->value, "_blank"));
		}
		if (el->tag == GUMBO_TAG_STYLE)
			for (unsigned i = 0; i < el->children.length; i++) {
				const GumboNode *c = el->children.data[i];

				REQUIRE(c->type == GUMBO_NODE_TEXT ||
					c->type == GUMBO_NODE_WHITESPACE);
				check_css(c->v.text.text);
			}
	}
	const GumboVector *kids = node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children
								    : &node->v.element.children;

	for (unsigned i = 0; i < kids->length; i++)
		check_tree(kids->data[i]);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct arena a;
	const char *once, *twice;
	GumboOutput *doc;

	arena_init(&a);
	once = mail_html_sanitize((const char *)data, size, &a);
	REQUIRE(once && valid_utf8((const unsigned char *)once, strlen(once)));
	doc = gumbo_parse(once);
	check_tree(doc->document);
	gumbo_destroy_output(&kGumboDefaultOptions, doc);
	twice = mail_html_sanitize(once, strlen(once), &a);
	if (strcmp(once, twice)) {
		fprintf(stderr, "not idempotent:\n once: %s\ntwice: %s\n", once, twice);
		REQUIRE(!"sanitising the output again changed it");
	}
	arena_release(&a);
	return 0;
}
