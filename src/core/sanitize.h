/*
 * sanitize.h - an email's HTML cut down to what is safe to show an agent.
 *
 * The HTML is parsed with gumbo, a full HTML5 parser, so deskd sees the tree a
 * browser would build; the tree is then written out again keeping only an
 * allowlist: text formatting, tables, lists, links, images and their
 * presentational attributes, with `style` (attributes and `<style>` elements)
 * reduced to plain declarations. Scripts, forms, frames, plugins, SVG, MathML,
 * `<base>`, `<meta>`, comments and every event-handler attribute are gone, and
 * URLs keep only the schemes an email needs (see mail_html_url_allowed).
 *
 * The output is serialised so that parsing it again builds the same tree:
 * text and attribute values are escaped, the only raw-text element written is
 * `<style>`, whose filtered CSS never holds a `<`. Sanitising the output again
 * gives the same output.
 *
 * Nothing here touches the store or the network.
 */
#ifndef CORE_SANITIZE_H
#define CORE_SANITIZE_H

#include "util/arena.h"

#include <stddef.h>

/** Input bytes beyond this are not read: a bigger email's HTML is cut here. */
#define MAIL_HTML_SANITIZE_MAX ((size_t)2 << 20)

/** Elements nested deeper than this (counted from <body>) are dropped with their content. */
#define MAIL_HTML_MAX_DEPTH 200

/**
 * The HTML of `len` bytes at `html` (any bytes; NUL-free is not required),
 * sanitised, as a NUL-terminated UTF-8 string in the arena. Never NULL; empty
 * when nothing is left, or when the HTML would cost too much to parse (see
 * sanitize.c: the input is also cut at 10,000 tags and before a tag nesting
 * deeper than 400). Thread-safe; takes two parses or more.
 */
char *mail_html_sanitize(const char *html, size_t len, struct arena *a);

/** 1 when an HTML element of this lower-case name may appear in the output. */
int mail_html_element_allowed(const char *name);

/** 1 when the attribute `attr` may appear on the element `element` in the output. */
int mail_html_attr_allowed(const char *element, const char *attr);

/**
 * 1 when `url` is allowed as the value of `attr` on `element`: `a href`
 * takes http, https, mailto and tel; `img src` and `background` take http,
 * https, cid and data: PNG, JPEG, GIF or WebP. Relative URLs are refused
 * (in the browser's frame they would point at deskd).
 */
int mail_html_url_allowed(const char *element, const char *attr, const char *url);

/**
 * CSS declarations (a style attribute's value) cut down to allowed
 * properties with plain values, as "prop:value;..." in the arena; url() only
 * of cid: and data: raster images. Empty when nothing is left.
 */
char *mail_css_declarations(const char *css, size_t len, struct arena *a);

#endif
