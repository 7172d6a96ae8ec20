/*
 * mail_send.c - the email job: one queued reply composed and sent by SMTP
 * through its ticket's mailbox, and the outcome recorded.
 */
#include "jobs/jobs.h"
#include "mail/poll.h"
#include "mail/smtp.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "Re: <subject> [#1042]": the tag threads the answer even when headers are lost. */
static const char *reply_subject(const struct ticket *t, struct arena *a)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "[#%" PRId64 "]", t->id + TICKET_NUMBER_OFFSET);
	return arena_printf(a, "%s%s%s%s", strncasecmp(t->subject, "re:", 3) ? "Re: " : "",
			    t->subject, strstr(t->subject, tag) ? "" : " ", strstr(t->subject, tag) ? "" : tag);
}

/*
 * When to try again after a temporary failure (0: give up): mail servers
 * retry for a day, and so does deskd, a relay down for an hour or a
 * greylisting server asking to come back later must not lose a reply.
 */
static int64_t retry_time(const struct job *job)
{
	static const long delays[MAIL_MAX_ATTEMPTS - 1] = { 30,	  60,	 300,	900,   1800,
							    3600, 7200, 14400, 28800, 28800 };

	if (job->attempts >= MAIL_MAX_ATTEMPTS - 1)
		return 0;
	return time_now_us() + (int64_t)delays[job->attempts] * 1000000;
}

/* The first active mailbox that can send, for a ticket whose own mailbox cannot. */
static void sending_mailbox(struct store *st, struct mailbox *out, struct mail_server *server,
			    struct arena *a)
{
	mailbox_list list = { 0 };
	struct error err;

	memset(server, 0, sizeof(*server));
	if (store_mailbox_list(st, &list, a, &err))
		return;
	for (int i = 0; i < list.n; i++) {
		if (list.items[i].active &&
		    mail_server_from_settings(list.items[i].settings, "smtp", server, NULL, a)) {
			*out = list.items[i];
			return;
		}
	}
	memset(server, 0, sizeof(*server));
}

void jobs_run_email(struct store *st, const struct job *job, struct arena *a)
{
	struct mail_job mj;
	struct mail_server server;
	struct error err;
	enum err_code rc;
	const char **rcpts;
	char *data;
	size_t len;
	int permanent = 0, n = 0;
	int64_t retry_at = 0;

	if ((rc = store_mail_job_load(st, job->ref_id, &mj, a, &err))) {
		/* gone or done elsewhere: drop the job; the database away: later */
		int final = rc == E_NOT_FOUND || rc == E_CONFLICT;

		log_error("email job %" PRId64 ": %s", job->id, err.message);
		store_mail_job_result(st, job->id, job->ref_id, 0, err.message,
				      final ? 0 : retry_time(job), &err);
		return;
	}
	if (!mj.mailbox.id || !mail_server_from_settings(mj.mailbox.settings, "smtp", &server, NULL, a))
		sending_mailbox(st, &mj.mailbox, &server, a);
	if (!mj.mailbox.id || !server.host) {
		store_mail_job_result(st, job->id, job->ref_id, 0,
				      "no mailbox with SMTP settings to send from", 0, &err);
		return;
	}
	if (!mj.to_email) {
		store_mail_job_result(st, job->id, job->ref_id, 0, "the customer has no email address",
				      0, &err);
		return;
	}
	struct mail_out_attachment *files =
		arena_alloc(a, (size_t)(mj.msg.n_attachments + 1) * sizeof(*files));
	for (int i = 0; i < mj.msg.n_attachments; i++)
		files[i] = (struct mail_out_attachment){ mj.msg.attachments[i].filename,
							 mj.msg.attachments[i].content_type,
							 mj.attachment_data[i],
							 (size_t)mj.msg.attachments[i].size };
	struct mail_out out = {
		.from_name = mj.mailbox.name,
		.from_email = mj.mailbox.address,
		.to_name = mj.to_name,
		.to_email = mj.to_email,
		.cc = mj.cc,
		.n_cc = mj.n_cc,
		.subject = reply_subject(&mj.ticket, a),
		.message_id = mj.msg.mail_id,
		.in_reply_to = mj.in_reply_to,
		.references = mj.references,
		.n_references = mj.n_references,
		.text = mj.msg.body,
		.html = mj.msg.html,
		.attachments = files,
		.n_attachments = mj.msg.n_attachments,
		.date_us = mj.msg.created_at,
		.auto_reply = !strcmp(mj.msg.author_type, "system"),
		.attempt = mj.attempt,
	};
	data = mail_compose(&out, &len, a);
	rcpts = arena_alloc(a, (size_t)(mj.n_cc + 2) * sizeof(*rcpts));
	rcpts[n++] = mj.to_email;
	for (int i = 0; i < mj.n_cc; i++)
		rcpts[n++] = mj.cc[i];
	rc = mail_smtp_send(&server, mj.mailbox.address, rcpts, n, data, len, &permanent, &err);
	if (rc && !permanent)
		retry_at = retry_time(job);
	if (rc)
		log_info("email for message %" PRId64 " not sent (%s): %s", job->ref_id,
			 retry_at ? "will retry" : "gave up", err.message);
	if (store_mail_job_result(st, job->id, job->ref_id, rc == E_OK, rc ? err.message : NULL,
				  retry_at, &err))
		log_error("recording email %" PRId64 ": %s", job->ref_id, err.message);
}
