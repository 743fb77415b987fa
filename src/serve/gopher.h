/*
 * gopher: one Gopher connection, from the accepted socket to the close:
 * one bounded request line under one deadline, one ready answer, then a
 * half-close and a short drain so the answer is not lost to a reset.
 */
#ifndef CAPSULED_GOPHER_H
#define CAPSULED_GOPHER_H

#include <sys/socket.h>

struct worker;
struct listener;

/*
 * Takes ownership of fd (non-blocking), accepted on l and admitted by
 * state_admit: counted by the per-address limits, or over its rate
 * (slow_down: answered with an error item once its line is read).
 */
void gopher_accept(struct worker *w, const struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down);

#endif
