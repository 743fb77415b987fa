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

#include "limits.h"

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
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
