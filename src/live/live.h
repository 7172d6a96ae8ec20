/*
 * live.h - what live clients wait for: new events in the database, and who is
 * viewing or replying to which ticket (in memory, per node).
 */
#ifndef LIVE_LIVE_H
#define LIVE_LIVE_H

#include <jansson.h>
#include <stdint.h>

/** Wakes every waiting stream: something was committed. Safe from any thread. */
void live_notify(void *unused);

/**
 * Waits until the generation differs from `seen` or `timeout_ms` passes, and
 * returns the current generation. Returns 0 once live_stop was called.
 */
uint64_t live_wait(uint64_t seen, int timeout_ms);

/** Ends every wait, for a clean shutdown. */
void live_stop(void);

/** Records that `user` is "viewing", "replying" or has "left" the ticket. */
void live_presence_set(int64_t ticket_id, int64_t user_id, const char *name, const char *state);

/** The users present on a ticket (except `except_user`): [{"id","name","state"}]. */
json_t *live_presence_get(int64_t ticket_id, int64_t except_user);

/** Where a new reader of presence changes starts. */
uint64_t live_presence_now(void);

/**
 * Presence changes after *cursor (from live_presence_now), as
 * [{"ticket_id","users":[...]}]; advances *cursor.
 */
json_t *live_presence_changes(uint64_t *cursor);

#endif
