/*
 * gemini: one Gemini connection, from the accepted socket to the close:
 * TLS handshake, one bounded request line, one ready response,
 * close_notify, then a short linger so the client reads it all.
 */
#ifndef CAPSULED_GEMINI_H
#define CAPSULED_GEMINI_H

#include <sys/socket.h>

struct server;

/* Takes ownership of fd (non-blocking), accepted on a Gemini listener. */
void gemini_accept(struct server *srv, int fd, const struct sockaddr *peer,
    int local_port);

#endif
