/*
 * bounce.h - which send attempt a delivery report is about.
 *
 * A resend keeps the Message-ID (mail clients show one message), so each
 * sending says which it is in "X-Deskd-Attempt: N" (mail/smtp.c), and a
 * report returns it with the bounced email's headers (mail/parse.c gives it
 * as bounced_attempt). These decide what such a report means; the store
 * applies the answer.
 */
#ifndef MAIL_BOUNCE_H
#define MAIL_BOUNCE_H

#include <stdint.h>

/**
 * The attempt number in an X-Deskd-Attempt value: 1 or more, written by
 * deskd as plain ASCII digits. 0 for NULL, empty, signed, spaced, non-ASCII
 * or over 18 digits: a report naming no attempt deskd could have sent.
 */
int64_t mail_bounce_attempt(const char *field);

/**
 * 1 when a report about `attempt` (from mail_bounce_attempt) is about an
 * earlier sending than `latest`, the message's current attempt: the message
 * keeps its state and the report is only an event. A report naming no
 * attempt (0) is taken to be about the latest, as before attempts were
 * numbered.
 */
int mail_bounce_is_earlier(int64_t attempt, int64_t latest);

#endif
