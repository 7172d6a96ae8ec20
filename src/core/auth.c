#include "core/auth.h"
#include "util/log.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void auth_init(void)
{
	if (sodium_init() < 0)
		die("cannot initialise libsodium");
}

char *auth_password_hash(const char *password)
{
	char *out = xmalloc(crypto_pwhash_STRBYTES);

	/* crypto_pwhash_str uses argon2id with the interactive cost (64 MiB, 2 passes) */
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
		free(out);
		return NULL;
	}
	return out;
}

int auth_password_check(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

char *auth_random_token(const char *prefix)
{
	unsigned char raw[32];
	size_t plen = strlen(prefix);
	size_t blen = sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = xmalloc(plen + blen);

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, blen, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

char *auth_digest(const char *s)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char *out = xmalloc(sizeof(h) * 2 + 1);

	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, sizeof(h) * 2 + 1, h, sizeof(h));
	return out;
}

char *auth_hmac_hex(const char *key, const void *msg, size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char *out = xmalloc(sizeof(mac) * 2 + 1);

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, sizeof(mac) * 2 + 1, mac, sizeof(mac));
	return out;
}

int auth_hmac_base64_ok(const char *key, const void *msg, size_t len, const char *sig)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES + 1];
	size_t n = 0;

	if (!sig || sodium_base642bin(got, sizeof(got), sig, strlen(sig), NULL, &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) ||
	    n != sizeof(mac))
		return 0;
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	return sodium_memcmp(mac, got, sizeof(mac)) == 0;
}

int auth_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}
