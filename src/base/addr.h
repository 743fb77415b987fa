/*
 * addr: a client's address as the server counts, logs and anonymises it
 * (pure). The one place that decides that an IPv4 client reaching us in
 * IPv6 clothing is that IPv4 client:
 *
 *   ::ffff:a.b.c.d    IPv4-mapped (RFC 4291 2.5.5.2): what a dual-stack
 *                     socket or HAProxy on a dual-stack bind reports for
 *                     an IPv4 client (PROXY TCP6, or v2 AF_INET6)
 *   64:ff9b::a.b.c.d  the NAT64 well-known prefix (RFC 6052): an IPv4
 *                     client seen through a stateless translator (SIIT)
 *
 * Both become a.b.c.d, the same port. Left as IPv6 on purpose: ::a.b.c.d
 * (IPv4-compatible, deprecated since RFC 4291 and never a source address
 * today; it shares ::/64 with ::1 and ::), network-specific NAT64
 * prefixes (their length is the network's choice, unknowable here),
 * and every native IPv6 address.
 */
#ifndef CAPSULED_ADDR_H
#define CAPSULED_ADDR_H

#include <netinet/in.h>

#define ADDR_TEXT 64 /* room for any address's text, NUL included */

/* Room for an IPv4 or IPv6 socket address, as accept(2) fills it. */
union addr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/*
 * sa itself, or (when it carries an IPv4 client, see above) *v4 filled
 * with that IPv4 address and port.
 */
const struct sockaddr *addr_canonical(const struct sockaddr *sa,
    struct sockaddr_in *v4);

/*
 * The canonical address as text ("192.0.2.1", "2001:db8::1", "-" for
 * another family); anonymised: its /24 (IPv4) or /48 (IPv6), the rest
 * zero ("192.0.2.0", "2001:db8:1::").
 */
void addr_text(const struct sockaddr *sa, int anonymize,
    char out[ADDR_TEXT]);

#endif
