/*
 * secret.c - the key that seals mailbox passwords at rest (libsodium secretbox),
 * and the keys derived from it for other uses (mail_secret_derive).
 *
 * The key lives in the data folder, apart from the database: a copy of the
 * database alone does not give away the mailbox passwords.
 */
#include "mail/ingest.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char key[crypto_secretbox_KEYBYTES];
static int have_key;

/*
 * A new key is written whole to a file of its own, then linked into place:
 * a second server starting at the same moment finds either no key or a
 * whole one, never a part (and the first link wins; the loser reads it).
 */
static int create_key(const char *path)
{
	char tmp[4200];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	crypto_secretbox_keygen(key);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) && !fsync(fd);
	close(fd);
	ok = ok && !link(tmp, path);
	unlink(tmp);
	return ok ? 0 : -1;
}

int mail_secret_init(const char *dir, char **err)
{
	char path[4096];
	int fd;
	ssize_t n;

	if (sodium_init() < 0)
		die("cannot initialise libsodium");
	snprintf(path, sizeof(path), "%s/mail.key", dir);
	if (access(path, F_OK) && errno == ENOENT && !create_key(path)) {
		have_key = 1;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (asprintf(err, "cannot open %s: %s", path, strerror(errno)) < 0)
			die("out of memory");
		return -1;
	}
	n = read(fd, key, sizeof(key));
	close(fd);
	if (n != (ssize_t)sizeof(key)) {
		if (asprintf(err, "%s is not a key (%zd bytes)", path, n) < 0)
			die("out of memory");
		return -1;
	}
	have_key = 1;
	return 0;
}

char *mail_seal(const char *plain)
{
	size_t len = strlen(plain), box = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
	unsigned char *buf;
	size_t b64 = sodium_base64_ENCODED_LEN(box, sodium_base64_VARIANT_ORIGINAL);
	char *out;

	if (!have_key)
		return NULL;
	buf = xmalloc(box);
	out = xmalloc(b64);
	randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, len,
			      buf, key);
	sodium_bin2base64(out, b64, buf, box, sodium_base64_VARIANT_ORIGINAL);
	free(buf);
	return out;
}

char *mail_unseal(const char *sealed)
{
	size_t n = strlen(sealed), len;
	unsigned char *buf = xmalloc(n + 1);
	char *out = NULL;

	if (have_key &&
	    !sodium_base642bin(buf, n, sealed, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) &&
	    len >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
		size_t plain = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;

		out = xmalloc(plain + 1);
		if (crypto_secretbox_open_easy((unsigned char *)out, buf + crypto_secretbox_NONCEBYTES,
					       len - crypto_secretbox_NONCEBYTES, buf, key)) {
			free(out);
			out = NULL;
		} else {
			out[plain] = '\0';
		}
	}
	free(buf);
	return out;
}

/*
 * A derived key is the HMAC of its label under the sealing key: it is as
 * lasting and as shared as mail.key, but knowing it (or a token it signed)
 * tells nothing of the sealing key or of another label's key.
 */
int mail_secret_derive(const char *label, unsigned char out[32])
{
	if (!have_key)
		return -1;
	crypto_auth_hmacsha256(out, (const unsigned char *)label, strlen(label), key);
	return 0;
}
