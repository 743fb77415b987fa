/*
 * selector: the Gopher request line (RFC 1436, Gopher+), split and checked
 * (pure).
 */
#ifndef CAPSULED_SELECTOR_H
#define CAPSULED_SELECTOR_H

#include <stddef.h>

#define SELECTOR_MAX 1024 /* bytes of request line, line end not counted */

enum selector_status {
	SEL_OK,
	SEL_INCOMPLETE, /* no line end yet: read more (under the deadline) */
	SEL_TOO_LONG,   /* no line end within SELECTOR_MAX + 2 bytes */
	SEL_BAD,        /* NUL, invalid UTF-8, or another control byte */
	SEL_TLS,        /* a TLS ClientHello (first byte 0x16) */
	SEL_HTTP,       /* "GET /… HTTP/1.x" and the like */
};

struct gopher_request {
	const char *selector;  /* points into the input; "" is the root */
	size_t selector_len;
	const char *search;    /* after the first TAB (type 7 words), or NULL */
	size_t search_len;
	const char *plus;      /* the Gopher+ field ("$", "+", "!", ...;
				  see selector_parse), or NULL */
	size_t plus_len;
	size_t consumed;       /* bytes of input up to and including the LF */
};

/*
 * Looks at buf[0..len), the bytes received so far. The line ends at the
 * first LF, with an optional CR before it; a CR anywhere else is SEL_BAD,
 * like NUL, DEL, any other control but TAB (C1 controls U+0080 to U+009F
 * included) and invalid UTF-8. A line longer than SELECTOR_MAX bytes is
 * SEL_TOO_LONG as soon as that is certain (never truncated); bytes after
 * the LF are left alone (see consumed).
 *
 * Split at TABs: selector, search words, Gopher+ field. With one TAB, the
 * field after it is Gopher+ when it is "$" or "!", starts with "+" ("+",
 * "+-1", "+text/plain") or starts with "$+" or "!+" ("!+ABSTRACT"):
 * "sel\t$" has its "$" in plus and search NULL. Anything else is search
 * words ("" when the TAB ends the line). "sel\twords\t$" has both, and any
 * further TAB belongs to plus. TLS (first byte 0x16) and HTTP (a method and
 * a space, "GET " and the like) are recognised from the first bytes,
 * before a line end arrives. Returns the status; req is filled only for
 * SEL_OK.
 */
enum selector_status selector_parse(const char *buf, size_t len,
    struct gopher_request *req);

#endif
