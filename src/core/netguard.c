/*
 * netguard.c - public or not, for one address; and a host's addresses checked.
 */
#include "core/netguard.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int allow_private;

void netguard_allow_private(int allow)
{
	atomic_store(&allow_private, allow != 0);
}

int netguard_private_allowed(void)
{
	return atomic_load(&allow_private);
}

struct v4_range {
	uint32_t prefix;
	int bits;
	enum net_class class;
};

/* IANA's special-purpose registry, the ranges not reachable on the internet; first match wins */
static const struct v4_range v4_ranges[] = {
	{0x00000000, 8, NET_UNSPECIFIED},    /* 0.0.0.0/8 "this network" */
	{0x0a000000, 8, NET_PRIVATE},	     /* 10/8 */
	{0x64400000, 10, NET_SHARED},	     /* 100.64/10 */
	{0x7f000000, 8, NET_LOOPBACK},	     /* 127/8 */
	{0xa9fe0000, 16, NET_LINK_LOCAL},    /* 169.254/16, metadata at .169.254 */
	{0xac100000, 12, NET_PRIVATE},	     /* 172.16/12 */
	{0xc0000000, 24, NET_RESERVED},	     /* 192.0.0/24 protocol assignments */
	{0xc0000200, 24, NET_DOCUMENTATION}, /* 192.0.2/24 */
	{0xc0586300, 24, NET_RESERVED},	     /* 192.88.99/24 old 6to4 relays */
	{0xc0a80000, 16, NET_PRIVATE},	     /* 192.168/16 */
	{0xc6120000, 15, NET_BENCHMARK},     /* 198.18/15 */
	{0xc6336400, 24, NET_DOCUMENTATION}, /* 198.51.100/24 */
	{0xcb007100, 24, NET_DOCUMENTATION}, /* 203.0.113/24 */
	{0xe0000000, 4, NET_MULTICAST},	     /* 224/4 */
	{0xffffffff, 32, NET_BROADCAST},     /* before 240/4, which holds it */
	{0xf0000000, 4, NET_RESERVED},	     /* 240/4 */
};

enum net_class netguard_classify_v4(uint32_t addr)
{
	for (size_t i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - v4_ranges[i].bits);

		if ((addr & mask) == v4_ranges[i].prefix)
			return v4_ranges[i].class;
	}
	return NET_PUBLIC;
}

static uint32_t v4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int zeros(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Whether the first `bits` bits of `a` are those of `prefix`. */
static int in_v6(const unsigned char a[16], const unsigned char *prefix, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, prefix, (size_t)whole))
		return 0;
	return !rest || ((a[whole] ^ prefix[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

struct v6_range {
	unsigned char prefix[16];
	int bits;
	enum net_class class;
};

/* after the forms that embed IPv4; everything outside 2000::/3 is reserved anyway */
static const struct v6_range v6_ranges[] = {
	{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, NET_RESERVED},  /* local-use NAT64 */
	{{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, NET_BENCHMARK}, /* 2001:2::/48 */
	{{0x20, 0x01, 0x00, 0x00}, 23, NET_RESERVED},	   /* 2001::/23: Teredo, ORCHID, ... */
	{{0x20, 0x01, 0x0d, 0xb8}, 32, NET_DOCUMENTATION}, /* 2001:db8::/32 */
	{{0x3f, 0xff, 0x00}, 20, NET_DOCUMENTATION},	   /* 3fff::/20 */
	{{0xfc}, 7, NET_UNIQUE_LOCAL},
	{{0xfe, 0x80}, 10, NET_LINK_LOCAL},
	{{0xfe, 0xc0}, 10, NET_SITE_LOCAL},
	{{0xff}, 8, NET_MULTICAST},
};

enum net_class netguard_classify_v6(const unsigned char a[16])
{
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	static const unsigned char global[1] = {0x20};

	if (zeros(a, 16))
		return NET_UNSPECIFIED;
	if (zeros(a, 15) && a[15] == 1)
		return NET_LOOPBACK;
	/* ::ffff:a.b.c.d is how a dual-stack socket writes a.b.c.d; ::a.b.c.d its old form */
	if (zeros(a, 10) && ((a[10] == 0xff && a[11] == 0xff) || (!a[10] && !a[11])))
		return netguard_classify_v4(v4_at(a + 12));
	if (!memcmp(a, nat64, sizeof(nat64)))
		return netguard_classify_v4(v4_at(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02) /* 6to4: 2002:AABB:CCDD::/48 is a.b.c.d's */
		return netguard_classify_v4(v4_at(a + 2));
	for (size_t i = 0; i < sizeof(v6_ranges) / sizeof(v6_ranges[0]); i++)
		if (in_v6(a, v6_ranges[i].prefix, v6_ranges[i].bits))
			return v6_ranges[i].class;
	return in_v6(a, global, 3) ? NET_PUBLIC : NET_RESERVED;
}

enum net_class netguard_classify(const struct sockaddr *sa, size_t len)
{
	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return netguard_classify_v4(ntohl(in->sin_addr.s_addr));
	}
	if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return netguard_classify_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	return NET_NOT_IP;
}

const char *netguard_class_name(enum net_class c)
{
	static const char *const names[] = {
		[NET_PUBLIC] = "public",
		[NET_UNSPECIFIED] = "unspecified",
		[NET_LOOPBACK] = "loopback",
		[NET_PRIVATE] = "private network",
		[NET_SHARED] = "carrier-grade NAT",
		[NET_LINK_LOCAL] = "link-local",
		[NET_UNIQUE_LOCAL] = "unique local",
		[NET_SITE_LOCAL] = "site-local",
		[NET_MULTICAST] = "multicast",
		[NET_BROADCAST] = "broadcast",
		[NET_BENCHMARK] = "benchmarking",
		[NET_DOCUMENTATION] = "documentation",
		[NET_RESERVED] = "reserved",
		[NET_NOT_IP] = "not IP",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) && names[c] ? names[c] : "unknown";
}

const char *netguard_address_text(const struct sockaddr *sa, size_t len, char *out, size_t size)
{
	const void *addr = NULL;

	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!size)
		return out;
	if (!addr || !inet_ntop(sa->sa_family, addr, out, (socklen_t)size))
		snprintf(out, size, "?");
	return out;
}

enum err_code netguard_check_host(const char *host, const char *what, struct error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *list, *ai;
	char name[256], text[INET6_ADDRSTRLEN];
	size_t n = host ? strlen(host) : 0;
	enum err_code rc = E_OK;

	if (netguard_private_allowed())
		return E_OK;
	/* a URL writes an IPv6 address in brackets; getaddrinfo wants it bare */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		host++, n -= 2;
	if (!n || n >= sizeof(name))
		return error_set(err, E_INVALID, "%s is not a host name", what);
	memcpy(name, host, n);
	name[n] = '\0';
	if (getaddrinfo(name, NULL, &hints, &list))
		return error_set(err, E_INVALID, "%s '%s' does not resolve", what, name);
	for (ai = list; ai && !rc; ai = ai->ai_next) {
		enum net_class c = netguard_classify(ai->ai_addr, ai->ai_addrlen);

		if (c != NET_PUBLIC)
			rc = error_set(err, E_INVALID, "%s resolves to a private address (%s, %s)",
				       what,
				       netguard_address_text(ai->ai_addr, ai->ai_addrlen, text,
							     sizeof(text)),
				       netguard_class_name(c));
	}
	freeaddrinfo(list);
	return rc;
}
