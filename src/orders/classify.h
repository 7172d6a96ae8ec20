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
 * that it has not come, is.
 */
void classify_message(const char *text, size_t len, struct classify_result *out);

/**
 * The language of `len` bytes of text: "ko" (Hangul), "ja" (kana, or Han with
 * Japanese words), "tr" (Turkish letters and words), "en"; NULL when there is
 * too little text to tell. Returns a static string.
 */
const char *classify_language(const char *text, size_t len);

/**
 * Order numbers named in the text: "#1042", "order 1042", "주문번호 1042",
 * "注文番号：1042", "sipariş no 1042", with full-width digits read as digits.
 * A bare number counts only next to an order word; numbers inside phone
 * numbers, prices, dates and tracking numbers do not. Writes up to `max` into
 * `numbers`, digits only; returns how many.
 */
int classify_order_numbers(const char *text, size_t len, char numbers[][CLASSIFY_NUMBER_MAX],
			   int max);

#endif
