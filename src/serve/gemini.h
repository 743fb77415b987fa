/*
 * gemini: one Gemini connection, from the accepted socket to the close:
 * TLS handshake, one bounded request line, one ready response,
 * close_notify, then a short linger so the client reads it all.
 */
#ifndef CAPSULED_GEMINI_H
#define CAPSULED_GEMINI_H

#include <sys/socket.h>

struct worker;
struct listener;

/*
 * Takes ownership of fd (non-blocking), accepted on l and admitted by
 * state_admit: counted by the per-address limits, or over its rate
 * (slow_down: answered 44 once its request is read).
 */
void gemini_accept(struct worker *w, const struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down);

/* The calling worker thread is done: what it kept for writing goes. */
void gemini_worker_done(void);

#endif
