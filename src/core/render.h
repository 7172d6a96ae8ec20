/*
 * render.h - the JSON form of each record, the same in API replies and webhook payloads.
 */
#ifndef CORE_RENDER_H
#define CORE_RENDER_H

#include "core/model.h"

#include <jansson.h>

/** A time as an ISO 8601 string, or JSON null for 0. */
json_t *render_time(int64_t us);
json_t *render_user(const struct user *u);
json_t *render_customer(const struct customer *c);
json_t *render_ticket(const struct ticket *t);
json_t *render_message(const struct message *m);
json_t *render_attachment(const struct attachment *t);
json_t *render_event(const struct event *e);
json_t *render_token(const struct token_info *t);
/** A webhook; its secret only when with_secret. */
json_t *render_webhook(const struct webhook *w, int with_secret);
json_t *render_delivery(const struct delivery *d);

#endif
