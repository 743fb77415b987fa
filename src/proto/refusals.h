/*
 * refusals: connections turned away, counted rather than logged one by
 * one, so that a flood of them writes a line a second, not a line each
 * (pure: the caller passes the clock and writes the line).
 *
 * The first refusal after a quiet second is logged as it happens (an
 * access line saying why, as any closed connection's); the ones after it
 * are counted, and at the end of each second with some, one summary line
 * says how many and why, and how many idle connections were closed to
 * make room. So a flood costs one line a second per worker, and a lone
 * refusal is seen at once.
 */
#ifndef CAPSULED_REFUSALS_H
#define CAPSULED_REFUSALS_H

#include <stddef.h>

#define REFUSALS_WINDOW_MS 1000

enum refusal {
	REFUSED_FULL,    /* over max_connections, and no idle one to close */
	REFUSED_ADDRESS, /* its address holds max_per_address already */
	REFUSED_N,
};

struct refusals {
	long window_ms;          /* when the current second began; 0: none */
	size_t counts[REFUSED_N]; /* refused in it, but the first */
	size_t evicted;          /* idle ones closed to make room in it */
};

/* Why, in the words of the log (also the access line's note). */
const char *refusal_reason(enum refusal why);

/*
 * One more refused at now_ms. Returns 1 when it is the first of a new
 * second, for the caller to log on its own line (and to arrange a call
 * of refusals_flush REFUSALS_WINDOW_MS later); 0 when it was counted.
 */
int refusals_add(struct refusals *r, enum refusal why, long now_ms);

/* An idle connection closed to make room (counted, never a line each). */
int refusals_evicted(struct refusals *r, long now_ms);

/*
 * The summary of the second that began at r->window_ms, into out (size
 * n), ending it: returns 1 with a line to log, 0 when there is nothing
 * to say (and the next refusal starts a new second). *again: 1 when the
 * caller should call again in REFUSALS_WINDOW_MS (a second with counts
 * is followed by another, so a steady flood stays summarised).
 */
int refusals_flush(struct refusals *r, long now_ms, char *out, size_t n,
    int *again);

#endif
