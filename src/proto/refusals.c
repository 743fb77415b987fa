/* refusals: turned-away connections, a summary line a second. */
#include "proto/refusals.h"

#include <stdio.h>

static const char *reasons[REFUSED_N] = {
	[REFUSED_FULL] = "over the connection cap",
	[REFUSED_ADDRESS] = "too many connections from this address",
};

const char *
refusal_reason(enum refusal why)
{
	return reasons[why];
}

/* Returns 1 when this begins a second (the caller arranges the flush). */
static int
begin(struct refusals *r, long now_ms)
{
	if (r->window_ms != 0)
		return 0;
	r->window_ms = now_ms != 0 ? now_ms : 1; /* 0 means "none" */
	return 1;
}

int
refusals_add(struct refusals *r, enum refusal why, long now_ms)
{
	if (begin(r, now_ms))
		return 1;
	r->counts[why]++;
	return 0;
}

int
refusals_evicted(struct refusals *r, long now_ms)
{
	int first = begin(r, now_ms);

	r->evicted++;
	return first;
}

int
refusals_flush(struct refusals *r, long now_ms, char *out, size_t n,
    int *again)
{
	size_t total = 0, used = 0;
	double secs = (double)(now_ms - r->window_ms) / 1000.0;
	const char *sep = ": ";
	int k;

	for (int i = 0; i < REFUSED_N; i++)
		total += r->counts[i];
	if (total == 0 && r->evicted == 0) {
		r->window_ms = 0;
		*again = 0;
		return 0;
	}
	k = snprintf(out, n, "refused %zu connection%s in %.1f s", total,
	    total == 1 ? "" : "s", secs);
	used = k < 0 ? 0 : (size_t)k;
	for (int i = 0; i < REFUSED_N && used < n; i++) {
		if (r->counts[i] == 0)
			continue;
		k = snprintf(out + used, n - used, "%s%zu %s", sep,
		    r->counts[i], reasons[i]);
		used += k < 0 ? 0 : (size_t)k;
		sep = ", ";
		r->counts[i] = 0;
	}
	if (r->evicted > 0 && used < n)
		snprintf(out + used, n - used, "; closed %zu idle connection%s "
		    "to make room", r->evicted, r->evicted == 1 ? "" : "s");
	r->evicted = 0;
	r->window_ms = now_ms != 0 ? now_ms : 1;
	*again = 1;
	return 1;
}
