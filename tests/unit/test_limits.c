/* test_limits: per-address rate and connection caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/limits.h"

static struct sockaddr_storage
v4(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
	return ss;
}

static struct sockaddr_storage
v6(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &sin6->sin6_addr);
	return ss;
}

#define SA(x) ((struct sockaddr *)&(x))

static void
test_rate(void **state)
{
	struct limits *l = limits_new(0, 2, 3); /* 2/s, burst 3 */
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2");

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(limits_admit(l, SA(a), 100.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(a), 100.0), LIMIT_RATE);
	/* Another address has its own bucket. */
	assert_int_equal(limits_admit(l, SA(b), 100.0), LIMIT_OK);
	/* Half a second later one token is back, and only one. */
	assert_int_equal(limits_admit(l, SA(a), 100.5), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(a), 100.5), LIMIT_RATE);
	/* Never more than the burst, however long the pause. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(limits_admit(l, SA(a), 1000.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(a), 1000.0), LIMIT_RATE);
	limits_free(l);
}

static void
test_concurrent(void **state)
{
	struct limits *l = limits_new(2, 0, 0); /* 2 open at once, no rate */
	struct sockaddr_storage a = v4("198.51.100.7");

	(void)state;
	assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_CONCURRENT);
	limits_release(l, SA(a));
	assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_CONCURRENT);
	limits_free(l);
}

/* One IPv6 /64 is one client; the next /64 is another. */
static void
test_ipv6_prefix(void **state)
{
	struct limits *l = limits_new(1, 0, 0);
	struct sockaddr_storage a = v6("2001:db8:1:2::1");
	struct sockaddr_storage b = v6("2001:db8:1:2:ffff::9");
	struct sockaddr_storage c = v6("2001:db8:1:3::1");

	(void)state;
	assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(b), 1.0), LIMIT_CONCURRENT);
	assert_int_equal(limits_admit(l, SA(c), 1.0), LIMIT_OK);
	limits_free(l);
}

/*
 * Which addresses are one client, for every family: with one connection
 * allowed per address, b is refused while a holds its connection exactly
 * when they share a bucket. Both orders are tried.
 */
static const struct {
	const char *a, *b;
	int same;
} buckets[] = {
	/* IPv4: one address, one client */
	{"192.0.2.1", "192.0.2.1", 1},
	{"192.0.2.1", "192.0.2.2", 0},
	{"127.0.0.1", "127.0.0.2", 0},
	/* native IPv6: its /64 */
	{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", 1},
	{"2001:db8:1:2::1", "2001:db8:1:3::1", 0},
	{"::1", "::1", 1},
	/* IPv4-mapped: the IPv4 address it carries, not ::ffff:0:0/64 */
	{"::ffff:192.0.2.1", "::ffff:192.0.2.2", 0},
	{"::ffff:192.0.2.1", "192.0.2.1", 1},
	{"::ffff:1.1.1.1", "::ffff:1.1.1.1", 1},
	{"::ffff:127.0.0.1", "127.0.0.1", 1},
	{"::ffff:127.0.0.1", "::1", 0},
	{"::ffff:0:0", "0.0.0.0", 1},
	/* NAT64 well-known prefix (RFC 6052): the IPv4 client it carries */
	{"64:ff9b::192.0.2.1", "64:ff9b::192.0.2.2", 0},
	{"64:ff9b::192.0.2.1", "192.0.2.1", 1},
	{"64:ff9b::192.0.2.1", "::ffff:192.0.2.1", 1},
	/* a network-specific NAT64 prefix is native IPv6: its /64 */
	{"64:ff9b:1::c000:201", "64:ff9b:1::c000:202", 1},
	/* IPv4-compatible (deprecated): IPv6, the /64 of ::1 */
	{"::192.0.2.1", "::192.0.2.2", 1},
	{"::192.0.2.1", "192.0.2.1", 0},
	{"::192.0.2.1", "::1", 1},
	/* almost mapped: ::fffe:... and ::1:ffff:... are plain IPv6 */
	{"::fffe:192.0.2.1", "::fffe:192.0.2.2", 1},
	{"::fffe:192.0.2.1", "192.0.2.1", 0},
	{"0:0:0:1:0:ffff:c000:201", "192.0.2.1", 0},
};

static struct sockaddr_storage
any(const char *a)
{
	return strchr(a, ':') ? v6(a) : v4(a);
}

static void
test_buckets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++)
		for (int order = 0; order < 2; order++) {
			struct limits *l = limits_new(1, 0, 0);
			struct sockaddr_storage a, b;
			enum limit_verdict v;

			a = any(order ? buckets[i].b : buckets[i].a);
			b = any(order ? buckets[i].a : buckets[i].b);
			assert_int_equal(limits_admit(l, SA(a), 1.0), LIMIT_OK);
			v = limits_admit(l, SA(b), 1.0);
			if (v != (buckets[i].same ? LIMIT_CONCURRENT : LIMIT_OK))
				fail_msg("%s then %s: %s bucket", order ?
				    buckets[i].b : buckets[i].a, order ?
				    buckets[i].a : buckets[i].b, v == LIMIT_OK ?
				    "another" : "the same");
			/* Released under its other name, the slot is free. */
			if (buckets[i].same) {
				limits_release(l, SA(b));
				assert_int_equal(limits_admit(l, SA(a), 1.0),
				    LIMIT_OK);
			}
			limits_free(l);
		}
}

/*
 * The attack: one IPv4 client behind a dual-stack proxy holds its share;
 * every other IPv4 visitor is still let in, and each has its own rate.
 */
static void
test_mapped_clients_apart(void **state)
{
	struct limits *l = limits_new(32, 1, 4);
	struct sockaddr_storage one = v6("::ffff:203.0.113.1");
	char a[64];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(limits_admit(l, SA(one), 1.0), LIMIT_OK);
	assert_int_equal(limits_admit(l, SA(one), 1.0), LIMIT_RATE);
	for (unsigned i = 2; i < 200; i++) {
		struct sockaddr_storage other;

		snprintf(a, sizeof(a), "::ffff:198.51.100.%u", i);
		other = v6(a);
		assert_int_equal(limits_admit(l, SA(other), 1.0), LIMIT_OK);
	}
	limits_free(l);
}

/* A flood of addresses never grows the table past its size. */
static void
test_bounded(void **state)
{
	struct limits *l = limits_new(4, 1, 1);
	char a[32];

	(void)state;
	for (unsigned i = 0; i < 200000; i++) {
		struct sockaddr_storage ss;

		snprintf(a, sizeof(a), "10.%u.%u.%u", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		ss = v4(a);
		limits_admit(l, SA(ss), 5.0);
	}
	assert_true(limits_tracked(l) <= 16384);
	limits_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_mapped_clients_apart),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
