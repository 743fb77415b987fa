/* proxy: PROXY protocol v1 (text) and v2 (binary) headers. */
#include "proto/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"

static const unsigned char v2_sig[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
};

#define V1_MAX 107 /* the longest v1 line, CRLF included */

static int
port_of(const char *s, in_port_t *out)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n > 65535)
		return -1;
	*out = htons((in_port_t)n);
	return 0;
}

/* "PROXY TCP4 SRC DST SPORT DPORT\r\n" (or TCP6, or UNKNOWN ...). */
static enum proxy_status
parse_v1(const char *buf, size_t len, struct proxy_header *h)
{
	char line[V1_MAX + 1], *f[7], *save = NULL;
	const char *crlf;
	size_t n, nf = 0;

	crlf = memchr(buf, '\r', len < V1_MAX ? len : V1_MAX);
	if (crlf == NULL)
		return len < V1_MAX ? PROXY_INCOMPLETE : PROXY_BAD;
	if ((size_t)(crlf - buf) + 1 >= len)
		return PROXY_INCOMPLETE;
	if (crlf[1] != '\n')
		return PROXY_BAD;
	n = (size_t)(crlf - buf);
	memcpy(line, buf, n);
	line[n] = '\0';
	h->consumed = n + 2;
	for (char *t = strtok_r(line, " ", &save); t && nf < 7;
	    t = strtok_r(NULL, " ", &save))
		f[nf++] = t;
	if (nf < 2 || strcmp(f[0], "PROXY") != 0)
		return PROXY_BAD;
	if (strcmp(f[1], "UNKNOWN") == 0) {
		h->has_addr = 0;
		return PROXY_OK;
	}
	if (nf != 6)
		return PROXY_BAD;
	memset(&h->src, 0, sizeof(h->src));
	if (strcmp(f[1], "TCP4") == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&h->src;
		struct in_addr dst;
		in_port_t dport;

		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, f[2], &sin->sin_addr) != 1 ||
		    inet_pton(AF_INET, f[3], &dst) != 1 ||
		    port_of(f[4], &sin->sin_port) == -1 ||
		    port_of(f[5], &dport) == -1)
			return PROXY_BAD;
	} else if (strcmp(f[1], "TCP6") == 0) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&h->src;
		struct in6_addr dst;
		in_port_t dport;

		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, f[2], &sin6->sin6_addr) != 1 ||
		    inet_pton(AF_INET6, f[3], &dst) != 1 ||
		    port_of(f[4], &sin6->sin6_port) == -1 ||
		    port_of(f[5], &dport) == -1)
			return PROXY_BAD;
	} else
		return PROXY_BAD;
	h->has_addr = 1;
	return PROXY_OK;
}

static enum proxy_status
parse_v2(const unsigned char *b, size_t len, struct proxy_header *h)
{
	size_t body;

	if (len < 16)
		return PROXY_INCOMPLETE;
	if ((b[12] & 0xF0) != 0x20)
		return PROXY_BAD; /* version 2 only */
	body = ((size_t)b[14] << 8) | b[15];
	if (16 + body > PROXY_MAX)
		return PROXY_BAD;
	if (len < 16 + body)
		return PROXY_INCOMPLETE;
	h->consumed = 16 + body;
	h->has_addr = 0;
	memset(&h->src, 0, sizeof(h->src));
	switch (b[12] & 0x0F) {
	case 0x0: /* LOCAL: a health check from the proxy itself */
		return PROXY_OK;
	case 0x1: /* PROXY */
		break;
	default:
		return PROXY_BAD;
	}
	switch (b[13]) {
	case 0x11: { /* TCP over IPv4 */
		struct sockaddr_in *sin = (struct sockaddr_in *)&h->src;

		if (body < 12)
			return PROXY_BAD;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, b + 16, 4);
		memcpy(&sin->sin_port, b + 24, 2);
		h->has_addr = 1;
		return PROXY_OK;
	}
	case 0x21: { /* TCP over IPv6 */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&h->src;

		if (body < 36)
			return PROXY_BAD;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, b + 16, 16);
		memcpy(&sin6->sin6_port, b + 48, 2);
		h->has_addr = 1;
		return PROXY_OK;
	}
	case 0x00: /* UNSPEC: keep the peer */
		return PROXY_OK;
	default:
		return PROXY_BAD; /* UDP, UNIX: not for us */
	}
}

/*
 * An IPv4 client that the proxy names in IPv6 form (HAProxy on a
 * dual-stack bind: "TCP6 ::ffff:192.0.2.1", or v2 AF_INET6) is named as
 * the IPv4 client it is, so every later use of it agrees.
 */
static enum proxy_status
canonical(enum proxy_status st, struct proxy_header *h)
{
	struct sockaddr_in v4;

	if (st == PROXY_OK && h->has_addr && addr_canonical((const struct
	    sockaddr *)&h->src, &v4) == (const struct sockaddr *)&v4) {
		memset(&h->src, 0, sizeof(h->src));
		memcpy(&h->src, &v4, sizeof(v4));
	}
	return st;
}

enum proxy_status
proxy_parse(const void *buf, size_t len, struct proxy_header *h)
{
	const unsigned char *b = buf;
	size_t n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);

	memset(h, 0, sizeof(*h));
	if (len == 0)
		return PROXY_INCOMPLETE;
	if (memcmp(b, v2_sig, n) == 0)
		return n < sizeof(v2_sig) ? PROXY_INCOMPLETE
					  : canonical(parse_v2(b, len, h), h);
	n = len < 6 ? len : 6;
	if (memcmp(b, "PROXY ", n) != 0)
		return PROXY_BAD;
	return n < 6 ? PROXY_INCOMPLETE : canonical(parse_v1(buf, len, h), h);
}
