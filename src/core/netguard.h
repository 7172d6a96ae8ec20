/*
 * netguard.h - which addresses deskd may connect to on behalf of its users.
 *
 * Webhook URLs and mailbox servers are typed by admins, and deskd connects
 * to them from inside the network it runs in: a URL naming 127.0.0.1, the
 * cloud metadata address 169.254.169.254 or a 10.x host would let anyone
 * with an admin login make requests there (server-side request forgery).
 * So deskd connects only to public addresses unless the operator starts it
 * with --allow-private-targets (or DESKD_ALLOW_PRIVATE_TARGETS=1).
 *
 * The judgement is made on addresses, never on names: netguard_classify is a
 * pure function of one address, called on every address libcurl is about to
 * connect to (util/libcurl.h, libcurl_guard), and, when a webhook or mailbox
 * is saved, on every address its host resolves to (netguard_check_host).
 */
#ifndef CORE_NETGUARD_H
#define CORE_NETGUARD_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What an address is; everything but NET_PUBLIC is refused. */
enum net_class {
	NET_PUBLIC = 0,
	NET_UNSPECIFIED,   /* 0.0.0.0/8, :: */
	NET_LOOPBACK,	   /* 127/8, ::1 */
	NET_PRIVATE,	   /* 10/8, 172.16/12, 192.168/16 (RFC 1918) */
	NET_SHARED,	   /* 100.64/10, carrier-grade NAT (RFC 6598) */
	NET_LINK_LOCAL,	   /* 169.254/16 (cloud metadata), fe80::/10 */
	NET_UNIQUE_LOCAL,  /* fc00::/7 */
	NET_SITE_LOCAL,	   /* fec0::/10 (deprecated, still routed inside sites) */
	NET_MULTICAST,	   /* 224/4, ff00::/8 */
	NET_BROADCAST,	   /* 255.255.255.255 */
	NET_BENCHMARK,	   /* 198.18/15, 2001:2::/48 */
	NET_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20 */
	NET_RESERVED,	   /* 240/4, 192.0.0/24, IPv6 outside 2000::/3, Teredo, ORCHID, ... */
	NET_NOT_IP,	   /* not an IPv4 or IPv6 socket address */
};

/**
 * The class of the IPv4 address `addr` (host byte order: 127.0.0.1 is
 * 0x7f000001).
 */
enum net_class netguard_classify_v4(uint32_t addr);

/**
 * The class of the IPv6 address `a` (16 bytes, network order). Addresses
 * that carry an IPv4 address are judged by it: IPv4-mapped ::ffff:a.b.c.d,
 * IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d and 6to4 2002:AABB:CCDD::.
 */
enum net_class netguard_classify_v6(const unsigned char a[16]);

/** The class of a socket address of `len` bytes (AF_INET or AF_INET6; else NET_NOT_IP). */
enum net_class netguard_classify(const struct sockaddr *sa, size_t len);

/** A short lower-case name for a class: "loopback", "link-local", ... */
const char *netguard_class_name(enum net_class c);

/**
 * Writes the address of `sa` as text ("10.0.0.1", "::1") into `out` of `size`
 * bytes ("?" when it is not IP). Returns out.
 */
const char *netguard_address_text(const struct sockaddr *sa, size_t len, char *out, size_t size);

/**
 * Sets the process-wide policy: 1 lets deskd connect to any address
 * (--allow-private-targets), 0 (the default) only to public ones. Set once
 * at start-up, before any connection; read from any thread.
 */
void netguard_allow_private(int allow);

/** Whether private targets are allowed (netguard_allow_private). */
int netguard_private_allowed(void);

/**
 * Resolves `host` (a name, or an address in any form getaddrinfo reads:
 * "127.0.0.1", "::1", "2130706433", "0177.0.0.1") and checks every address
 * it gives: one non-public address is enough to refuse, since a connection
 * may go to any of them. Not pure: it asks the resolver, and may wait for it.
 *
 * Returns E_OK when private targets are allowed (without resolving) or when
 * every address is public. Otherwise E_INVALID with `err` naming `what`
 * ("webhook url", "smtp host"): "<what> resolves to a private address
 * (127.0.0.1, loopback)" or "<what> 'x.invalid' does not resolve".
 */
enum err_code netguard_check_host(const char *host, const char *what, struct error *err);

#endif
