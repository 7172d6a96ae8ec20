/*
 * classify.h - what an inbound message is about, without a network model: is it
 * a "where is my order?" (WISMO) question, which order numbers does it name, and
 * which language is it written in. Rules and word lists for English, Korean,
 * Japanese and Turkish; pure functions, no allocation, safe on any bytes
 * (invalid UTF-8 is skipped, never read past `len`). Measured against the
 * labelled set in tests/data/wismo/ (tests/unit/test_classify.c).
 */
#ifndef ORDERS_CLASSIFY_H
#define ORDERS_CLASSIFY_H

#include <stddef.h>

#define CLASSIFY_MAX_NUMBERS 4
#define CLASSIFY_NUMBER_MAX  32
/* An order number has 3 to 12 digits: longer runs are tracking or phone numbers. */
#define CLASSIFY_DIGITS_MIN 3
#define CLASSIFY_DIGITS_MAX 12

struct classify_result {
	int wismo;	  /* 1: asks where an order is or when it comes */
	double score;	  /* the evidence for it; wismo is score >= 1.0 */
	const char *lang; /* "en", "ko", "ja", "tr", or NULL when too little to tell */
	int n_numbers;
	/* order numbers as written, digits only, in order of appearance ("1042") */
	char numbers[CLASSIFY_MAX_NUMBERS][CLASSIFY_NUMBER_MAX];
};

/**
 * Classifies `len` bytes of message text (subject and body joined, or either).
 * Complaints about an order that did arrive (damaged, wrong item, a return)
 * are not WISMO; a question about where a parcel is, when it will come, or
 * that it has not come, is. So is not a request that needs a person (a
 * refund, a cancellation, an address change) unless the message insists on
 * the parcel's whereabouts more than once. Lines quoted with ">" are left
 * out, and only the first 16 KB of text are read. `text` may be NULL when
 * `len` is 0.
 */
void classify_message(const char *text, size_t len, struct classify_result *out);

/**
 * The language of `len` bytes of text: "ko" (Hangul), "ja" (kana, or Han with
 * Japanese words), "tr" (Turkish letters and words), "en"; NULL when there is
 * too little text to tell. Returns a static string. Too little is fewer than
 * four letters, a Hangul, kana or Han character counting as two ("ok", "네"
 * and "1042" are NULL; "help", "배송" are not); Han without kana and without
 * a character or word only Japanese writes (発, 届, 注文, ...) is Chinese, so
 * NULL too. Text where Hangul, kana and Han characters are at least half as
 * many as the Latin letters is ko or ja; Latin text is tr when its Turkish
 * words (siparis, kargo, nerede, ...; also written without ç ğ ı ö ş ü) and
 * words with Turkish letters outnumber its English function words, else en.
 */
const char *classify_language(const char *text, size_t len);

/**
 * Order numbers named in the text: "#1042", "order 1042", "주문번호 1042",
 * "注文番号：1042", "sipariş no 1042", with full-width digits read as digits.
 * A bare number counts only next to an order word (before it, over words like
 * "no", "number", "番号", "번호", "numarası"; or after it in "1042번 주문" and
 * "1042 numaralı sipariş"), and so do the next numbers of a list ("orders
 * 1042 and 1043"). Numbers of CLASSIFY_DIGITS_MIN to CLASSIFY_DIGITS_MAX
 * digits only; runs joined to other digits by - . / , : or a space (phone
 * numbers, dates, "1,042"), after a currency sign or before a currency or
 * unit ("$1042", "1042 TL", "1042円", "2026年") do not count. Writes up to
 * `max` into `numbers`, digits only, each once, in order; returns how many.
 */
int classify_order_numbers(const char *text, size_t len, char numbers[][CLASSIFY_NUMBER_MAX],
			   int max);

#endif
