/*
 * date: front matter dates, read and written by hand.
 *
 * mktime, timegm, strptime and strftime all consult the locale or TZ, and a
 * post's URL (/2013/08/) must not depend on the machine that serves it, so
 * every conversion here is plain integer arithmetic.
 */
#include "base/date.h"

#include <string.h>

/* The reasons date_parse gives; callers print them after the key name. */
static const char why_malformed[] = "malformed date";
static const char why_year[] = "year out of range";
static const char why_date[] = "impossible date";
static const char why_time[] = "impossible time";
static const char why_offset[] = "impossible offset";

/* Reads exactly n decimal digits at s[*i]; -1 when one is missing. */
static int
date_digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;

	for (int k = 0; k < n; k++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return v;
}

/* Consumes c at s[*i]; -1 when something else (or nothing) is there. */
static int
date_expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

static int
date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
date_month_days(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && date_is_leap(y) ? 29 : days[m - 1];
}

/*
 * The time and offset after "YYYY-MM-DD" and its separator: "HH:MM",
 * then optionally ":SS", then optionally ".frac" (after seconds only), then
 * optionally an offset, which may follow one space so that Jekyll's
 * "2013-08-08 13:32:00 +0200" reads too. Only the syntax is checked here.
 */
static int
date_parse_time(const char *s, size_t len, size_t *i, struct date *d)
{
	int sign, oh, om;

	d->has_time = 1;
	if ((d->hour = date_digits(s, len, i, 2)) == -1 ||
	    date_expect(s, len, i, ':') == -1 ||
	    (d->min = date_digits(s, len, i, 2)) == -1)
		return -1;
	if (date_expect(s, len, i, ':') == 0) {
		if ((d->sec = date_digits(s, len, i, 2)) == -1)
			return -1;
		/* Sub-second precision means nothing for a blog post. */
		if (date_expect(s, len, i, '.') == 0) {
			if (date_digits(s, len, i, 1) == -1)
				return -1;
			while (*i < len && s[*i] >= '0' && s[*i] <= '9')
				(*i)++;
		}
	}
	if (*i == len)
		return 0;
	if (s[*i] == ' ' && *i + 1 < len)
		(*i)++;
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		d->has_offset = 1;
		d->offset_min = 0;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -1;
	sign = s[*i] == '-' ? -1 : 1;
	(*i)++;
	if ((oh = date_digits(s, len, i, 2)) == -1)
		return -1;
	/* RFC 3339 wants the colon; Jekyll and ISO 8601 basic omit it. */
	(void)date_expect(s, len, i, ':');
	if ((om = date_digits(s, len, i, 2)) == -1)
		return -1;
	if (oh > 23 || om > 59)
		return -2;
	d->has_offset = 1;
	d->offset_min = sign * (oh * 60 + om);
	return 0;
}

int
date_parse(const char *s, size_t len, struct date *d, const char **why)
{
	struct date t;
	size_t i = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	memset(&t, 0, sizeof(t));
	if ((t.year = date_digits(s, len, &i, 4)) == -1 ||
	    date_expect(s, len, &i, '-') == -1 ||
	    (t.month = date_digits(s, len, &i, 2)) == -1 ||
	    date_expect(s, len, &i, '-') == -1 ||
	    (t.day = date_digits(s, len, &i, 2)) == -1)
		goto malformed;
	if (i < len) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			goto malformed;
		i++;
		if ((rc = date_parse_time(s, len, &i, &t)) == -1 || i != len)
			goto malformed;
		if (rc == -2) {
			*why = why_offset;
			return -1;
		}
	}
	if (t.year < 1) {
		*why = why_year;
		return -1;
	}
	if (t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > date_month_days(t.year, t.month)) {
		*why = why_date;
		return -1;
	}
	/*
	 * A leap second (:60) is refused: it is valid only at the end of a
	 * few UTC days, and no post was ever written during one.
	 */
	if (t.hour > 23 || t.min > 59 || t.sec > 59) {
		*why = why_time;
		return -1;
	}
	*d = t;
	return 0;
malformed:
	*why = why_malformed;
	return -1;
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): eras of 400 years, each 146097
 * days, with the year starting in March so that February comes last.
 */
static int64_t
date_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
date_epoch(const struct date *d)
{
	int64_t t;

	t = date_days_from_civil(d->year, d->month, d->day) * 86400;
	t += (int64_t)d->hour * 3600 + d->min * 60 + d->sec;
	if (d->has_offset)
		t -= (int64_t)d->offset_min * 60;
	return t;
}

/* Writes v as exactly width digits (the fields are already in range). */
static char *
date_put(char *p, int v, int width)
{
	if (v < 0)
		v = 0;
	for (int k = width - 1; k >= 0; k--) {
		p[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void
date_ymd(const struct date *d, char out[11])
{
	char *p = out;

	p = date_put(p, d->year, 4);
	*p++ = '-';
	p = date_put(p, d->month, 2);
	*p++ = '-';
	p = date_put(p, d->day, 2);
	*p = '\0';
}

void
date_rfc3339(const struct date *d, char out[32])
{
	char *p = out + 10;
	int off;

	date_ymd(d, out);
	*p++ = 'T';
	p = date_put(p, d->hour, 2);
	*p++ = ':';
	p = date_put(p, d->min, 2);
	*p++ = ':';
	p = date_put(p, d->sec, 2);
	off = d->has_offset ? d->offset_min : 0;
	if (off == 0)
		*p++ = 'Z';
	else {
		*p++ = off < 0 ? '-' : '+';
		off = off < 0 ? -off : off;
		p = date_put(p, off / 60, 2);
		*p++ = ':';
		p = date_put(p, off % 60, 2);
	}
	*p = '\0';
}

const char *
date_month_name(int month)
{
	static const char *names[12] = {
		"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November",
		"December"
	};

	if (month < 1 || month > 12)
		return "?";
	return names[month - 1];
}
