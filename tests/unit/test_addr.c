/* test_addr: how a client address is counted and written, every family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/addr.h"

static const struct {
	const char *in;      /* as inet_pton reads it; ':' makes it IPv6 */
	int family;          /* of addr_canonical's answer */
	const char *text;    /* addr_text */
	const char *anon;    /* addr_text, anonymised */
} cases[] = {
	{"192.0.2.1", AF_INET, "192.0.2.1", "192.0.2.0"},
	{"127.0.0.1", AF_INET, "127.0.0.1", "127.0.0.0"},
	{"0.0.0.0", AF_INET, "0.0.0.0", "0.0.0.0"},
	{"255.255.255.255", AF_INET, "255.255.255.255", "255.255.255.0"},
	/* native IPv6 stays; anonymised to its /48 */
	{"2001:db8:1:2::1", AF_INET6, "2001:db8:1:2::1", "2001:db8:1::"},
	{"::1", AF_INET6, "::1", "::"},
	{"fe80::1", AF_INET6, "fe80::1", "fe80::"},
	/* IPv4-mapped: the IPv4 client, written and cut as IPv4 */
	{"::ffff:1.1.1.1", AF_INET, "1.1.1.1", "1.1.1.0"},
	{"::ffff:203.0.113.77", AF_INET, "203.0.113.77", "203.0.113.0"},
	{"::ffff:127.0.0.1", AF_INET, "127.0.0.1", "127.0.0.0"},
	{"::ffff:0.0.0.0", AF_INET, "0.0.0.0", "0.0.0.0"},
	/* NAT64 well-known prefix: the IPv4 client too */
	{"64:ff9b::198.51.100.7", AF_INET, "198.51.100.7", "198.51.100.0"},
	/* a network-specific NAT64 prefix: IPv6 */
	{"64:ff9b:1::c633:6407", AF_INET6, "64:ff9b:1::c633:6407",
	    "64:ff9b:1::"},
	/* IPv4-compatible (deprecated) and near misses: IPv6 */
	{"::192.0.2.1", AF_INET6, "::192.0.2.1", "::"},
	{"::fffe:102:304", AF_INET6, "::fffe:102:304", "::"},
	{"::1:ffff:102:304", AF_INET6, "::1:ffff:102:304", "::"},
	{"64:ff9b::1:102:304", AF_INET6, "64:ff9b::1:102:304", "64:ff9b::"},
};

static struct sockaddr_storage
parse(const char *a, unsigned short port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, a, &s4->sin_addr), 1);
	}
	return ss;
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss = parse(cases[i].in, 4321);
		const struct sockaddr *sa = (struct sockaddr *)&ss, *c;
		struct sockaddr_in v4;
		char text[ADDR_TEXT], anon[ADDR_TEXT];
		unsigned short port;

		c = addr_canonical(sa, &v4);
		if (c->sa_family != cases[i].family)
			fail_msg("%s: family %d, want %d", cases[i].in,
			    c->sa_family, cases[i].family);
		/* Unchanged is the very same address, changed is in v4. */
		assert_ptr_equal(c, c->sa_family == sa->sa_family ? sa
		    : (const struct sockaddr *)&v4);
		port = c->sa_family == AF_INET
		    ? ntohs(((const struct sockaddr_in *)c)->sin_port)
		    : ntohs(((const struct sockaddr_in6 *)c)->sin6_port);
		if (port != 4321)
			fail_msg("%s: port %u lost", cases[i].in, port);
		addr_text(sa, 0, text);
		addr_text(sa, 1, anon);
		if (strcmp(text, cases[i].text) != 0 ||
		    strcmp(anon, cases[i].anon) != 0)
			fail_msg("%s: \"%s\" and \"%s\", want \"%s\" and \"%s\"",
			    cases[i].in, text, anon, cases[i].text,
			    cases[i].anon);
	}
}

static void
test_other_family(void **state)
{
	struct sockaddr sa;
	struct sockaddr_in v4;
	char text[ADDR_TEXT];

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_ptr_equal(addr_canonical(&sa, &v4), &sa);
	addr_text(&sa, 0, text);
	assert_string_equal(text, "-");
	addr_text(&sa, 1, text);
	assert_string_equal(text, "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_other_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
