/*
 * routes.c - every route deskd answers, its access level and handler.
 */
#include "api/api.h"

#define ADMIN ACCESS_ADMIN
#define AGENT ACCESS_AGENT
#define PUBLIC ACCESS_PUBLIC

const struct route api_routes[] = {
	{ "GET", "/healthz", PUBLIC, api_healthz, 0 },
	{ "GET", "/metrics", ADMIN, api_metrics, 0 },
	{ "GET", "/api/v1/openapi.json", PUBLIC, api_openapi, 0 },
	{ "POST", "/api/v1/auth/login", PUBLIC, api_login, 1 },
	{ "POST", "/api/v1/auth/logout", AGENT, api_logout, 0 },
	{ "GET", "/api/v1/auth/me", AGENT, api_me, 0 },
	{ "GET", "/api/v1/users", ADMIN, api_users_list, 0 },
	{ "GET", "/api/v1/agents", AGENT, api_agents_list, 0 },
	{ "POST", "/api/v1/users", ADMIN, api_users_create, 1 },
	{ "PATCH", "/api/v1/users/{id}", ADMIN, api_users_update, 1 },
	{ "GET", "/api/v1/tokens", ADMIN, api_tokens_list, 0 },
	{ "POST", "/api/v1/tokens", ADMIN, api_tokens_create, 1 },
	{ "DELETE", "/api/v1/tokens/{id}", ADMIN, api_tokens_delete, 0 },
	{ "GET", "/api/v1/tickets", AGENT, api_tickets_list, 0 },
	{ "POST", "/api/v1/tickets", AGENT, api_tickets_create, 1 },
	{ "GET", "/api/v1/tickets/{id}", AGENT, api_tickets_get, 0 },
	{ "PATCH", "/api/v1/tickets/{id}", AGENT, api_tickets_update, 1 },
	{ "GET", "/api/v1/tickets/{id}/messages", AGENT, api_messages_list, 0 },
	{ "POST", "/api/v1/tickets/{id}/messages", AGENT, api_messages_create, 1 },
	{ "GET", "/api/v1/tickets/{id}/events", AGENT, api_events_list, 0 },
	{ "GET", "/api/v1/customers", AGENT, api_customers_list, 0 },
	{ "POST", "/api/v1/customers", AGENT, api_customers_create, 1 },
	{ "GET", "/api/v1/customers/{id}", AGENT, api_customers_get, 0 },
	{ "PATCH", "/api/v1/customers/{id}", AGENT, api_customers_update, 1 },
	{ "GET", "/api/v1/search", AGENT, api_search, 0 },
	{ "GET", "/api/v1/webhooks", ADMIN, api_webhooks_list, 0 },
	{ "POST", "/api/v1/webhooks", ADMIN, api_webhooks_create, 1 },
	{ "GET", "/api/v1/webhooks/{id}", ADMIN, api_webhooks_get, 0 },
	{ "DELETE", "/api/v1/webhooks/{id}", ADMIN, api_webhooks_delete, 0 },
	{ "GET", "/api/v1/webhooks/{id}/deliveries", ADMIN, api_deliveries_list, 0 },
	{ "GET", "/api/v1/stream", AGENT, api_stream, 0 },
	{ "GET", "/api/v1/tickets/{id}/presence", AGENT, api_presence_get, 0 },
	{ "POST", "/api/v1/tickets/{id}/presence", AGENT, api_presence_set, 1 },
	{ "GET", "/api/v1/macros", AGENT, api_macros_list, 0 },
	{ "POST", "/api/v1/macros", ADMIN, api_macros_create, 1 },
	{ "PATCH", "/api/v1/macros/{id}", ADMIN, api_macros_update, 1 },
	{ "DELETE", "/api/v1/macros/{id}", ADMIN, api_macros_delete, 0 },
	{ "GET", "/api/v1/views", AGENT, api_views_list, 0 },
	{ "POST", "/api/v1/views", AGENT, api_views_create, 1 },
	{ "DELETE", "/api/v1/views/{id}", AGENT, api_views_delete, 0 },
	{ "GET", "/", PUBLIC, api_web_index, 0 },
	{ "GET", "/static/*", PUBLIC, api_web_static, 0 },
	{ NULL, NULL, PUBLIC, NULL, 0 },
};
