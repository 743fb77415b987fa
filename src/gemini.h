/*
 * gemini: one Gemini connection, from the accepted socket to the close:
 * TLS handshake, one bounded request line, one ready response,
 * close_notify, then a short linger so the client reads it all.
 */
#ifndef CAPSULED_GEMINI_H
#define CAPSULED_GEMINI_H

#include <sys/socket.h>

struct server;

/*
 * Takes ownership of fd (non-blocking), accepted on a Gemini listener and
 * admitted by server_admit: counted by the per-address limits, or over
 * its rate (slow_down: answered 44 once its request is read).
 */
void gemini_accept(struct server *srv, int fd, const struct sockaddr *peer,
    int local_port, int counted, int slow_down);

#endif
