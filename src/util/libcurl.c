/*
 * libcurl.c - the libcurl function table, filled on first use.
 */
#include "util/libcurl.h"
#include "core/netguard.h"
#include "util/lazy.h"

#include <stdio.h>
#include <sys/socket.h>

struct libcurl_functions libcurl;

static const struct lazy_symbol symbols[] = {
#define LIBCURL_SYMBOL(f) {"curl_" #f, (void **)&libcurl.f},
	LIBCURL_FUNCTIONS(LIBCURL_SYMBOL)
#undef LIBCURL_SYMBOL
};

/* curl_global_init is not thread-safe everywhere: here it runs once, before any handle */
static int init(struct lazy_lib *lib)
{
	CURLcode rc = libcurl.global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		snprintf(lib->error, sizeof(lib->error), "cannot initialise libcurl: %s",
			 libcurl.easy_strerror(rc));
	return rc != CURLE_OK;
}

static struct lazy_lib lib = {
	.soname = "libcurl.so.4",
	.feature = "webhook and email support",
	.package = "libcurl4",
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.init = init,
};

const char *libcurl_load(void)
{
	return lazy_load(&lib);
}

/* libcurl asks this for every socket it connects: to each address of each name, in turn */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct libcurl_guard *g = arg;
	/* curl hands a sockaddr as long as the family's in an area at least addrlen long */
	enum net_class c = netguard_classify(&a->addr, a->addrlen);
	char text[64];

	(void)purpose;
	if (c != NET_PUBLIC && !netguard_private_allowed()) {
		if (!g->refused[0])
			snprintf(g->refused, sizeof(g->refused),
				 "refused to connect to a private address (%s, %s)",
				 netguard_address_text(&a->addr, a->addrlen, text, sizeof(text)),
				 netguard_class_name(c));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

void libcurl_guard(void *curl, struct libcurl_guard *g)
{
	g->refused[0] = '\0';
	libcurl.easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	libcurl.easy_setopt(curl, CURLOPT_OPENSOCKETDATA, g);
	/* "" is no proxy at all, whatever the environment says */
	libcurl.easy_setopt(curl, CURLOPT_PROXY, "");
	libcurl.easy_setopt(curl, CURLOPT_NOPROXY, "*");
	libcurl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
}
