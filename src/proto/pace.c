/* pace: write deadlines and pressure (see pace.h). */
#include "proto/pace.h"

/* Checks never come closer than this: a tiny timeout is not a busy loop. */
#define MIN_INTERVAL_MS 50

void
pace_start(struct pace *p, long now_ms)
{
	p->start_ms = p->progress_ms = now_ms;
	p->acked = 0;
}

/*
 * A quarter of the timeout, so a stall is seen a quarter late at most;
 * never more than the grace, so the minimum rate is looked at soon
 * enough whatever the timeout (an ioctl a check: nothing).
 */
long
pace_interval(int timeout_ms)
{
	long q = timeout_ms / 4;

	if (q > PACE_RATE_GRACE_MS)
		q = PACE_RATE_GRACE_MS;
	return q < MIN_INTERVAL_MS ? MIN_INTERVAL_MS : q;
}

enum pace_verdict
pace_check(struct pace *p, long now_ms, size_t acked, int timeout_ms,
    long *next_ms)
{
	long idle, elapsed, next = pace_interval(timeout_ms);

	if (acked > p->acked) {
		p->acked = acked;
		if (now_ms > p->progress_ms)
			p->progress_ms = now_ms;
	}
	idle = now_ms - p->progress_ms;
	if (idle >= timeout_ms)
		return PACE_IDLE;
	elapsed = now_ms - p->start_ms;
	/* In bytes a second: acked / (elapsed / 1000) < PACE_MIN_RATE. */
	if (elapsed >= PACE_RATE_GRACE_MS &&
	    (double)p->acked * 1000.0 < (double)PACE_MIN_RATE * (double)elapsed)
		return PACE_SLOW;
	/* Exactly at the deadline if nothing moves, else the next check. */
	if (timeout_ms - idle < next)
		next = timeout_ms - idle;
	*next_ms = next < 1 ? 1 : next;
	return PACE_GOING;
}

int
pace_pressure(size_t open, size_t max)
{
	return (double)open * 100.0 > (double)max * PACE_PRESSURE_PERCENT;
}

int
pace_deadline(int configured_ms, int pressure, int waited_ms)
{
	int d;

	if (!pressure)
		return configured_ms;
	d = PACE_PRESSURE_MS - waited_ms;
	if (d < PACE_PRESSURE_MIN_MS)
		d = PACE_PRESSURE_MIN_MS;
	return d < configured_ms ? d : configured_ms;
}
