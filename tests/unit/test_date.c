/*
 * test_date: every form date_parse accepts, every one it refuses, and the
 * epoch values and strings that come out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"

struct good {
	const char *in;
	int year, month, day, hour, min, sec;
	int has_time, has_offset, offset_min;
	int64_t epoch;      /* from Python's datetime, not from this code */
	const char *rfc3339;
};

static const struct good goods[] = {
	/* date only: midnight UTC */
	{"2013-08-08", 2013, 8, 8, 0, 0, 0, 0, 0, 0,
	    1375920000, "2013-08-08T00:00:00Z"},
	{"1970-01-01", 1970, 1, 1, 0, 0, 0, 0, 0, 0,
	    0, "1970-01-01T00:00:00Z"},
	{"0001-01-01", 1, 1, 1, 0, 0, 0, 0, 0, 0,
	    -62135596800LL, "0001-01-01T00:00:00Z"},
	/* leap years: by 4, not by 100, but by 400 */
	{"2012-02-29", 2012, 2, 29, 0, 0, 0, 0, 0, 0,
	    1330473600, "2012-02-29T00:00:00Z"},
	{"2000-02-29", 2000, 2, 29, 0, 0, 0, 0, 0, 0,
	    951782400, "2000-02-29T00:00:00Z"},
	{"2100-03-01", 2100, 3, 1, 0, 0, 0, 0, 0, 0,
	    4107542400LL, "2100-03-01T00:00:00Z"},
	{"1900-03-01", 1900, 3, 1, 0, 0, 0, 0, 0, 0,
	    -2203891200LL, "1900-03-01T00:00:00Z"},
	/* every month's last day */
	{"2013-01-31", 2013, 1, 31, 0, 0, 0, 0, 0, 0,
	    1359590400, "2013-01-31T00:00:00Z"},
	{"2013-04-30", 2013, 4, 30, 0, 0, 0, 0, 0, 0,
	    1367280000, "2013-04-30T00:00:00Z"},
	{"2013-12-31", 2013, 12, 31, 0, 0, 0, 0, 0, 0,
	    1388448000, "2013-12-31T00:00:00Z"},
	/* space-separated local times, taken as UTC */
	{"2013-08-08 13:32", 2013, 8, 8, 13, 32, 0, 1, 0, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08 13:32:00", 2013, 8, 8, 13, 32, 0, 1, 0, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"1969-12-31 23:59:59", 1969, 12, 31, 23, 59, 59, 1, 0, 0,
	    -1, "1969-12-31T23:59:59Z"},
	{"9999-12-31 23:59:59", 9999, 12, 31, 23, 59, 59, 1, 0, 0,
	    253402300799LL, "9999-12-31T23:59:59Z"},
	{"2038-01-19 03:14:08", 2038, 1, 19, 3, 14, 8, 1, 0, 0,
	    2147483648LL, "2038-01-19T03:14:08Z"},
	/* RFC 3339 */
	{"2013-08-08T13:32:00Z", 2013, 8, 8, 13, 32, 0, 1, 1, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08t13:32:00z", 2013, 8, 8, 13, 32, 0, 1, 1, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08T13:32:00.123456Z", 2013, 8, 8, 13, 32, 0, 1, 1, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08T13:32:00.9+02:00", 2013, 8, 8, 13, 32, 0, 1, 1, 120,
	    1375961520, "2013-08-08T13:32:00+02:00"},
	{"2013-08-08T13:32:00+02:00", 2013, 8, 8, 13, 32, 0, 1, 1, 120,
	    1375961520, "2013-08-08T13:32:00+02:00"},
	{"2013-08-08T13:32:00-05:30", 2013, 8, 8, 13, 32, 0, 1, 1, -330,
	    1375988520, "2013-08-08T13:32:00-05:30"},
	{"2013-08-08T13:32:00+23:59", 2013, 8, 8, 13, 32, 0, 1, 1, 1439,
	    1375882380, "2013-08-08T13:32:00+23:59"},
	{"2013-08-08T13:32:00-23:59", 2013, 8, 8, 13, 32, 0, 1, 1, -1439,
	    1376055060, "2013-08-08T13:32:00-23:59"},
	/* a zero offset is the same instant as Z, and prints as Z */
	{"2013-08-08T13:32:00+00:00", 2013, 8, 8, 13, 32, 0, 1, 1, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08T13:32:00-00:00", 2013, 8, 8, 13, 32, 0, 1, 1, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	/* the lenient corners: T without seconds or offset, Jekyll's form */
	{"2013-08-08T13:32", 2013, 8, 8, 13, 32, 0, 1, 0, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08 13:32:00Z", 2013, 8, 8, 13, 32, 0, 1, 1, 0,
	    1375968720, "2013-08-08T13:32:00Z"},
	{"2013-08-08 13:32:00 +0200", 2013, 8, 8, 13, 32, 0, 1, 1, 120,
	    1375961520, "2013-08-08T13:32:00+02:00"},
	{"2013-08-08 13:32 -05:30", 2013, 8, 8, 13, 32, 0, 1, 1, -330,
	    1375988520, "2013-08-08T13:32:00-05:30"},
};

struct bad {
	const char *in;
	const char *why;
};

static const struct bad bads[] = {
	{"", "malformed date"},
	{"garbage", "malformed date"},
	{"2013", "malformed date"},
	{"2013-08", "malformed date"},
	{"2013-8-8", "malformed date"},
	{"2013-08-8", "malformed date"},
	{"13-08-08", "malformed date"},
	{"20130808", "malformed date"},
	{"2013/08/08", "malformed date"},
	{"+2013-08-08", "malformed date"},
	{"2013-08-08x", "malformed date"},
	{"2013-08-08T", "malformed date"},
	{"2013-08-08 ", "malformed date"},
	{" 2013-08-08", "malformed date"},
	{"2013-08-08\n", "malformed date"},
	{"2013-08-08T13", "malformed date"},
	{"2013-08-08T13:3", "malformed date"},
	{"2013-08-08 9:30", "malformed date"},
	{"2013-08-08T13:32:0", "malformed date"},
	{"2013-08-08T13:32:00.", "malformed date"},
	{"2013-08-08T13:32.5", "malformed date"},
	{"2013-08-08T13:32:00 ", "malformed date"},
	{"2013-08-08T13:32:00ZZ", "malformed date"},
	{"2013-08-08T13:32:00Z junk", "malformed date"},
	{"2013-08-08T13:32:00+2", "malformed date"},
	{"2013-08-08T13:32:00+02", "malformed date"},
	{"2013-08-08T13:32:00+02:0", "malformed date"},
	{"2013-08-08T13:32:00+02:00:00", "malformed date"},
	{"2013-08-08T13:32:00  +02:00", "malformed date"},
	{"2013-08-08T13:32:00UTC", "malformed date"},
	{"2013-08-08X13:32:00Z", "malformed date"},
	{"2013-08-08  13:32", "malformed date"},
	{"2013-02-30x", "malformed date"}, /* syntax before sense */
	{"Thu, 08 Aug 2013 13:32:00 GMT", "malformed date"},
	{"0000-01-01", "year out of range"},
	{"2013-02-29", "impossible date"},
	{"1900-02-29", "impossible date"},
	{"2100-02-29", "impossible date"},
	{"2013-02-30", "impossible date"},
	{"2013-04-31", "impossible date"},
	{"2013-13-01", "impossible date"},
	{"2013-00-10", "impossible date"},
	{"2013-01-00", "impossible date"},
	{"2013-01-32", "impossible date"},
	{"2013-08-08 24:00", "impossible time"},
	{"2013-08-08 25:00", "impossible time"},
	{"2013-08-08 13:60", "impossible time"},
	{"2013-08-08 13:32:60", "impossible time"},
	{"2013-08-08T23:59:60Z", "impossible time"},
	{"2013-08-08T13:32:00+24:00", "impossible offset"},
	{"2013-08-08T13:32:00-05:60", "impossible offset"},
};

/*
 * Table rows are checked in a loop, so a failure names its row rather
 * than a line of the loop.
 */
#define CHECK_INT(in, got, want)                                         \
	do {                                                             \
		if ((long long)(got) != (long long)(want))               \
			fail_msg("\"%s\": %s is %lld, want %lld", (in),   \
			    #got, (long long)(got), (long long)(want));   \
	} while (0)

#define CHECK_STR(in, got, want)                                         \
	do {                                                             \
		if (strcmp((got), (want)) != 0)                          \
			fail_msg("\"%s\": %s is \"%s\", want \"%s\"",     \
			    (in), #got, (got), (want));                   \
	} while (0)

static void
test_good(void **state)
{
	struct date d;
	const char *why;
	char out[32], ymd[11], want_ymd[11];

	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];

		why = NULL;
		CHECK_INT(g->in, date_parse(g->in, strlen(g->in), &d, &why),
		    0);
		CHECK_INT(g->in, why != NULL, 0);
		CHECK_INT(g->in, d.year, g->year);
		CHECK_INT(g->in, d.month, g->month);
		CHECK_INT(g->in, d.day, g->day);
		CHECK_INT(g->in, d.hour, g->hour);
		CHECK_INT(g->in, d.min, g->min);
		CHECK_INT(g->in, d.sec, g->sec);
		CHECK_INT(g->in, d.has_time, g->has_time);
		CHECK_INT(g->in, d.has_offset, g->has_offset);
		CHECK_INT(g->in, d.offset_min, g->offset_min);
		CHECK_INT(g->in, date_epoch(&d), g->epoch);
		date_rfc3339(&d, out);
		CHECK_STR(g->in, out, g->rfc3339);
		date_ymd(&d, ymd);
		memcpy(want_ymd, g->rfc3339, 10);
		want_ymd[10] = '\0';
		CHECK_STR(g->in, ymd, want_ymd);
	}
}

static void
test_bad(void **state)
{
	struct date d;
	const char *why;

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const char *in = bads[i].in;

		why = NULL;
		memset(&d, 0xa5, sizeof(d));
		CHECK_INT(in, date_parse(in, strlen(in), &d, &why), -1);
		if (why == NULL)
			fail_msg("\"%s\": no reason given", in);
		CHECK_STR(in, why, bads[i].why);
		/* a refused date leaves nothing half-filled behind */
		CHECK_INT(in, d.year, 0);
		CHECK_INT(in, d.has_time, 0);
	}
}

/* The length is what counts: no NUL is needed, and none is read past. */
static void
test_length_bounded(void **state)
{
	static const char s[] = "2013-08-08T13:32:00Zjunk";
	struct date d;
	const char *why = NULL;

	assert_int_equal(date_parse(s, 20, &d, &why), 0);
	assert_true(date_epoch(&d) == 1375968720);
	assert_int_equal(date_parse(s, 10, &d, &why), 0);
	assert_int_equal(d.has_time, 0);
	assert_int_equal(date_parse(s, 9, &d, &why), -1);
	assert_string_equal(why, "malformed date");
	/* an embedded NUL is just a wrong byte */
	assert_int_equal(date_parse("2013-08-08\0", 11, &d, &why), -1);
	assert_int_equal(date_parse("2013-08-0\08", 10, &d, &why), -1);
}

/* Offsets move the instant, never the date as written. */
static void
test_offset_keeps_local_date(void **state)
{
	struct date d;
	const char *why;
	char ymd[11];

	assert_int_equal(date_parse("2013-08-08T23:30:00-05:00", 25, &d,
	    &why), 0);
	date_ymd(&d, ymd);
	assert_string_equal(ymd, "2013-08-08");
	assert_true(date_epoch(&d) == 1376022600); /* 2013-08-09T04:30Z */
}

/* Epochs agree with a day-by-day count across four centuries. */
static void
test_epoch_walk(void **state)
{
	struct date d = {0};
	int64_t want = -62135596800LL; /* 0001-01-01 */
	const char *why;
	int mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	for (d.year = 1; d.year <= 2400; d.year++) {
		int leap = (d.year % 4 == 0 && d.year % 100 != 0) ||
		    d.year % 400 == 0;

		for (d.month = 1; d.month <= 12; d.month++) {
			int n = mdays[d.month] + (d.month == 2 && leap);

			for (d.day = 1; d.day <= n; d.day++) {
				if (date_epoch(&d) != want)
					fail_msg("%04d-%02d-%02d", d.year,
					    d.month, d.day);
				want += 86400;
			}
		}
	}
	/* and the day after each month's last is refused */
	assert_int_equal(date_parse("2400-02-30", 10, &d, &why), -1);
	assert_int_equal(date_parse("2400-02-29", 10, &d, &why), 0);
}

static void
test_month_names(void **state)
{
	assert_string_equal(date_month_name(1), "January");
	assert_string_equal(date_month_name(8), "August");
	assert_string_equal(date_month_name(12), "December");
	assert_string_equal(date_month_name(0), "?");
	assert_string_equal(date_month_name(13), "?");
	assert_string_equal(date_month_name(-1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_offset_keeps_local_date),
		cmocka_unit_test(test_epoch_walk),
		cmocka_unit_test(test_month_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
