/* addr: IPv4 clients in IPv6 form are IPv4 clients (see addr.h). */
#include "base/addr.h"

#include <arpa/inet.h>
#include <string.h>

/* The 96-bit prefixes whose last 32 bits are an IPv4 client. */
static const unsigned char mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};
static const unsigned char nat64[12] = {
	0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0,
};

const struct sockaddr *
addr_canonical(const struct sockaddr *sa, struct sockaddr_in *v4)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const unsigned char *a = s6->sin6_addr.s6_addr;

	if (sa->sa_family != AF_INET6 || (memcmp(a, mapped, 12) != 0 &&
	    memcmp(a, nat64, 12) != 0))
		return sa;
	memset(v4, 0, sizeof(*v4));
	v4->sin_family = AF_INET;
	v4->sin_port = s6->sin6_port;
	memcpy(&v4->sin_addr, a + 12, 4);
	return (const struct sockaddr *)v4;
}

void
addr_text(const struct sockaddr *sa, int anonymize, char out[ADDR_TEXT])
{
	struct sockaddr_in tmp;
	struct in6_addr a6;
	struct in_addr a4;

	sa = addr_canonical(sa, &tmp);
	if (sa->sa_family == AF_INET) {
		a4 = ((const struct sockaddr_in *)sa)->sin_addr;
		if (anonymize)
			a4.s_addr &= htonl(0xFFFFFF00);
		inet_ntop(AF_INET, &a4, out, ADDR_TEXT);
	} else if (sa->sa_family == AF_INET6) {
		a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (anonymize)
			memset(a6.s6_addr + 6, 0, 10);
		inet_ntop(AF_INET6, &a6, out, ADDR_TEXT);
	} else
		strcpy(out, "-");
}
