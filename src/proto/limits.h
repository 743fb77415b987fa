/*
 * limits: how much one client address may ask of the server (pure: the
 * caller passes the time). A token bucket per address for the request
 * rate and a count of its open connections, in a fixed-size table, so a
 * flood of addresses cannot grow memory.
 *
 * IPv4 addresses count one by one; IPv6 ones by their /64, which is what
 * one customer usually gets. An IPv4 client in IPv6 form (::ffff:a.b.c.d,
 * 64:ff9b::a.b.c.d: see addr.h) counts as that IPv4 address.
 */
#ifndef CAPSULED_LIMITS_H
#define CAPSULED_LIMITS_H

#include <stddef.h>
#include <netinet/in.h> /* address types only: no socket is touched here */

enum limit_verdict {
	LIMIT_OK,
	LIMIT_RATE,        /* over its requests per second: slow down */
	LIMIT_CONCURRENT,  /* too many open connections from it */
};

struct limits;

/*
 * per_addr: open connections one address may hold (0: no limit);
 * rate: requests per second it may make on average, burst: at once
 * (rate 0: no limit).
 */
struct limits *limits_new(unsigned per_addr, double rate, double burst);
void limits_free(struct limits *l);

/*
 * A new connection from sa at time now (seconds). LIMIT_OK counts it as
 * open (release it with limits_release); the others count nothing.
 */
enum limit_verdict limits_admit(struct limits *l, const struct sockaddr *sa,
    double now);
void limits_release(struct limits *l, const struct sockaddr *sa);

/*
 * A connection from sa that has not said yet who its client is (a PROXY
 * header on its way): counted as open against per_addr like any other
 * (LIMIT_OK, released with limits_release) or LIMIT_CONCURRENT, but
 * charged no token, since the rate is its client's (at the proxy's
 * address it would run out for everyone behind the proxy).
 */
enum limit_verdict limits_hold(struct limits *l, const struct sockaddr *sa,
    double now);

/* Addresses tracked now (for tests and the robustness report). */
size_t limits_tracked(const struct limits *l);

#endif
