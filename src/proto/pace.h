/*
 * pace: how much time a connection gets (pure: the caller passes the
 * clock, in milliseconds of a monotonic clock, and the counts).
 *
 * Writing an answer has two limits, neither of which is the answer's
 * length over the client's speed:
 *  - no progress: the client has acknowledged no byte, and the socket
 *    has taken none, for the write timeout; an honest slow reader keeps
 *    going for as long as it reads;
 *  - a minimum rate: once PACE_RATE_GRACE_MS have passed, the client
 *    must have acknowledged PACE_MIN_RATE bytes for every second of the
 *    answer so far, so a trickle reader (a byte every few seconds) cannot
 *    hold a slot for ever.
 *
 * Before the request, the handshake and first-byte deadlines shrink when
 * the server is nearly full (pressure), so that silent sockets cannot
 * hold the slots for the whole of a generous timeout.
 */
#ifndef CAPSULED_PACE_H
#define CAPSULED_PACE_H

#include <stddef.h>

/* 1 KB/s: a tenth of the slowest mobile link still in use (GPRS). */
#define PACE_MIN_RATE 1024
/* TCP's slow start and a retransmission or two fit well inside this. */
#define PACE_RATE_GRACE_MS 5000
/* Above this share of max_connections in use, the server is under pressure. */
#define PACE_PRESSURE_PERCENT 75
/* The pre-request deadline under pressure, counting the kernel's hold. */
#define PACE_PRESSURE_MS 2000
/* ... and never less than this, however long the kernel held it. */
#define PACE_PRESSURE_MIN_MS 500

enum pace_verdict {
	PACE_GOING,  /* check again in *next_ms */
	PACE_IDLE,   /* no progress for the write timeout */
	PACE_SLOW,   /* under the minimum rate, past the grace */
};

/* A write in progress. */
struct pace {
	long start_ms;    /* when the answer began */
	long progress_ms; /* the last sign of progress */
	size_t acked;     /* bytes the client had acknowledged at the last check */
};

/* The answer begins at now_ms. */
void pace_start(struct pace *p, long now_ms);

/*
 * A check at now_ms, with acked bytes of the answer acknowledged by the
 * client so far and timeout_ms the write timeout. More acknowledged than
 * at the last check counts as progress now (so a stall is seen between
 * timeout_ms and one interval between checks more after the client's
 * last byte). *next_ms: when to check again, for PACE_GOING.
 */
enum pace_verdict pace_check(struct pace *p, long now_ms, size_t acked,
    int timeout_ms, long *next_ms);

/*
 * The interval between checks, in ms: a quarter of the timeout, at most
 * PACE_RATE_GRACE_MS.
 */
long pace_interval(int timeout_ms);

/* Whether open connections out of max put the server under pressure. */
int pace_pressure(size_t open, size_t max);

/*
 * The deadline of a pre-request phase: the configured one, or under
 * pressure at most PACE_PRESSURE_MS less waited_ms (how long the client
 * was already silent, e.g. in the kernel under TCP_DEFER_ACCEPT), and
 * not less than PACE_PRESSURE_MIN_MS.
 */
int pace_deadline(int configured_ms, int pressure, int waited_ms);

#endif
