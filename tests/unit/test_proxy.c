/* test_proxy: PROXY protocol v1 and v2 headers, one table row each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proxy.h"

#define SIG "\r\n\r\n\0\r\nQUIT\n"

static const struct {
	const char *name;
	const char *in;
	size_t len;          /* 0: strlen(in) */
	enum proxy_status want;
	const char *addr;    /* expected source, NULL when none */
	int port;
	size_t consumed;
} cases[] = {
	{"v1 tcp4", "PROXY TCP4 192.0.2.1 198.51.100.2 5555 1965\r\nrest", 0,
	    PROXY_OK, "192.0.2.1", 5555, 45},
	{"v1 tcp6", "PROXY TCP6 2001:db8::1 2001:db8::2 4 70\r\n", 0, PROXY_OK,
	    "2001:db8::1", 4, 41},
	/* An IPv4 client in IPv6 form is named as IPv4 (addr.h). */
	{"v1 tcp6 mapped", "PROXY TCP6 ::ffff:1.1.1.1 ::ffff:10.0.0.1 4000 "
	    "1965\r\n", 0, PROXY_OK, "1.1.1.1", 4000, 53},
	{"v1 tcp6 mapped hex", "PROXY TCP6 ::ffff:c000:201 ::1 1 70\r\n", 0,
	    PROXY_OK, "192.0.2.1", 1, 37},
	{"v1 tcp6 mapped loopback", "PROXY TCP6 ::ffff:127.0.0.1 ::1 1 70\r\n",
	    0, PROXY_OK, "127.0.0.1", 1, 38},
	{"v1 tcp6 nat64", "PROXY TCP6 64:ff9b::192.0.2.9 2001:db8::2 9 70\r\n",
	    0, PROXY_OK, "192.0.2.9", 9, 48},
	{"v1 tcp6 compat stays v6", "PROXY TCP6 ::192.0.2.1 ::1 1 70\r\n", 0,
	    PROXY_OK, "::192.0.2.1", 1, 33},
	{"v1 tcp6 loopback", "PROXY TCP6 ::1 ::1 1 70\r\n", 0, PROXY_OK,
	    "::1", 1, 25},
	{"v1 tcp6 not quite mapped", "PROXY TCP6 ::fffe:1.1.1.1 ::1 1 70\r\n", 0,
	    PROXY_OK, "::fffe:101:101", 1, 36},
	{"v1 tcp4 loopback", "PROXY TCP4 127.0.0.1 127.0.0.1 1 70\r\n", 0,
	    PROXY_OK, "127.0.0.1", 1, 37},
	{"v1 unknown", "PROXY UNKNOWN\r\n", 0, PROXY_OK, NULL, 0, 15},
	{"v1 partial", "PROXY TCP4 192.0.2.1", 0, PROXY_INCOMPLETE, NULL, 0, 0},
	{"v1 prefix", "PROX", 0, PROXY_INCOMPLETE, NULL, 0, 0},
	{"v1 CR only", "PROXY UNKNOWN\r", 0, PROXY_INCOMPLETE, NULL, 0, 0},
	{"v1 bad addr", "PROXY TCP4 999.0.2.1 198.51.100.2 1 2\r\n", 0,
	    PROXY_BAD, NULL, 0, 0},
	{"v1 bad port", "PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n", 0,
	    PROXY_BAD, NULL, 0, 0},
	{"v1 leading zero port", "PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n",
	    0, PROXY_BAD, NULL, 0, 0},
	{"v1 too few fields", "PROXY TCP4 192.0.2.1\r\n", 0, PROXY_BAD, NULL, 0,
	    0},
	{"v1 family", "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n", 0, PROXY_BAD,
	    NULL, 0, 0},
	{"v1 LF without CR", "PROXY UNKNOWN\n", 0, PROXY_INCOMPLETE, NULL, 0, 0},
	{"v1 CR then junk", "PROXY UNKNOWN\rx", 0, PROXY_BAD, NULL, 0, 0},
	{"not proxy", "GET / HTTP/1.0\r\n", 0, PROXY_BAD, NULL, 0, 0},
	{"gemini request", "gemini://localhost/\r\n", 0, PROXY_BAD, NULL, 0, 0},
	{"tls hello", "\x16\x03\x01\x00", 4, PROXY_BAD, NULL, 0, 0},
	{"v2 tcp4", SIG "\x21\x11\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02"
	    "\x15\xb3\x07\xad", 28, PROXY_OK, "192.0.2.1", 5555, 28},
	{"v2 tcp4 with tlv", SIG "\x21\x11\x00\x10\xc0\x00\x02\x01\xc6\x33\x64"
	    "\x02\x15\xb3\x07\xad\x04\x00\x01\x00", 32, PROXY_OK, "192.0.2.1",
	    5555, 32},
	{"v2 tcp6", SIG "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02"
	    "\x11\x5c\x07\xad", 52, PROXY_OK, "2001:db8::1", 4444, 52},
	{"v2 tcp6 mapped", SIG "\x21\x21\x00\x24"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x01\x01\x01\x01"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01"
	    "\x11\x5c\x07\xad", 52, PROXY_OK, "1.1.1.1", 4444, 52},
	{"v2 tcp6 nat64", SIG "\x21\x21\x00\x24"
	    "\x00\x64\xff\x9b\0\0\0\0\0\0\0\0\xc0\x00\x02\x09"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x11\x5c\x07\xad", 52, PROXY_OK, "192.0.2.9", 4444, 52},
	{"v2 tcp6 loopback", SIG "\x21\x21\x00\x24"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x11\x5c\x07\xad", 52, PROXY_OK, "::1", 4444, 52},
	{"v2 tcp6 short", SIG "\x21\x21\x00\x20"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x01\x01\x01\x01"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01", 48, PROXY_BAD,
	    NULL, 0, 0},
	{"v2 local", SIG "\x20\x00\x00\x00", 16, PROXY_OK, NULL, 0, 16},
	{"v2 short body", SIG "\x21\x11\x00\x04\x01\x02\x03\x04", 20,
	    PROXY_BAD, NULL, 0, 0},
	{"v2 partial", SIG "\x21\x11\x00\x0c\xc0\x00", 18, PROXY_INCOMPLETE,
	    NULL, 0, 0},
	{"v2 sig partial", "\r\n\r\n\0\r", 6, PROXY_INCOMPLETE, NULL, 0, 0},
	{"v2 version 1", SIG "\x11\x11\x00\x00", 16, PROXY_BAD, NULL, 0, 0},
	{"v2 command 2", SIG "\x22\x11\x00\x00", 16, PROXY_BAD, NULL, 0, 0},
	{"v2 udp", SIG "\x21\x12\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\x15"
	    "\xb3\x07\xad", 28, PROXY_BAD, NULL, 0, 0},
	{"v2 too long", SIG "\x21\x11\xff\xff", 16, PROXY_BAD, NULL, 0, 0},
	{"empty", "", 0, PROXY_INCOMPLETE, NULL, 0, 0},
};

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proxy_header h;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		enum proxy_status st = proxy_parse(cases[i].in, len, &h);
		char addr[64] = "";
		int port = 0;

		if (st != cases[i].want)
			fail_msg("%s: status %d, want %d", cases[i].name, st,
			    cases[i].want);
		if (st != PROXY_OK)
			continue;
		if (h.consumed != cases[i].consumed)
			fail_msg("%s: consumed %zu, want %zu", cases[i].name,
			    h.consumed, cases[i].consumed);
		if ((cases[i].addr != NULL) != h.has_addr)
			fail_msg("%s: has_addr %d", cases[i].name, h.has_addr);
		if (!h.has_addr)
			continue;
		/* the family too: "1.1.1.1" must be AF_INET, not mapped */
		if (h.src.ss_family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&h.src;

			inet_ntop(AF_INET, &s->sin_addr, addr, sizeof(addr));
			port = ntohs(s->sin_port);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&h.src;

			inet_ntop(AF_INET6, &s->sin6_addr, addr, sizeof(addr));
			port = ntohs(s->sin6_port);
		}
		if (strcmp(addr, cases[i].addr) != 0 || port != cases[i].port)
			fail_msg("%s: %s port %d, want %s port %d",
			    cases[i].name, addr, port, cases[i].addr,
			    cases[i].port);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
