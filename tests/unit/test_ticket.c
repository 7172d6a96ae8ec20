/*
 * test_ticket.c - core/ticket.c: what messages and changes do to a ticket,
 * what counts as a change, when a reply starts a new ticket.
 */
#include "core/ticket.h"
#include "unit.h"

#include <stdlib.h>

#define NOW ((int64_t)1700000000 * 1000000)
#define HOUR ((int64_t)3600 * 1000000)

static struct ticket ticket(const char *status, int64_t solved_at)
{
	return (struct ticket){ .id = 7, .subject = "Where is my order?", .status = status,
				.priority = "normal", .solved_at = solved_at,
				.created_at = NOW - 10 * HOUR, .updated_at = NOW - HOUR };
}

/* One message on a ticket in each status: the status after, from a table. */
static void test_status_after_message(void)
{
	static const struct {
		const char *status, *kind, *direction, *author_type, *want;
	} cases[] = {
		{ "new", "reply", "outbound", "agent", "open" },
		{ "open", "reply", "outbound", "agent", "open" },
		{ "pending", "reply", "outbound", "agent", "pending" },
		{ "solved", "reply", "outbound", "agent", "solved" },
		{ "new", "reply", "inbound", "customer", "new" },
		{ "open", "reply", "inbound", "customer", "open" },
		{ "pending", "reply", "inbound", "customer", "open" },
		{ "on-hold", "reply", "inbound", "customer", "open" },
		{ "solved", "reply", "inbound", "customer", "open" },
		{ "new", "note", "internal", "agent", "new" },
		{ "pending", "note", "internal", "agent", "pending" },
		{ "solved", "note", "internal", "agent", "solved" },
		/* an auto-acknowledgement answers nothing */
		{ "new", "reply", "outbound", "system", "new" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ticket t = ticket(cases[i].status, 0);
		struct message_new mn = { .kind = cases[i].kind, .direction = cases[i].direction,
					  .author_type = cases[i].author_type };

		ticket_apply_message(&t, &mn, NOW);
		if (strcmp(t.status, cases[i].want))
			fprintf(stderr, "case %zu: %s + %s %s by %s\n", i, cases[i].status,
				cases[i].kind, cases[i].direction, cases[i].author_type);
		CHECK_STR(t.status, cases[i].want);
		CHECK(t.updated_at == NOW);
	}
}

static void test_first_response(void)
{
	struct message_new agent = { .kind = "reply", .direction = "outbound", .author_type = "agent" };
	struct message_new note = { .kind = "note", .direction = "internal", .author_type = "agent" };
	struct message_new customer = { .kind = "reply", .direction = "inbound",
					.author_type = "customer" };
	struct ticket t = ticket("new", 0);

	ticket_apply_message(&t, &note, NOW);
	CHECK(t.first_response_at == 0);
	ticket_apply_message(&t, &customer, NOW + 1);
	CHECK(t.first_response_at == 0);
	ticket_apply_message(&t, &agent, NOW + 2);
	CHECK(t.first_response_at == NOW + 2);
	ticket_apply_message(&t, &agent, NOW + 3); /* only the first one counts */
	CHECK(t.first_response_at == NOW + 2);
}

/* solved_at is set on solving or closing, kept while done, cleared on reopening. */
static void test_solved_at(void)
{
	struct ticket t = ticket("open", 0);
	struct ticket_change solve = { .status = "solved" }, close = { .status = "closed" },
			     reopen = { .status = "open" }, rename = { .subject = "Late parcel" };
	struct message_new customer = { .kind = "reply", .direction = "inbound",
					.author_type = "customer" };

	ticket_apply_change(&t, &solve, NOW);
	CHECK(t.solved_at == NOW);
	ticket_apply_change(&t, &rename, NOW + HOUR);
	CHECK(t.solved_at == NOW);
	CHECK_STR(t.subject, "Late parcel");
	ticket_apply_change(&t, &close, NOW + 2 * HOUR);
	CHECK(t.solved_at == NOW);
	t.status = "solved";
	ticket_apply_change(&t, &reopen, NOW + 3 * HOUR);
	CHECK(t.solved_at == 0);
	CHECK(t.updated_at == NOW + 3 * HOUR);
	ticket_apply_change(&t, &solve, NOW + 4 * HOUR);
	ticket_apply_message(&t, &customer, NOW + 5 * HOUR);
	CHECK_STR(t.status, "open");
	CHECK(t.solved_at == 0);
	/* a done ticket stored without solved_at gets one on its next change */
	t = ticket("solved", 0);
	ticket_apply_change(&t, &rename, NOW);
	CHECK(t.solved_at == NOW);
}

static void test_change_fields(void)
{
	struct ticket t = ticket("open", 0);
	struct ticket_change c = { .priority = "urgent", .set_assignee = 1, .assignee_id = 3 };
	struct ticket_change unassign = { .set_assignee = 1, .assignee_id = 0 };

	ticket_apply_change(&t, &c, NOW);
	CHECK_STR(t.priority, "urgent");
	CHECK_STR(t.status, "open");
	CHECK_STR(t.subject, "Where is my order?");
	CHECK(t.assignee_id == 3);
	ticket_apply_change(&t, &unassign, NOW);
	CHECK(t.assignee_id == 0);
	ticket_apply_change(&t, &(struct ticket_change){ .set_order = 1, .order_id = 7 }, NOW);
	CHECK(t.order_id == 7);
	ticket_apply_change(&t, &c, NOW);
	CHECK(t.order_id == 7); /* a change that does not name the order keeps it */
	ticket_apply_change(&t, &(struct ticket_change){ .set_order = 1 }, NOW);
	CHECK(t.order_id == 0);
}

static const char *dump(json_t *j)
{
	static char *text;

	free(text);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

static void test_changes(void)
{
	struct ticket before = ticket("open", 0), after = before;
	const char *tags_a[] = { "vip", "refund" }, *tags_b[] = { "refund", "vip" },
		   *tags_c[] = { "refund" };
	struct ticket_change set_tags = { .set_tags = 1 }, set_cc = { .set_cc = 1 };

	CHECK_STR(dump(ticket_changes(&before, &after, NULL)), "{}");
	after.status = "pending";
	after.assignee_id = 4;
	CHECK_STR(dump(ticket_changes(&before, &after, NULL)),
		  "{\"assignee_id\":[null,4],\"status\":[\"open\",\"pending\"]}");
	after = before;
	after.order_id = 12;
	CHECK_STR(dump(ticket_changes(&before, &after, NULL)), "{\"order_id\":[null,12]}");
	after = before;
	before.tags = tags_a, before.n_tags = 2;
	after.tags = tags_b, after.n_tags = 2;
	CHECK_STR(dump(ticket_changes(&before, &after, &set_tags)), "{}");
	after.tags = tags_c, after.n_tags = 1;
	CHECK_STR(dump(ticket_changes(&before, &after, &set_tags)),
		  "{\"tags\":[[\"vip\",\"refund\"],[\"refund\"]]}");
	/* tags not set by the change are not compared */
	CHECK_STR(dump(ticket_changes(&before, &after, NULL)), "{}");
	after = before;
	before.cc = "[\"a@example.com\",\"b@example.com\"]";
	after.cc = "[\"b@example.com\",\"a@example.com\"]";
	CHECK_STR(dump(ticket_changes(&before, &after, &set_cc)), "{}");
	after.cc = NULL;
	CHECK_STR(dump(ticket_changes(&before, &after, &set_cc)),
		  "{\"cc\":[[\"a@example.com\",\"b@example.com\"],[]]}");
	CHECK(ticket_cc_same(NULL, "[]"));
	CHECK(ticket_cc_same("not json", NULL));
	CHECK(!ticket_cc_same("[\"a@example.com\"]", "[\"b@example.com\"]"));
}

static void test_closed(void)
{
	struct ticket closed = ticket("closed", NOW), solved = ticket("solved", NOW);
	struct error err = { 0 };

	CHECK(ticket_check_open(&solved, NULL, &err) == E_OK);
	CHECK(ticket_check_open(&closed, NULL, &err) == E_INVALID);
	CHECK_STR(err.message, "ticket 7 is closed");
	CHECK(ticket_check_open(&closed, "cannot change", &err) == E_INVALID);
	CHECK_STR(err.message, "ticket 7 is closed and cannot change");
}

static void test_reply_starts_new(void)
{
	int64_t window = 7 * 24 * HOUR;
	struct ticket t = ticket("solved", NOW - window + HOUR);

	CHECK(!ticket_reply_starts_new(&t, NOW, window));
	t.solved_at = NOW - window - 1;
	CHECK(ticket_reply_starts_new(&t, NOW, window));
	t = ticket("closed", NOW);
	CHECK(ticket_reply_starts_new(&t, NOW, window));
	t = ticket("pending", 0);
	CHECK(!ticket_reply_starts_new(&t, NOW, window));
}

UNIT_MAIN(UNIT_TEST(test_status_after_message), UNIT_TEST(test_first_response),
	  UNIT_TEST(test_solved_at), UNIT_TEST(test_change_fields), UNIT_TEST(test_changes),
	  UNIT_TEST(test_closed), UNIT_TEST(test_reply_starts_new))
