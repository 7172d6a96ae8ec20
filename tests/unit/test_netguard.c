#include "core/netguard.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>

/* The class of an address written as text, IPv4 or IPv6; -1 when it does not parse. */
static int classify_text(const char *s)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};

	if (inet_pton(AF_INET, s, &in.sin_addr) == 1)
		return (int)netguard_classify((struct sockaddr *)&in, sizeof(in));
	if (inet_pton(AF_INET6, s, &in6.sin6_addr) == 1)
		return (int)netguard_classify((struct sockaddr *)&in6, sizeof(in6));
	return -1;
}

static const struct {
	const char *address;
	enum net_class want;
} cases[] = {
	/* public */
	{"8.8.8.8", NET_PUBLIC},
	{"1.1.1.1", NET_PUBLIC},
	{"93.184.216.34", NET_PUBLIC},
	{"9.255.255.255", NET_PUBLIC},
	{"11.0.0.0", NET_PUBLIC},
	{"100.63.255.255", NET_PUBLIC},
	{"100.128.0.0", NET_PUBLIC},
	{"126.255.255.255", NET_PUBLIC},
	{"128.0.0.0", NET_PUBLIC},
	{"169.253.255.255", NET_PUBLIC},
	{"169.255.0.0", NET_PUBLIC},
	{"172.15.255.255", NET_PUBLIC},
	{"172.32.0.0", NET_PUBLIC},
	{"192.0.1.1", NET_PUBLIC},
	{"192.167.255.255", NET_PUBLIC},
	{"192.169.0.0", NET_PUBLIC},
	{"198.17.255.255", NET_PUBLIC},
	{"198.20.0.0", NET_PUBLIC},
	{"223.255.255.255", NET_PUBLIC},
	{"2606:4700:4700::1111", NET_PUBLIC},
	{"2a00:1450:4001:80b::200e", NET_PUBLIC},
	{"2001:200::1", NET_PUBLIC},
	{"2001:db9::1", NET_PUBLIC},
	{"3ffe::1", NET_PUBLIC},
	{"2002:0808:0808::1", NET_PUBLIC}, /* 6to4 of 8.8.8.8 */
	{"64:ff9b::808:808", NET_PUBLIC},  /* NAT64 of 8.8.8.8 */
	{"::ffff:8.8.8.8", NET_PUBLIC},
	/* IPv4 ranges */
	{"0.0.0.0", NET_UNSPECIFIED},
	{"0.255.255.255", NET_UNSPECIFIED},
	{"127.0.0.1", NET_LOOPBACK},
	{"127.255.255.254", NET_LOOPBACK},
	{"10.0.0.1", NET_PRIVATE},
	{"10.255.255.255", NET_PRIVATE},
	{"172.16.0.1", NET_PRIVATE},
	{"172.31.255.255", NET_PRIVATE},
	{"192.168.0.1", NET_PRIVATE},
	{"192.168.255.255", NET_PRIVATE},
	{"100.64.0.1", NET_SHARED},
	{"100.127.255.255", NET_SHARED},
	{"100.100.100.200", NET_SHARED}, /* a cloud's metadata */
	{"169.254.169.254", NET_LINK_LOCAL},
	{"169.254.0.1", NET_LINK_LOCAL},
	{"192.0.0.192", NET_RESERVED}, /* another cloud's metadata */
	{"192.0.2.1", NET_DOCUMENTATION},
	{"198.51.100.7", NET_DOCUMENTATION},
	{"203.0.113.255", NET_DOCUMENTATION},
	{"192.88.99.1", NET_RESERVED},
	{"198.18.0.1", NET_BENCHMARK},
	{"198.19.255.255", NET_BENCHMARK},
	{"224.0.0.1", NET_MULTICAST},
	{"239.255.255.250", NET_MULTICAST},
	{"240.0.0.1", NET_RESERVED},
	{"255.255.255.254", NET_RESERVED},
	{"255.255.255.255", NET_BROADCAST},
	/* IPv6 ranges */
	{"::", NET_UNSPECIFIED},
	{"::1", NET_LOOPBACK},
	{"fe80::1", NET_LINK_LOCAL},
	{"febf:ffff::1", NET_LINK_LOCAL},
	{"fec0::1", NET_SITE_LOCAL},
	{"feff::1", NET_SITE_LOCAL},
	{"fc00::1", NET_UNIQUE_LOCAL},
	{"fd00:ec2::254", NET_UNIQUE_LOCAL}, /* a cloud's metadata over IPv6 */
	{"ff02::1", NET_MULTICAST},
	{"ff0e::1", NET_MULTICAST},
	{"2001:db8::1", NET_DOCUMENTATION},
	{"3fff::1", NET_DOCUMENTATION},
	{"3fff:fff::1", NET_DOCUMENTATION},
	{"2001:2::1", NET_BENCHMARK},
	{"2001::1", NET_RESERVED},	/* Teredo */
	{"2001:10::1", NET_RESERVED},	/* ORCHID */
	{"100::1", NET_RESERVED},	/* discard-only */
	{"5f00::1", NET_RESERVED},	/* outside 2000::/3 */
	{"64:ff9b:1::1", NET_RESERVED}, /* local-use NAT64 */
	{"4000::1", NET_RESERVED},
	/* IPv4 inside IPv6 is judged as the IPv4 it carries */
	{"::ffff:127.0.0.1", NET_LOOPBACK},
	{"::ffff:7f00:1", NET_LOOPBACK},
	{"::ffff:10.1.2.3", NET_PRIVATE},
	{"::ffff:169.254.169.254", NET_LINK_LOCAL},
	{"::ffff:0.0.0.0", NET_UNSPECIFIED},
	{"::127.0.0.1", NET_LOOPBACK}, /* IPv4-compatible */
	{"::10.0.0.1", NET_PRIVATE},
	{"::2", NET_UNSPECIFIED}, /* ::0.0.0.2 */
	{"64:ff9b::7f00:1", NET_LOOPBACK},
	{"64:ff9b::a9fe:a9fe", NET_LINK_LOCAL},
	{"64:ff9b::192.168.1.1", NET_PRIVATE},
	{"2002:7f00:1::", NET_LOOPBACK},
	{"2002:a00:1::1", NET_PRIVATE},
	{"2002:a9fe:a9fe::", NET_LINK_LOCAL},
	{"2002:c0a8:101:1::1", NET_PRIVATE},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = classify_text(cases[i].address);

		if (got != (int)cases[i].want) {
			fprintf(stderr, "%s: got %s, want %s\n", cases[i].address,
				got < 0 ? "(no parse)" : netguard_class_name((enum net_class)got),
				netguard_class_name(cases[i].want));
			unit_failures_in_test++;
		}
	}
}

static void test_not_ip(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr un = {.sa_family = AF_UNIX};

	inet_pton(AF_INET, "8.8.8.8", &in.sin_addr);
	CHECK(netguard_classify((struct sockaddr *)&in, sizeof(in)) == NET_PUBLIC);
	/* a length too short for the family is not trusted */
	CHECK(netguard_classify((struct sockaddr *)&in, 4) == NET_NOT_IP);
	CHECK(netguard_classify(&un, sizeof(un)) == NET_NOT_IP);
	CHECK(netguard_classify(NULL, 0) == NET_NOT_IP);
	CHECK_STR(netguard_class_name(NET_LINK_LOCAL), "link-local");
	CHECK_STR(netguard_class_name((enum net_class)99), "unknown");
}

static void test_address_text(void)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	char text[64];

	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	CHECK_STR(netguard_address_text((struct sockaddr *)&in6, sizeof(in6), text, sizeof(text)),
		  "::ffff:127.0.0.1");
	CHECK_STR(netguard_address_text(NULL, 0, text, sizeof(text)), "?");
	/* too small a buffer gives "?" rather than a cut address */
	CHECK_STR(netguard_address_text((struct sockaddr *)&in6, sizeof(in6), text, 4), "?");
}

/* getaddrinfo reads these forms as addresses: no DNS is asked */
static void test_check_host(void)
{
	static const char *const refused[] = {
		"127.0.0.1",	    "localhost",       "::1",	     "[::1]",
		"::ffff:127.0.0.1", "169.254.169.254", "10.1.2.3",   "2130706433",
		"0177.0.0.1",	    "0x7f.1",	       "0",	     "192.168.1.1",
		"[fe80::1]",	    "fd00::1",	       "100.64.0.1", NULL,
	};
	struct error err;

	netguard_allow_private(0);
	for (int i = 0; refused[i]; i++) {
		err.message[0] = '\0';
		if (netguard_check_host(refused[i], "smtp host", &err) != E_INVALID) {
			fprintf(stderr, "%s: not refused\n", refused[i]);
			unit_failures_in_test++;
		}
		CHECK(!strncmp(err.message, "smtp host resolves to a private address (", 41));
	}
	CHECK(netguard_check_host("127.0.0.1", "webhook url", &err) == E_INVALID);
	CHECK_STR(err.message, "webhook url resolves to a private address (127.0.0.1, loopback)");
	CHECK(netguard_check_host("2130706433", "webhook url", &err) == E_INVALID);
	CHECK_STR(err.message, "webhook url resolves to a private address (127.0.0.1, loopback)");
	CHECK(netguard_check_host("169.254.169.254", "webhook url", &err) == E_INVALID);
	CHECK_STR(err.message,
		  "webhook url resolves to a private address (169.254.169.254, link-local)");
	CHECK(netguard_check_host("8.8.8.8", "webhook url", &err) == E_OK);
	CHECK(netguard_check_host("[2606:4700:4700::1111]", "webhook url", &err) == E_OK);
	CHECK(netguard_check_host("nothing.invalid", "imap host", &err) == E_INVALID);
	CHECK_STR(err.message, "imap host 'nothing.invalid' does not resolve");
	CHECK(netguard_check_host("", "imap host", &err) == E_INVALID);
	CHECK(netguard_check_host("[]", "imap host", &err) == E_INVALID);
	CHECK(netguard_check_host(NULL, "imap host", &err) == E_INVALID);
	{
		char big[400];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(netguard_check_host(big, "imap host", &err) == E_INVALID);
		CHECK_STR(err.message, "imap host is not a host name");
	}

	netguard_allow_private(1);
	CHECK(netguard_private_allowed());
	CHECK(netguard_check_host("127.0.0.1", "webhook url", &err) == E_OK);
	CHECK(netguard_check_host("localhost", "webhook url", &err) == E_OK);
	netguard_allow_private(0);
	CHECK(!netguard_private_allowed());
}

UNIT_MAIN(UNIT_TEST(test_table), UNIT_TEST(test_not_ip), UNIT_TEST(test_address_text),
	  UNIT_TEST(test_check_host))
