/*
 * test_mail_transport.c - mail/smtp.c and mail/imap.c against a real Postfix
 * and Dovecot (tests/mailsrv.sh, started by tests/run.sh).
 *
 * A reply is composed, sent through Postfix and read back from the sink
 * Maildir with deskd's own parser: what a customer's mail client would show
 * must be what the agent wrote. Messages dropped into Dovecot's Maildir are
 * read back over IMAP, IMAP with STARTTLS and IMAPS, byte for byte, and \Seen
 * is checked in the Maildir file names, where Dovecot keeps it.
 *
 * The servers are found through DESKD_TEST_MAIL_* (see tests/mailsrv.sh);
 * without them the test fails, saying so.
 */
#include "core/netguard.h"
#include "mail/imap.h"
#include "mail/parse.h"
#include "mail/smtp.h"

#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SUBJECT	  "[#1042] 주문 배송 문의 / 注文の配送について"
#define FROM_NAME "Çağrı Öztürk (Destek)"
#define FILENAME  "sipariş_özeti 請求書.pdf"
#define TEXT	  "Merhaba,\n\nSiparişiniz yola çıktı. 감사합니다!\nありがとうございます。\n"

static const char *env(const char *key)
{
	char name[64];

	snprintf(name, sizeof(name), "DESKD_TEST_MAIL_%s", key);
	return getenv(name);
}

/* 1 when the servers are there; without them the first test to ask fails, saying why. */
static int servers(void)
{
	static int told;

	if (env("DIR") && env("SMTP_PORT") && env("IMAP_PORT") && env("IMAPS_PORT"))
		return 1;
	if (!told++) {
		fprintf(stderr, "DESKD_TEST_MAIL_DIR is not set: start the servers with "
				"tests/mailsrv.sh (tests/run.sh does)\n");
		CHECK(!"mail servers running");
	}
	return 0;
}

static struct mail_server smtp_server(const char *security)
{
	return (struct mail_server){.host = "127.0.0.1",
				    .port = atoi(env("SMTP_PORT")),
				    .security = security,
				    .tls_verify = 0};
}

static struct mail_server imap_server(const char *security, const char *password)
{
	int tls = strcmp(security, "tls") == 0;

	return (struct mail_server){.host = "127.0.0.1",
				    .port = atoi(env(tls ? "IMAPS_PORT" : "IMAP_PORT")),
				    .security = security,
				    .user = env("IMAP_USER"),
				    .password = password,
				    .tls_verify = 0};
}

static void sha256_hex(const void *data, size_t n, char hex[65])
{
	unsigned char hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, data, n);
	sodium_bin2hex(hex, 65, hash, sizeof(hash));
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	*len = fread(data, 1, (size_t)n, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

/* Waits up to 20 s for a file in dir/new/ holding `needle`; returns its bytes (free them). */
static char *wait_for_file(const char *dir, const char *needle, size_t *len)
{
	char path[512];

	for (int tries = 0; tries < 200; tries++) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof(path), "%s/new", dir);
		if ((d = opendir(path)) != NULL) {
			while ((e = readdir(d)) != NULL) {
				char *data;

				if (e->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/new/%s", dir, e->d_name);
				data = read_file(path, len);
				if (data && strstr(data, needle)) {
					closedir(d);
					return data;
				}
				free(data);
			}
			closedir(d);
		}
		usleep(100 * 1000);
	}
	return NULL;
}

static unsigned char pdf[3000];

/* A reply as deskd would send it; `id` makes it findable in the sink. */
static struct mail_out reply(const char *id)
{
	static const char *const refs[] = {"first@customer.test", "second@shop.test"};
	static const char *const cc[] = {"boss@customer.test"};
	static struct mail_out_attachment at = {FILENAME, "application/pdf", pdf, sizeof(pdf)};

	for (size_t i = 0; i < sizeof(pdf); i++)
		pdf[i] = (unsigned char)(i * 7 + i / 256);
	return (struct mail_out){.from_name = FROM_NAME,
				 .from_email = "support@shop.test",
				 .to_name = "Müşteri Bey",
				 .to_email = "shopper@customer.test",
				 .cc = cc,
				 .n_cc = 1,
				 .subject = SUBJECT,
				 .message_id = id,
				 .in_reply_to = "second@shop.test",
				 .references = refs,
				 .n_references = 2,
				 .text = TEXT,
				 .attachments = &at,
				 .n_attachments = 1,
				 .date_us = INT64_C(1700000000123456)};
}

/* What the customer's mail client shows must be what was composed. */
static void check_received(const char *raw, size_t len, const char *id)
{
	struct arena a;
	struct mail_message m;
	struct error err;
	char hex[65];

	arena_init(&a);
	CHECK(mail_parse(raw, len, 0, NULL, &m, &a, &err) == E_OK);
	CHECK_STR(m.subject, SUBJECT);
	CHECK_STR(m.from.name, FROM_NAME);
	CHECK_STR(m.from.email, "support@shop.test");
	CHECK(m.n_to == 1 && m.n_to == 1 && strcmp(m.to[0].name, "Müşteri Bey") == 0);
	CHECK(m.n_cc == 1 && strcmp(m.cc[0].email, "boss@customer.test") == 0);
	CHECK_STR(m.message_id, id);
	CHECK_STR(m.in_reply_to, "second@shop.test");
	CHECK(m.n_references == 2);
	if (m.n_references == 2) {
		CHECK_STR(m.references[0], "first@customer.test");
		CHECK_STR(m.references[1], "second@shop.test");
	}
	CHECK_STR(m.text,
		  "Merhaba,\n\nSiparişiniz yola çıktı. 감사합니다!\nありがとうございます。");
	CHECK(m.html && strstr(m.html, "yola çıktı. 감사합니다!<br>"));
	CHECK(m.date_us == INT64_C(1700000000000000));
	CHECK(!m.auto_submitted);
	CHECK(m.n_attachments == 1);
	if (m.n_attachments == 1) {
		sha256_hex(pdf, sizeof(pdf), hex);
		CHECK_STR(m.attachments[0].filename, FILENAME);
		CHECK_STR(m.attachments[0].content_type, "application/pdf");
		CHECK(m.attachments[0].size == sizeof(pdf));
		CHECK_STR(m.attachments[0].sha256, hex);
		CHECK(!m.attachments[0].is_inline);
	}
	arena_release(&a);
}

static void unique_id(char *id, size_t n, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, n, "%s.%lld.%ld.%d@shop.test", what, (long long)ts.tv_sec, ts.tv_nsec,
		 (int)getpid());
}

/* ---- composing, no servers needed ---- */

static void test_compose(void)
{
	struct arena a;
	struct mail_out m = reply("compose@shop.test");
	size_t len;
	char *raw;

	arena_init(&a);
	m.auto_reply = 1;
	m.subject = "Hello\r\nBcc: everyone@customer.test";
	raw = mail_compose(&m, &len, &a);
	CHECK(raw && strlen(raw) == len);
	for (size_t i = 0; i < len; i++)
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
			CHECK(!"a bare LF in the composed message");
			break;
		}
	CHECK(strstr(raw, "MIME-Version: 1.0\r\n"));
	CHECK(strstr(raw, "Message-Id: <compose@shop.test>\r\n") ||
	      strstr(raw, "Message-ID: <compose@shop.test>\r\n"));
	CHECK(strstr(raw, "Auto-Submitted: auto-replied\r\n"));
	CHECK(strstr(raw, "multipart/mixed"));
	CHECK(strstr(raw, "multipart/alternative"));
	/* no header can be smuggled in through the subject */
	CHECK(!strstr(raw, "\r\nBcc:"));
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)raw[i] >= 0x80) {
			CHECK(!"8-bit bytes in the composed message");
			break;
		}
	arena_release(&a);

	/* without attachments and with HTML given: no multipart/mixed, the HTML as written */
	arena_init(&a);
	m = reply("plain@shop.test");
	m.n_attachments = 0;
	m.html = "<p>Given <b>HTML</b></p>";
	raw = mail_compose(&m, &len, &a);
	CHECK(!strstr(raw, "multipart/mixed"));
	CHECK(strstr(raw, "multipart/alternative"));
	CHECK(strstr(raw, "<p>Given <b>HTML</b></p>"));
	CHECK(!strstr(raw, "Auto-Submitted"));
	arena_release(&a);
}

/* ---- SMTP through Postfix ---- */

/* Whether got ends with want, want's CRLFs read as LFs (Postfix keeps mail with LF line ends). */
static int ends_with_lf(const char *got, size_t got_len, const char *want, size_t len)
{
	char *lf = malloc(len + 1);
	size_t k = 0;
	int same;

	for (size_t i = 0; i < len; i++)
		if (want[i] != '\r' || i + 1 == len || want[i + 1] != '\n')
			lf[k++] = want[i];
	same = got_len >= k && memcmp(got + got_len - k, lf, k) == 0;
	free(lf);
	return same;
}

static void send_and_read_back(const char *security)
{
	struct arena a;
	struct mail_server s;
	struct mail_out m;
	struct error err;
	const char *rcpts[] = {"shopper@customer.test", "boss@customer.test"};
	char id[128], needle[160], *raw, *got;
	size_t len, got_len;
	int permanent = -1;

	if (!servers())
		return;
	s = smtp_server(security);
	unique_id(id, sizeof(id), security);
	m = reply(id);
	arena_init(&a);
	raw = mail_compose(&m, &len, &a);
	if (mail_smtp_send(&s, "support@shop.test", rcpts, 2, raw, len, &permanent, &err) != E_OK) {
		fprintf(stderr, "%s: %s\n", security, err.message);
		CHECK(!"sent");
	}
	CHECK(permanent == 0);
	snprintf(needle, sizeof(needle), "<%s>", id);
	got = wait_for_file(env("SINK"), needle, &got_len);
	CHECK(got != NULL);
	if (got) {
		check_received(got, got_len, id);
		/* Postfix adds its own lines at the top; the rest arrives as sent */
		CHECK(ends_with_lf(got, got_len, raw, len));
		/* ESMTPS: Postfix saw TLS */
		CHECK(strstr(got, strcmp(security, "none") ? "with ESMTPS id" : "with ESMTP id"));
		free(got);
	}
	arena_release(&a);
}

static void test_send_plain(void)
{
	send_and_read_back("none");
}

static void test_send_starttls(void)
{
	struct mail_server s;
	struct error err;
	const char *rcpt = "shopper@customer.test";
	int permanent = -1;

	send_and_read_back("starttls");
	if (!servers())
		return;
	/* the test certificate is self-signed: checking it must fail, so TLS was really used */
	s = smtp_server("starttls");
	s.tls_verify = 1;
	CHECK(mail_smtp_send(&s, "support@shop.test", &rcpt, 1, "Subject: x\r\n\r\nx\r\n", 17,
			     &permanent, &err) == E_UNAVAILABLE);
	CHECK(permanent == 0);
}

static void test_send_refused_recipient(void)
{
	struct mail_server s;
	struct error err;
	const char *rcpts[] = {"someone@blocked.test"};
	int permanent = -1;

	if (!servers())
		return;
	s = smtp_server("none");
	CHECK(mail_smtp_send(&s, "support@shop.test", rcpts, 1, "Subject: x\r\n\r\nx\r\n", 17,
			     &permanent, &err) == E_UNAVAILABLE);
	CHECK(permanent == 1);
	CHECK(strstr(err.message, "554") && strstr(err.message, "blocked.test refuses all mail"));
}

/* A port nothing listens on: the kernel hands one out and it is closed again. */
static int closed_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t n = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &n);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/*
 * Without --allow-private-targets nothing connects to 127.0.0.1: not SMTP, not
 * IMAP, and the error says so. The tests after this one allow it, for the
 * servers of tests/mailsrv.sh listen there.
 */
static void test_private_address_refused(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t n = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), permanent = -1;
	const char *rcpt = "shopper@customer.test";
	struct mail_server s = {.host = "127.0.0.1", .security = "none", .user = "u"};
	struct error err;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 4) == 0);
	getsockname(fd, (struct sockaddr *)&sa, &n);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	s.port = ntohs(sa.sin_port);

	netguard_allow_private(0);
	CHECK(mail_smtp_send(&s, "support@shop.test", &rcpt, 1, "Subject: x\r\n\r\nx\r\n", 17,
			     &permanent, &err) == E_UNAVAILABLE);
	CHECK(permanent == 1);
	CHECK_STR(err.message,
		  "smtp: refused to connect to a private address (127.0.0.1, loopback)");
	s.host = "::ffff:127.0.0.1";
	CHECK(!imap_open(&s, "INBOX", &err));
	CHECK_STR(err.message,
		  "imap: refused to connect to a private address (::ffff:127.0.0.1, loopback)");
	s.host = "localhost";
	CHECK(mail_smtp_send(&s, "support@shop.test", &rcpt, 1, "x", 1, &permanent, &err) ==
	      E_UNAVAILABLE);
	CHECK(permanent == 1);
	CHECK(strstr(err.message, "refused to connect to a private address") != NULL);
	/* nobody knocked */
	CHECK(accept(fd, NULL, NULL) < 0);
	close(fd);
	netguard_allow_private(1);
}

static void test_send_no_server(void)
{
	struct mail_server s = {.host = "127.0.0.1", .port = closed_port(), .security = "none"};
	struct error err;
	const char *rcpt = "shopper@customer.test";
	int permanent = -1;

	CHECK(mail_smtp_send(&s, "support@shop.test", &rcpt, 1, "Subject: x\r\n\r\nx\r\n", 17,
			     &permanent, &err) == E_UNAVAILABLE);
	CHECK(permanent == 0);
	CHECK(*err.message);
	s.security = "ssl";
	CHECK(mail_smtp_send(&s, "support@shop.test", &rcpt, 1, "x", 1, &permanent, &err) ==
	      E_INVALID);
}

/* ---- IMAP against Dovecot ---- */

/* Two messages, CRLF line ends as IMAP serves them, with lines that look like IMAP replies. */
static const char *const dropped[] = {
	"From: Ayşe <ayse@customer.test>\r\nTo: support@shop.test\r\n"
	"Subject: =?utf-8?B?7KO866y4?=\r\nMessage-ID: <drop1@customer.test>\r\n\r\n"
	"first body\r\n* 1 FETCH (FLAGS (\\Seen))\r\nA005 OK done\r\n{12}\r\n",
	"From: taro@customer.test\r\nTo: support@shop.test\r\nSubject: two\r\n"
	"Message-ID: <drop2@customer.test>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: 8bit\r\n\r\nsecond body caf\xe9\r\n.\r\n",
};

static void drop(const char *name, const char *data)
{
	char tmp[512], final[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", env("IMAP_MAILDIR"), name);
	snprintf(final, sizeof(final), "%s/new/%s", env("IMAP_MAILDIR"), name);
	f = fopen(tmp, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	fwrite(data, 1, strlen(data), f);
	fclose(f);
	CHECK(rename(tmp, final) == 0);
}

/*
 * The Maildir flags of the message whose file name starts with `name`: "S" is
 * \Seen; "" while the file is still in new/ (a read-only look leaves it there).
 */
static const char *flags_of(const char *name, char *out, size_t n)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/new/%s", env("IMAP_MAILDIR"), name);
	snprintf(out, n, access(path, F_OK) == 0 ? "" : "(not found)");
	snprintf(path, sizeof(path), "%s/cur", env("IMAP_MAILDIR"));
	if (!(d = opendir(path)))
		return out;
	while ((e = readdir(d)) != NULL) {
		const char *info = strstr(e->d_name, ":2,");

		if (strncmp(e->d_name, name, strlen(name)) == 0 && info)
			snprintf(out, n, "%s", info + 3);
	}
	closedir(d);
	return out;
}

static char names[2][64];

static void fetch_both(struct imap *c, const int64_t *uids, struct arena *a)
{
	struct error err;

	for (int i = 0; i < 2; i++) {
		char *data = NULL;
		size_t len = 0;

		CHECK(imap_fetch(c, uids[i], &data, &len, a, &err) == E_OK);
		CHECK(len == strlen(dropped[i]) && data && memcmp(data, dropped[i], len) == 0);
	}
}

static void test_imap(void)
{
	struct mail_server s;
	struct imap *c;
	struct error err;
	struct arena a;
	int64_t validity = 0, next = 0, next_before = 0, *uids = NULL;
	char flags[32];
	int n = -1;

	if (!servers())
		return;
	arena_init(&a);
	s = imap_server("none", env("IMAP_PASSWORD"));
	c = imap_open(&s, "INBOX", &err);
	if (!c) {
		fprintf(stderr, "imap_open: %s\n", err.message);
		CHECK(c != NULL);
		return;
	}
	CHECK(imap_status(c, &validity, &next_before, &err) == E_OK);
	CHECK(validity > 0 && next_before > 0);

	for (int i = 0; i < 2; i++) {
		unique_id(names[i], sizeof(names[i]), i ? "drop2" : "drop1");
		drop(names[i], dropped[i]);
	}
	CHECK(imap_status(c, &validity, &next, &err) == E_OK);
	CHECK(next == next_before + 2);
	CHECK(imap_uids_from(c, next_before, 10, &uids, &n, &a, &err) == E_OK);
	CHECK(n == 2 && uids[0] == next_before && uids[1] == next_before + 1);
	if (n != 2)
		goto out;
	fetch_both(c, uids, &a);
	CHECK_STR(flags_of(names[0], flags, sizeof(flags)), "");
	CHECK_STR(flags_of(names[1], flags, sizeof(flags)), "");

	/* beyond the last UID: nothing, although "n:*" would name the last message */
	CHECK(imap_uids_from(c, next, 10, &uids, &n, &a, &err) == E_OK);
	CHECK(n == 0);
	CHECK(imap_uids_from(c, next_before, 1, &uids, &n, &a, &err) == E_OK);
	CHECK(n == 1 && uids[0] == next_before);

	CHECK(imap_mark_seen(c, next_before, &err) == E_OK);
	CHECK_STR(flags_of(names[0], flags, sizeof(flags)), "S");
	CHECK_STR(flags_of(names[1], flags, sizeof(flags)), "");
	/* fetching after marking is still read-only */
	CHECK(imap_uids_from(c, next_before, 10, &uids, &n, &a, &err) == E_OK);
	if (n == 2)
		fetch_both(c, uids, &a);
	CHECK_STR(flags_of(names[1], flags, sizeof(flags)), "");

	{
		char *data = NULL;
		size_t len = 0;

		CHECK(imap_fetch(c, next + 100, &data, &len, &a, &err) == E_NOT_FOUND);
	}
out:
	imap_close(c);
	arena_release(&a);
}

/* The same messages over STARTTLS and implicit TLS. */
static void test_imap_tls(void)
{
	static const char *const modes[] = {"starttls", "tls"};
	struct error err;
	struct arena a;

	if (!servers())
		return;
	arena_init(&a);
	for (int i = 0; i < 2; i++) {
		struct mail_server s = imap_server(modes[i], env("IMAP_PASSWORD"));
		struct imap *c = imap_open(&s, "INBOX", &err);
		int64_t validity, next, *uids;
		int n = 0;

		if (!c) {
			fprintf(stderr, "%s: %s\n", modes[i], err.message);
			CHECK(c != NULL);
			continue;
		}
		CHECK(imap_status(c, &validity, &next, &err) == E_OK);
		CHECK(imap_uids_from(c, 1, 1000, &uids, &n, &a, &err) == E_OK);
		CHECK(n >= 2);
		if (n >= 2 && names[0][0])
			fetch_both(c, uids + n - 2, &a);
		imap_close(c);

		/* a certificate nobody signed is refused when checked */
		s.tls_verify = 1;
		CHECK((c = imap_open(&s, "INBOX", &err)) == NULL);
		CHECK(err.code == E_UNAVAILABLE);
		imap_close(c);
	}
	arena_release(&a);
}

static void test_imap_refused(void)
{
	struct mail_server s;
	struct error err;
	struct imap *c;

	if (!servers())
		return;
	s = imap_server("none", "wrong-password");
	CHECK((c = imap_open(&s, "INBOX", &err)) == NULL);
	CHECK(err.code == E_UNAUTHORIZED);
	imap_close(c);
	s = imap_server("none", env("IMAP_PASSWORD"));
	s.user = NULL;
	CHECK(imap_open(&s, "INBOX", &err) == NULL && err.code == E_INVALID);
	s = imap_server("none", env("IMAP_PASSWORD"));
	CHECK(imap_open(&s, "No Such Folder", &err) == NULL && err.code == E_NOT_FOUND);
	s.port = closed_port();
	CHECK(imap_open(&s, "INBOX", &err) == NULL && err.code == E_UNAVAILABLE);
}

/* A connection the server drops fails at once, and a new one works. */
static void test_imap_dropped(void)
{
	struct mail_server s;
	struct error err;
	struct imap *c;
	int64_t validity, next;
	char cmd[600];
	time_t start;

	if (!servers())
		return;
	s = imap_server("none", env("IMAP_PASSWORD"));
	if (!(c = imap_open(&s, "INBOX", &err))) {
		CHECK(c != NULL);
		return;
	}
	snprintf(cmd, sizeof(cmd), "doveadm -c '%s/dovecot.conf' kick shop >/dev/null 2>&1",
		 env("DIR"));
	CHECK(system(cmd) == 0);
	/* a kick only signals the session's process: wait until it has ended */
	snprintf(cmd, sizeof(cmd), "doveadm -c '%s/dovecot.conf' who shop 2>/dev/null | grep -q shop",
		 env("DIR"));
	for (int i = 0; i < 100 && system(cmd) == 0; i++)
		usleep(100 * 1000);
	start = time(NULL);
	CHECK(imap_status(c, &validity, &next, &err) == E_UNAVAILABLE);
	CHECK(imap_status(c, &validity, &next, &err) == E_UNAVAILABLE);
	CHECK(time(NULL) - start < 10);
	imap_close(c);
	c = imap_open(&s, "INBOX", &err);
	CHECK(c != NULL && imap_status(c, &validity, &next, &err) == E_OK);
	imap_close(c);
}

UNIT_MAIN(UNIT_TEST(test_private_address_refused), UNIT_TEST(test_compose),
	  UNIT_TEST(test_send_plain), UNIT_TEST(test_send_starttls),
	  UNIT_TEST(test_send_refused_recipient), UNIT_TEST(test_send_no_server),
	  UNIT_TEST(test_imap), UNIT_TEST(test_imap_tls), UNIT_TEST(test_imap_refused),
	  UNIT_TEST(test_imap_dropped))
