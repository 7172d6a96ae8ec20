/*
 * test_mail_bounce.c - which send attempt a bounce is about.
 *
 * deskd's email carries "X-Deskd-Attempt: N" (mail/smtp.c); a delivery report
 * returns the headers of the email that bounced, and mail_parse gives that
 * field as bounced_attempt, read from the same header block as
 * bounced_message_id: a text/rfc822-headers part, a returned message/rfc822,
 * or the report's own text when it has neither; core/mail.c says what the
 * value means.
 */
#include "core/mail.h"
#include "mail/parse.h"
#include "mail/smtp.h"

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

static struct arena arena;
static struct mail_message msg;

static int parse(const char *s)
{
	struct error err;

	arena_release(&arena);
	arena_init(&arena);
	if (mail_parse(s, strlen(s), 0, NULL, &msg, &arena, &err) != E_OK) {
		fprintf(stderr, "parse: %s\n", err.message);
		return 0;
	}
	return 1;
}

/* A report whose third part is `returned` (a Content-Type line and what follows). */
static const char *report(const char *top_extra, const char *returned)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
		 "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
		 "To: support@help.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
		 "Message-ID: <dsn-1@mx.example.net>\r\n%sMIME-Version: 1.0\r\n"
		 "Content-Type: multipart/report; report-type=delivery-status; boundary=\"RR\"\r\n"
		 "\r\n--RR\r\nContent-Type: text/plain\r\n\r\n550 5.1.1 User unknown\r\n"
		 "--RR\r\nContent-Type: message/delivery-status\r\n\r\n"
		 "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\n"
		 "Action: failed\r\nStatus: 5.1.1\r\n\r\n--RR\r\n%s\r\n--RR--\r\n",
		 top_extra, returned);
	return buf;
}

static void test_headers_part(void)
{
	CHECK(parse(report("", "Content-Type: text/rfc822-headers\r\n\r\n"
			       "From: support@help.example\r\nMessage-ID: <deskd.1.2.x@help.example>\r\n"
			       "X-Deskd-Attempt:   3  \r\n")));
	CHECK(msg.bounce);
	CHECK_STR(msg.bounced_message_id, "deskd.1.2.x@help.example");
	CHECK_STR(msg.bounced_attempt, "3");
}

static void test_whole_message(void)
{
	CHECK(parse(report("", "Content-Type: message/rfc822\r\n\r\n"
			       "From: support@help.example\r\nMessage-ID: <deskd.1.2.y@help.example>\r\n"
			       "x-deskd-attempt: 12\r\nSubject: Re: order\r\n\r\nYour parcel.\r\n")));
	CHECK_STR(msg.bounced_message_id, "deskd.1.2.y@help.example");
	CHECK_STR(msg.bounced_attempt, "12");
}

/* No report parts: a MAILER-DAEMON quoting the email in its text. */
static void test_quoted_in_text(void)
{
	CHECK(parse("From: MAILER-DAEMON@old.example\r\nTo: support@help.example\r\n"
		    "Subject: failure notice\r\nMessage-ID: <q-1@old.example>\r\n\r\n"
		    "Sorry, your message could not be delivered.\r\n\r\n"
		    "--- Below this line is a copy of the message.\r\n\r\n"
		    "> Message-ID: <deskd.4.5.z@help.example>\r\n> X-Deskd-Attempt: 2\r\n"));
	CHECK(msg.bounce);
	CHECK_STR(msg.bounced_message_id, "deskd.4.5.z@help.example");
	CHECK_STR(msg.bounced_attempt, "2");
}

static void test_absent_or_hostile(void)
{
	char big[600], returned[900];

	/* returned headers without the field (mail sent before attempts were numbered) */
	CHECK(parse(report("", "Content-Type: text/rfc822-headers\r\n\r\n"
			       "Message-ID: <deskd.1.2.w@help.example>\r\n")));
	CHECK_STR(msg.bounced_message_id, "deskd.1.2.w@help.example");
	CHECK(msg.bounced_attempt == NULL);
	/* the report's own header is not the bounced email's */
	CHECK(parse(report("X-Deskd-Attempt: 9\r\n", "Content-Type: text/rfc822-headers\r\n\r\n"
						      "Message-ID: <deskd.1.2.v@help.example>\r\n")));
	CHECK(msg.bounced_attempt == NULL);
	/* a huge value is cut, never copied whole; what it means is the store's call */
	memset(big, '7', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(returned, sizeof(returned),
		 "Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <deskd.1.2.u@help.example>\r\n"
		 "X-Deskd-Attempt: %s\r\n",
		 big);
	CHECK(parse(report("", returned)));
	CHECK(msg.bounced_attempt && strlen(msg.bounced_attempt) == 32);
	/* not a bounce: nothing to read */
	CHECK(parse("From: jane@shop.example\r\nTo: support@help.example\r\nSubject: hi\r\n"
		    "Message-ID: <j@shop.example>\r\nX-Deskd-Attempt: 1\r\n\r\nhello\r\n"));
	CHECK(!msg.bounce && msg.bounced_attempt == NULL);
}

/* What mail_compose writes is what a returned header block gives back. */
static void test_compose_round_trip(void)
{
	struct mail_out out = { .from_email = "support@help.example",
				.to_email = "jane@shop.example",
				.subject = "Re: order",
				.message_id = "deskd.7.8.abc@help.example",
				.text = "Your parcel left today.\n",
				.date_us = INT64_C(1794045600) * 1000000,
				.attempt = 4 };
	struct arena a;
	size_t len;
	char *sent, *end, returned[4096];

	arena_init(&a);
	sent = mail_compose(&out, &len, &a);
	CHECK(strstr(sent, "\r\nX-Deskd-Attempt: 4\r\n") != NULL);
	end = strstr(sent, "\r\n\r\n");
	CHECK(end != NULL);
	if (end) {
		snprintf(returned, sizeof(returned), "Content-Type: text/rfc822-headers\r\n\r\n%.*s\r\n",
			 (int)(end - sent), sent);
		CHECK(parse(report("", returned)));
		CHECK_STR(msg.bounced_message_id, "deskd.7.8.abc@help.example");
		CHECK_STR(msg.bounced_attempt, "4");
	}
	out.attempt = 0;
	CHECK(strstr(mail_compose(&out, &len, &a), "X-Deskd-Attempt") == NULL);
	arena_release(&a);
}

static void test_attempt_values(void)
{
	static const char *const none[] = { "", "0", "-1", "+1", " 1", "1 2", "1.0", "0x10", "abc",
					    "\xef\xbc\x92", /* a fullwidth 2 */
					    "1234567890123456789", "99999999999999999999999" };

	CHECK(mail_bounce_attempt(NULL) == 0);
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		CHECK(mail_bounce_attempt(none[i]) == 0);
	CHECK(mail_bounce_attempt("1") == 1);
	CHECK(mail_bounce_attempt("007") == 7);
	CHECK(mail_bounce_attempt("123456789012345678") == INT64_C(123456789012345678));
	/* only a known attempt before the latest is stale */
	CHECK(mail_bounce_is_earlier(1, 2));
	CHECK(!mail_bounce_is_earlier(2, 2));
	CHECK(!mail_bounce_is_earlier(3, 2)); /* no such attempt: about the email, as before */
	CHECK(!mail_bounce_is_earlier(0, 5));
	CHECK(!mail_bounce_is_earlier(1, 1));
}

UNIT_MAIN(UNIT_TEST(test_attempt_values), UNIT_TEST(test_headers_part), UNIT_TEST(test_whole_message),
	  UNIT_TEST(test_quoted_in_text), UNIT_TEST(test_absent_or_hostile),
	  UNIT_TEST(test_compose_round_trip))
