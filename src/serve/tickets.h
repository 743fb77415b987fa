/*
 * tickets: the keys that seal TLS session tickets, one set per process.
 *
 * OpenSSL's own ticket key is made with each SSL_CTX and kept for its
 * life: a reload (a new SSL_CTX) would void every ticket given out, and
 * a server left running for years would seal years of tickets with one
 * key, whose theft would open all of them. Here the key changes every
 * TICKETS_ROTATE_S; tickets sealed with the one before are still
 * accepted (and replaced with a fresh one), older ones are not, so a
 * ticket lives at most twice that. Shared by every SSL_CTX and thread.
 */
#ifndef CAPSULED_TICKETS_H
#define CAPSULED_TICKETS_H

#include <openssl/ssl.h>

#define TICKETS_ROTATE_S 3600

/* Seals ctx's tickets with the process's rotating keys. Returns -1 on
 * failure (OpenSSL's own keys then stay in use). */
int tickets_use(SSL_CTX *ctx);

#endif
