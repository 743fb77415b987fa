/*
 * proxy: the PROXY protocol header (HAProxy's, versions 1 and 2) that a
 * load balancer in TCP mode sends before the client's first byte, naming
 * the real client (pure).
 */
#ifndef CAPSULED_PROXY_H
#define CAPSULED_PROXY_H

#include <stddef.h>
#include <netinet/in.h> /* address types only: no socket is touched here */

#define PROXY_MAX 536 /* v2: 16 header bytes + 520 of addresses and TLVs */

enum proxy_status {
	PROXY_OK,
	PROXY_INCOMPLETE, /* read more (under the deadline) */
	PROXY_BAD,        /* not a PROXY header, or a malformed one */
};

struct proxy_header {
	int has_addr;     /* 0 for LOCAL (v2) and UNKNOWN (v1): keep the peer */
	struct sockaddr_storage src; /* IPv4 in IPv6 form made IPv4: addr.h */
	size_t consumed;  /* header bytes, to drop before the protocol's own */
};

/* Parses buf[0..len), the bytes received so far. */
enum proxy_status proxy_parse(const void *buf, size_t len,
    struct proxy_header *h);

#endif
