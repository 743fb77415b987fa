/*
 * gopher: one Gopher connection, from the accepted socket to the close:
 * one bounded request line under one deadline, one ready answer, then a
 * half-close and a short drain so the answer is not lost to a reset.
 */
#ifndef CAPSULED_GOPHER_H
#define CAPSULED_GOPHER_H

#include <sys/socket.h>

struct server;

/*
 * Takes ownership of fd (non-blocking), accepted on a Gopher listener and
 * admitted by server_admit (see gemini_accept).
 */
void gopher_accept(struct server *srv, int fd, const struct sockaddr *peer,
    int counted, int slow_down);

#endif
