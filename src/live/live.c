/*
 * live.c - wake-ups for live streams and the presence table.
 *
 * Presence is small and short-lived: a fixed table of (ticket, user) slots,
 * each expiring PRESENCE_TTL after its last refresh, and a ring of recent
 * changes that streams read by sequence number.
 */
#include "live/live.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SLOTS 1024
#define RING 256
#define PRESENCE_TTL_US ((int64_t)30 * 1000000)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static uint64_t generation = 1;
static int stopping;

static struct {
	int64_t ticket_id, user_id, seen_at;
	char name[808], state[12]; /* a name is at most 200 characters */
} slots[SLOTS];

static struct {
	uint64_t seq;
	int64_t ticket_id;
} ring[RING];
static uint64_t ring_seq;

void live_notify(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&lock);
	generation++;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

uint64_t live_wait(uint64_t seen, int timeout_ms)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	while (generation == seen && !stopping)
		if (pthread_cond_timedwait(&changed, &lock, &ts))
			break;
	now = stopping ? 0 : generation;
	pthread_mutex_unlock(&lock);
	return now;
}

void live_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

void live_presence_set(int64_t ticket_id, int64_t user_id, const char *name, const char *state)
{
	int64_t now = time_mono_us();
	int free_slot = -1, slot = -1;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < SLOTS && slot < 0; i++) {
		if (slots[i].ticket_id == ticket_id && slots[i].user_id == user_id)
			slot = i;
		else if (free_slot < 0 && (!slots[i].ticket_id || now - slots[i].seen_at > PRESENCE_TTL_US))
			free_slot = i;
	}
	if (slot < 0)
		slot = free_slot;
	if (slot >= 0) {
		int was_same = slots[slot].ticket_id == ticket_id && !strcmp(slots[slot].state, state);

		if (!strcmp(state, "left")) {
			slots[slot].ticket_id = 0;
		} else {
			slots[slot].ticket_id = ticket_id;
			slots[slot].user_id = user_id;
			slots[slot].seen_at = now;
			snprintf(slots[slot].name, sizeof(slots[slot].name), "%s", name);
			snprintf(slots[slot].state, sizeof(slots[slot].state), "%s", state);
		}
		/* a refresh of the same state is not news */
		if (!was_same || !strcmp(state, "left")) {
			ring_seq++;
			ring[ring_seq % RING].seq = ring_seq;
			ring[ring_seq % RING].ticket_id = ticket_id;
			generation++;
			pthread_cond_broadcast(&changed);
		}
	}
	pthread_mutex_unlock(&lock);
}

/* Call with the lock held. */
static json_t *present(int64_t ticket_id, int64_t except_user)
{
	int64_t now = time_mono_us();
	json_t *users = json_array();

	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].ticket_id != ticket_id || slots[i].user_id == except_user ||
		    now - slots[i].seen_at > PRESENCE_TTL_US)
			continue;
		json_array_append_new(users, json_pack("{sI ss ss}", "id", (json_int_t)slots[i].user_id,
						       "name", slots[i].name, "state", slots[i].state));
	}
	return users;
}

json_t *live_presence_get(int64_t ticket_id, int64_t except_user)
{
	json_t *users;

	pthread_mutex_lock(&lock);
	users = present(ticket_id, except_user);
	pthread_mutex_unlock(&lock);
	return users;
}

uint64_t live_presence_now(void)
{
	uint64_t seq;

	pthread_mutex_lock(&lock);
	seq = ring_seq;
	pthread_mutex_unlock(&lock);
	return seq;
}

json_t *live_presence_changes(uint64_t *cursor)
{
	json_t *out = json_array();

	pthread_mutex_lock(&lock);
	if (ring_seq - *cursor > RING)
		*cursor = ring_seq - RING;
	for (uint64_t s = *cursor + 1; s <= ring_seq; s++) {
		int64_t ticket_id = ring[s % RING].ticket_id;

		json_array_append_new(out, json_pack("{sI so}", "ticket_id", (json_int_t)ticket_id,
						     "users", present(ticket_id, 0)));
	}
	*cursor = ring_seq;
	pthread_mutex_unlock(&lock);
	return out;
}
