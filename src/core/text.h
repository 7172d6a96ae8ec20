/*
 * text.h - search tokens and highlighted snippets for every language deskd serves.
 *
 * SQLite FTS5 and PostgreSQL both index the output of text_tokens, and queries go
 * through the same function, so case folding, diacritics, Turkish dotted and
 * dotless i, and CJK segmentation are decided here and nowhere else.
 *
 * Words (Latin, Greek, Cyrillic and other alphabets, digits) become one token each,
 * lowercased and with Latin diacritics stripped ("İstanbul'da" gives "istanbul da",
 * "Straße" gives "strasse"). Runs of Han, kana and Hangul become overlapping
 * bigrams ("배송조회" gives "배송 송조 조회"; a lone character is a token by
 * itself), so a query for "배송지" is the phrase "배송 송지". Tokens are cut to
 * TEXT_TOKEN_MAX bytes at a character boundary.
 */
#ifndef CORE_TEXT_H
#define CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/** The longest token in bytes; longer words are cut at a character boundary. */
#define TEXT_TOKEN_MAX 64

/**
 * Appends the search tokens of the UTF-8 text `s` (`len` bytes) to the
 * malloc'd buffer `*out`, separated by single ASCII spaces, and returns how
 * many tokens were appended (at most INT_MAX is reported).
 *
 * `*out` may be NULL with `*cap` 0; the function grows it and updates `*out`,
 * `*outlen` (bytes used, excluding the NUL) and `*cap`. The text is always
 * NUL-terminated, even when no token is appended. When `*outlen` is not 0
 * and the buffer does not already end in a space, a space is put before the
 * first new token, so the fields of a record can be appended one by one.
 *
 * Returns -1 only when memory runs out; `*outlen` and the text are then as
 * before the call. Bytes that are not valid UTF-8 separate tokens like
 * spaces do.
 */
int text_tokens(const char *s, size_t len, char **out, size_t *outlen, size_t *cap);

/**
 * Returns a malloc'd, NUL-terminated HTML fragment (the caller frees it) that
 * shows about `width` characters of the UTF-8 text `s` (`len` bytes) around
 * the first place where a token of `query` (tokenized like text_tokens;
 * NULL means none) occurs. Every matching stretch inside it is wrapped in
 * <mark>...</mark>: whole words, and for CJK the characters of the query's
 * bigrams or single characters, wherever they occur in a run. The original
 * text is shown, not its folded form, with & < > " ' escaped, control
 * characters as spaces and each invalid byte as U+FFFD. An ellipsis "…" marks
 * text cut at either end. When nothing matches, the fragment is the start of
 * `s`. Only the first 64 query tokens are looked for. A `width` of 0 gives "".
 *
 * Returns NULL only when memory runs out.
 */
char *text_snippet(const char *s, size_t len, const char *query, size_t width);

/**
 * Returns 1 when the `len` bytes at `s` are valid UTF-8: shortest forms only,
 * no surrogates (U+D800 to U+DFFF), nothing above U+10FFFF. Otherwise
 * returns 0 and, when `bad_at` is not NULL, stores the offset where the first
 * invalid sequence starts, so the first `*bad_at` bytes are valid.
 */
int text_utf8_valid(const char *s, size_t len, size_t *bad_at);

/** Writes code point cp (at most U+10FFFF) as UTF-8 at p (room for 4); returns the bytes. */
size_t text_utf8_put(char *p, uint32_t cp);

/**
 * Returns a malloc'd lower-case copy of the UTF-8 string s (full Unicode
 * simple case mapping; "İ" becomes "i"), or NULL when out of memory.
 */
char *text_lower(const char *s);

/** The number of tokens in a text_tokens result. */
int text_token_count(const char *tokens);

/**
 * How well the token list `doc` answers the tokens of `query` (both from
 * text_tokens): BM25's term-frequency and length parts, with `mean_len` the
 * mean token count of the documents being compared. Higher is better; 0 when
 * no query token occurs.
 */
double text_rank(const char *doc, const char *query, double mean_len);

#endif
