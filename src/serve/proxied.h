/*
 * proxied: connections from a proxy (proxy_listen), whose PROXY header
 * is read before the protocol sees a byte; then the client's address is
 * the one the header names.
 */
#ifndef CAPSULED_PROXIED_H
#define CAPSULED_PROXIED_H

#include <sys/socket.h>

struct worker;
struct listener;

/* Takes ownership of fd, accepted on l (a proxy_listen address). */
void proxied_start(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, socklen_t len);

#endif
