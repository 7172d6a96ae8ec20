/*
 * poll.h - IMAP polling of every mailbox that has IMAP settings.
 *
 * One thread wakes every DESKD_MAIL_POLL_SECONDS (60 by default) and starts
 * a poll of each such mailbox in a thread of its own; a mailbox still being
 * polled from an earlier round is left alone, so a slow server delays only
 * its own mailbox. A mailbox's new messages are
 * fetched by UID in order, stored through mail_ingest, and only then marked
 * \Seen and counted as done; a new UIDVALIDITY starts the folder over (the
 * Message-IDs already stored keep that from making duplicates).
 */
#ifndef MAIL_POLL_H
#define MAIL_POLL_H

#include "mail/smtp.h"
#include "store/store.h"

struct mail_poller;

struct mail_poller *mail_poll_start(struct store *st);
/** Stops polling after the messages in hand and frees the poller. */
void mail_poll_stop(struct mail_poller *p);

/**
 * Reads the "imap" or "smtp" settings of a mailbox (`which`) into `out`,
 * unsealing the password into the arena; `folder` (may be NULL) gets the IMAP
 * folder. Returns 0 when there are none or the password does not unseal.
 */
int mail_server_from_settings(const char *settings, const char *which, struct mail_server *out,
			      const char **folder, struct arena *a);

#endif
