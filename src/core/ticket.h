/*
 * ticket.h - the rules of a ticket's life, as pure functions over core/model.h:
 * what a new message does to its status and clocks, what a change sets, what
 * counts as a change, and when a customer's reply starts a new ticket instead.
 * The store calls them inside the transaction that writes what they decided;
 * the rule engine, SLA clocks and order state of later issues are called from
 * the same places. No SQL, no HTTP, no clock: `now` is always passed in.
 */
#ifndef CORE_TICKET_H
#define CORE_TICKET_H

#include "core/error.h"
#include "core/model.h"

#include <jansson.h>

/** Whether the status is solved or closed (the ticket is done). */
int ticket_status_done(const char *status);

/**
 * E_INVALID, naming the ticket, when it is closed: a closed ticket takes no
 * change and no message. `what` ends the message ("cannot change"); may be NULL.
 */
enum err_code ticket_check_open(const struct ticket *t, const char *what, struct error *err);

/**
 * What a new message does to its ticket, written into `t`: an agent's first
 * public reply is the first response and opens a new ticket; a customer's reply
 * reopens a ticket that was waiting or solved; notes and system messages
 * change nothing. Sets status (a static string or t's own), first_response_at,
 * solved_at and updated_at.
 */
void ticket_apply_message(struct ticket *t, const struct message_new *mn, int64_t now);

/**
 * What a change does to its ticket, written into `t`: subject, status,
 * priority, assignee and linked order where the change names them, solved_at following the
 * status, updated_at. Tags and Cc are the store's to write.
 */
void ticket_apply_change(struct ticket *t, const struct ticket_change *c, int64_t now);

/**
 * solved_at after the status becomes `status`: kept when the ticket was done
 * already, `now` when it becomes done, 0 when it is reopened.
 */
int64_t ticket_solved_at(const struct ticket *before, const char *status, int64_t now);

/**
 * The changes between two states of a ticket, as the events record them:
 * {"field": [old, new]} for each of subject, status, priority, assignee_id and
 * order_id that differs, and tags and cc when `c` set them and their members differ
 * (order does not count). `c` may be NULL (no tags or Cc were set).
 */
json_t *ticket_changes(const struct ticket *before, const struct ticket *after,
		       const struct ticket_change *c);

/** Whether two stored Cc lists (JSON array texts, NULL for none) hold the same addresses. */
int ticket_cc_same(const char *a, const char *b);

/**
 * Whether an email reply to `t` starts a new ticket (linked to it) instead of
 * reopening it: when it is closed, or solved longer than `reopen_window_us` ago.
 */
int ticket_reply_starts_new(const struct ticket *t, int64_t now, int64_t reopen_window_us);

#endif
