/* date: the dates of front matter, parsed and printed (pure). */
#ifndef CAPSULED_DATE_H
#define CAPSULED_DATE_H

#include <stddef.h>
#include <stdint.h>

/* 12 bytes: every post holds two (its date, and when it was updated). */
struct date {
	int16_t year;          /* as written: a post's local date */
	int16_t offset_min;    /* minutes east of UTC, when has_offset */
	int8_t month, day;
	int8_t hour, min, sec; /* 0 when no time was given */
	uint8_t has_time;      /* a time of day was written */
	uint8_t has_offset;    /* "Z" or "+hh:mm" was written */
};

/*
 * Accepts "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" and
 * RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)", 't' and 'z' too).
 * More precisely: a date, then optionally 'T', 't' or ' ' and "HH:MM",
 * optional ":SS", optional ".frac" after seconds (dropped), and an optional
 * offset ("Z", "z", "+hh:mm", "-hh:mm", "+hhmm" or "-hhmm"), which may
 * follow one space (Jekyll's "2013-08-08 13:32:00 +0200"). Digits are
 * exactly as wide as shown; nothing else, not even white space, may
 * surround the date.
 * Rejects impossible dates (2013-02-30, 25:00, offsets beyond 23:59), leap
 * seconds (:60) and years outside 1..9999. Returns 0, or -1 with *why set
 * to a static reason ("malformed date", "impossible date", "impossible
 * time", "impossible offset", "year out of range") and *d zeroed.
 */
int date_parse(const char *s, size_t len, struct date *d, const char **why);

/* Seconds since the epoch; a date without offset is taken as UTC. */
int64_t date_epoch(const struct date *d);

/*
 * "2013-08-08T13:32:00Z" or "...+02:00"; out needs 32 bytes. Seconds are
 * always printed, "T00:00:00" when no time was written. "Z" stands for no
 * offset and for any zero offset ("+00:00" and "-00:00" print as "Z": the
 * same instant).
 */
void date_rfc3339(const struct date *d, char out[32]);

/* "2013-08-08"; out needs 11 bytes. */
void date_ymd(const struct date *d, char out[11]);

/* English month name, 1..12; "?" for anything else. */
const char *date_month_name(int month);

#endif
