/*
 * auth.h - secrets: password hashing, random tokens, digests and signatures (libsodium).
 */
#ifndef CORE_AUTH_H
#define CORE_AUTH_H

#include <stddef.h>

/** Initialises libsodium; dies if it cannot. */
void auth_init(void);

/** An argon2id hash of `password` (malloc'd), or NULL when out of memory. */
char *auth_password_hash(const char *password);

/** 1 when `password` matches `hash`. */
int auth_password_check(const char *hash, const char *password);

/** A new random secret: `prefix` plus 32 random bytes in URL-safe base64 (malloc'd). */
char *auth_random_token(const char *prefix);

/** The hex SHA-256 of s (malloc'd): how tokens and session ids are stored. */
char *auth_digest(const char *s);

/** The hex HMAC-SHA256 of `len` bytes of msg under `key` (malloc'd). */
char *auth_hmac_hex(const char *key, const void *msg, size_t len);

/**
 * Whether `sig` is the base64 (standard alphabet, padded) of HMAC-SHA256 of
 * msg under key, as Shopify and WooCommerce sign their webhooks; compared in
 * constant time.
 */
int auth_hmac_base64_ok(const char *key, const void *msg, size_t len, const char *sig);

/** Constant-time equality of two NUL-terminated strings. */
int auth_equal(const char *a, const char *b);

#endif
