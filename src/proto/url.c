/*
 * url: the Gemini request line, parsed, validated and normalised (pure).
 *
 * The request is checked as a whole before any part of it is taken apart:
 * length first (so nothing later ever works on more than URL_MAX bytes),
 * then bytes that no URI may hold, then UTF-8. Only then is the URI split
 * into scheme, authority, path and query, each decoded into a bounded
 * buffer. The scheme is judged last, so a malformed URI is 59 whatever its
 * scheme, and 53 is kept for well-formed requests we merely do not serve.
 */
#include <arpa/inet.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/url.h"
#include "base/percent.h"
#include "base/utf8.h"

/* What a percent-decoded byte may be, depending on where it lands. */
enum decode_mode {
	DECODE_PATH,  /* becomes a file name: no control bytes at all */
	DECODE_QUERY, /* user text: multi-line input sends %0A, keep it */
	DECODE_HOST   /* only what a host name is made of */
};

#define REFUSE(reason)                                                         \
	do {                                                                   \
		*why = (reason);                                               \
		return URL_MALFORMED;                                          \
	} while (0)

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only: the C library's tolower() follows the locale. */
static unsigned char
to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}


/*
 * Letters, digits, '-', '.', '_' and UTF-8 (IDN hosts as written). RFC 3986
 * also allows sub-delims in a reg-name, but no name we serve holds one and
 * the host goes to the log and picks a site: refuse them as garbage.
 */
static int
is_host_byte(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
	       c >= 0x80;
}

/*
 * Decodes src[0..n) into dst (at most dstsize - 1 bytes, NUL-terminated)
 * and stores the decoded length in *outlen. Refuses a bad escape, %00, and
 * whatever the mode forbids; the caller checks UTF-8 of the result, since
 * an escape can build an invalid sequence out of valid ASCII.
 */
static int
pct_decode(const char *src, size_t n, char *dst, size_t dstsize, size_t *outlen,
           enum decode_mode mode, const char **why)
{
	size_t i = 0, w = 0;

	while (i < n) {
		unsigned char c = (unsigned char)src[i];

		if (c == '%') {
			int v;

			if (n - i < 3) {
				*why = "truncated percent escape";
				return -1;
			}
			if ((v = percent_byte(src + i, n - i)) == -1) {
				*why = "bad percent escape";
				return -1;
			}
			c = (unsigned char)v;
			if (c == 0) {
				*why = "NUL byte (%00)";
				return -1;
			}
			i += 3;
		} else
			i++;

		if (mode == DECODE_PATH && (c < 0x20 || c == 0x7F)) {
			*why = "control byte in path";
			return -1;
		}
		if (mode == DECODE_HOST && !is_host_byte(c)) {
			*why = "bad character in host";
			return -1;
		}
		if (w + 1 >= dstsize) {
			*why = "component too long";
			return -1;
		}
		dst[w++] = (char)c;
	}
	dst[w] = '\0';
	*outlen = w;
	return 0;
}

/* Appends p[0..n) at out[*w], keeping room for the NUL. */
static int
put(char *out, size_t outsize, size_t *w, const char *p, size_t n)
{
	if (n >= outsize - *w)
		return -1;
	memcpy(out + *w, p, n);
	*w += n;
	out[*w] = '\0';
	return 0;
}

/*
 * RFC 3986 5.2.4 on a decoded path that starts with '/' (or is empty),
 * written to out. Runs after decoding on purpose: "%2e%2e" and "%2f" must
 * count as ".." and "/" here, or they would reach the file system intact.
 * A ".." at the root stays at the root, as the RFC says, so "/../../etc"
 * names "/etc" inside the published tree. Empty segments ("//") are kept.
 */
static int
remove_dot_segments(const char *in, size_t n, char *out, size_t outsize)
{
	size_t i = 1, w = 0;

	out[0] = '\0';
	if (n == 0)
		return put(out, outsize, &w, "/", 1);
	for (;;) {
		size_t start = i, seglen;
		int last;

		while (i < n && in[i] != '/')
			i++;
		seglen = i - start;
		last = i >= n;

		if (seglen == 1 && in[start] == '.') {
			if (last && put(out, outsize, &w, "/", 1) == -1)
				return -1;
		} else if (seglen == 2 && in[start] == '.' &&
		           in[start + 1] == '.') {
			/* drop the last "/segment" written, if any */
			while (w > 0 && out[--w] != '/')
				;
			out[w] = '\0';
			if (last && put(out, outsize, &w, "/", 1) == -1)
				return -1;
		} else {
			if (put(out, outsize, &w, "/", 1) == -1 ||
			    put(out, outsize, &w, in + start, seglen) == -1)
				return -1;
		}
		if (last)
			break;
		i++; /* the '/' */
	}
	if (w == 0)
		return put(out, outsize, &w, "/", 1);
	return 0;
}

/* Host and optional port from auth[0..n), which holds no '@'. */
static enum url_status
parse_authority(const char *auth, size_t n, struct gemini_request *req,
                const char **why)
{
	const char *colon, *port;
	size_t hlen, portlen;

	if (n > 0 && auth[0] == '[') {
		/* IPv6 literal: inet_pton is pure and knows the grammar. */
		const char *close = memchr(auth, ']', n);
		char addr[INET6_ADDRSTRLEN];
		unsigned char bin[16];
		size_t alen;

		if (close == NULL)
			REFUSE("unclosed IPv6 literal");
		alen = (size_t)(close - auth) - 1;
		if (alen == 0 || alen >= sizeof(addr))
			REFUSE("bad IPv6 literal");
		memcpy(addr, auth + 1, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET6, addr, bin) != 1)
			REFUSE("bad IPv6 literal");
		hlen = alen + 2;
		if (hlen >= sizeof(req->host))
			REFUSE("bad IPv6 literal");
		for (size_t i = 0; i < hlen; i++)
			req->host[i] = (char)to_lower((unsigned char)auth[i]);
		req->host[hlen] = '\0';
		colon = close + 1;
		if (colon != auth + n && *colon != ':')
			REFUSE("junk after IPv6 literal");
	} else {
		size_t dlen;

		/* ':' is no host byte, so the first one starts the port */
		colon = memchr(auth, ':', n);
		hlen = colon ? (size_t)(colon - auth) : n;
		if (hlen == 0)
			REFUSE("empty host");
		if (pct_decode(auth, hlen, req->host, sizeof(req->host), &dlen,
		               DECODE_HOST, why) == -1)
			return URL_MALFORMED;
		if (dlen == 0)
			REFUSE("empty host");
		if (!utf8_valid(req->host, dlen, NULL))
			REFUSE("invalid UTF-8 in host");
		for (size_t i = 0; i < dlen; i++)
			req->host[i] =
			    (char)to_lower((unsigned char)req->host[i]);
		if (colon == NULL)
			colon = auth + n;
	}

	req->port = -1;
	if (colon == auth + n)
		return URL_OK;
	port = colon + 1;
	portlen = (size_t)(auth + n - port);
	if (portlen == 0)
		return URL_OK; /* "host:" means the default port, RFC 3986 3.2.3
		                */
	{
		long v = 0;

		for (size_t i = 0; i < portlen; i++) {
			if (!is_digit((unsigned char)port[i]))
				REFUSE("bad port");
			v = v * 10 + (port[i] - '0');
			if (v > 65535) /* also keeps v from overflowing */
				REFUSE("port out of range");
		}
		req->port = (int)v;
	}
	return URL_OK;
}

enum url_status
url_parse_request(const char *line, size_t len, struct gemini_request *req,
                  const char **why)
{
	static const char bom[] = "\xEF\xBB\xBF";
	const unsigned char *u = (const unsigned char *)line;
	const char *end = line + len, *p, *auth, *auth_end, *qmark;
	char tmp[URL_MAX + 1];
	const char *ignored;
	size_t scheme_len, dlen;
	enum url_status st;

	if (why == NULL)
		why = &ignored;
	*why = NULL;
	memset(req, 0, sizeof(*req));
	req->port = -1;
	req->path[0] = '/';

	/* Before anything looks inside: never parse more than URL_MAX. */
	if (len > URL_MAX)
		REFUSE("request longer than 1024 bytes");
	if (len == 0)
		REFUSE("empty request");
	if (len >= 3 && memcmp(line, bom, 3) == 0)
		REFUSE("leading byte order mark");
	for (size_t i = 0; i < len; i++) {
		if (u[i] == '\0')
			REFUSE("NUL byte");
		if (u[i] < 0x20 || u[i] == 0x7F)
			REFUSE("control byte");
		if (u[i] == ' ')
			REFUSE("space");
		/* '#' is only ever the fragment delimiter */
		if (u[i] == '#')
			REFUSE("fragment");
	}
	if (!utf8_valid(line, len, NULL))
		REFUSE("invalid UTF-8");

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (!is_alpha(u[0]))
		REFUSE("no scheme (relative URI)");
	for (p = line + 1; p < end && *p != ':'; p++)
		if (!is_alpha((unsigned char)*p) &&
		    !is_digit((unsigned char)*p) && *p != '+' && *p != '-' &&
		    *p != '.')
			REFUSE("no scheme (relative URI)");
	if (p == end)
		REFUSE("no scheme (relative URI)");
	scheme_len = (size_t)(p - line);
	p++;
	if (end - p < 2 || p[0] != '/' || p[1] != '/')
		REFUSE("no authority");

	auth = p + 2;
	for (auth_end = auth; auth_end < end; auth_end++)
		if (*auth_end == '/' || *auth_end == '?')
			break;
	if (memchr(auth, '@', (size_t)(auth_end - auth)) != NULL)
		REFUSE("userinfo");
	if ((st = parse_authority(auth, (size_t)(auth_end - auth), req, why)) !=
	    URL_OK)
		return st;

	qmark = memchr(auth_end, '?', (size_t)(end - auth_end));
	if (qmark == NULL)
		qmark = end;

	/* Path: decode, check, then remove dot segments (in that order). */
	req->had_slash_path = qmark > auth_end;
	if (pct_decode(auth_end, (size_t)(qmark - auth_end), tmp, sizeof(tmp),
	               &dlen, DECODE_PATH, why) == -1)
		return URL_MALFORMED;
	if (!utf8_valid(tmp, dlen, NULL))
		REFUSE("invalid UTF-8 in path (percent-decoded)");
	if (remove_dot_segments(tmp, dlen, req->path, sizeof(req->path)) == -1)
		REFUSE("path too long"); /* cannot happen: it only shrinks */

	/*
	 * Query: checked decoded, handed on encoded, so the handler decodes
	 * it once, knowing which '&' or '+' the client escaped.
	 */
	if (qmark < end) {
		size_t qlen = (size_t)(end - qmark - 1);

		if (pct_decode(qmark + 1, qlen, tmp, sizeof(tmp), &dlen,
		               DECODE_QUERY, why) == -1)
			return URL_MALFORMED;
		if (!utf8_valid(tmp, dlen, NULL))
			REFUSE("invalid UTF-8 in query (percent-decoded)");
		if (qlen >= sizeof(req->query))
			REFUSE(
			    "query too long"); /* cannot happen: len <= 1024 */
		memcpy(req->query, qmark + 1, qlen);
		req->query[qlen] = '\0';
		req->has_query = 1;
	}

	if (scheme_len != 6 || strncasecmp(line, "gemini", 6) != 0) {
		*why = "not a gemini URI";
		return URL_OTHER_SCHEME;
	}
	return URL_OK;
}

/*
 * Puts host in the form two names are compared in: ASCII (A-labels for an
 * IDN), lower case, without its trailing dot.
 */
static int
host_canon(const char *host, char *out, size_t outsize)
{
	size_t n = strlen(host);
	int ascii = 1;

	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= outsize)
		return -1;
	memcpy(out, host, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] >= 0x80)
			ascii = 0;

	/*
	 * Only a name with non-ASCII bytes goes through IDNA: an ASCII name
	 * (A-labels included) is already in its final form, and UTS #46
	 * could refuse a plain name we serve (an underscore, say).
	 * Non-transitional, as browsers do, so "ß" stays "ß" and "faß.de" is
	 * not "fass.de"; NFC first, since clients may send decomposed text.
	 * When IDNA refuses the name, it is compared as written: it can still
	 * equal itself byte for byte.
	 */
	if (!ascii) {
		char *ace = NULL;

		if (idn2_to_ascii_8z(out, &ace,
		                     IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) ==
		        IDN2_OK &&
		    ace != NULL) {
			size_t alen = strlen(ace);

			if (alen > 0 && ace[alen - 1] == '.')
				alen--;
			if (alen > 0 && alen < outsize) {
				memcpy(out, ace, alen);
				out[alen] = '\0';
				n = alen;
			}
		}
		idn2_free(ace);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)to_lower((unsigned char)out[i]);
	return 0;
}

int
url_host_matches(const char *req_host, const char *served_host)
{
	char a[512], b[512];

	if (req_host == NULL || served_host == NULL)
		return 0;
	if (host_canon(req_host, a, sizeof(a)) == -1 ||
	    host_canon(served_host, b, sizeof(b)) == -1)
		return 0;
	return strcmp(a, b) == 0;
}
