/*
 * url: the Gemini request line, parsed, validated and normalised (pure).
 */
#ifndef CAPSULED_URL_H
#define CAPSULED_URL_H

#include <stddef.h>

#define URL_MAX 1024 /* bytes of URI in a request, CRLF not counted */

struct gemini_request {
	char host[256];  /* lower-cased as written (UTF-8 or punycode); an IPv6
	                    literal keeps its brackets */
	int port;        /* -1 when the URI gives none (or an empty one) */
	char path[URL_MAX + 2]; /* percent-decoded, dot segments removed,
	                           always starts with '/'; "" becomes "/" */
	int had_slash_path; /* the URI had a non-empty path */
	char query[URL_MAX + 1]; /* still percent-encoded, without '?' */
	int has_query;
};

enum url_status {
	URL_OK = 0,
	URL_MALFORMED = 59,  /* refuse with 59 BAD REQUEST */
	URL_OTHER_SCHEME = 53 /* refuse with 53 PROXY REQUEST REFUSED */
};

/*
 * Parses one request URI: line[0..len) is the line without its CRLF. Refuses
 * with URL_MALFORMED: more than URL_MAX bytes, empty, a leading BOM, any
 * byte below 0x20 or 0x7F, a space, invalid UTF-8 (raw or once
 * percent-decoded), "%00" or a bad "%" escape, no scheme (relative URI), no
 * "//" authority or an empty host, userinfo ("user@"), a fragment ("#"), a
 * bad port (not digits, or above 65535). Also refused: a host byte other
 * than a letter, digit, '-', '.', '_' or UTF-8 (after decoding), a bad IPv6
 * literal, and a control byte decoded into the path ("%0A"); the query may
 * hold a decoded control byte other than NUL (multi-line input). Other
 * printable ASCII is accepted raw in path and query, as clients send it.
 * A well-formed URI whose scheme is not "gemini" (compared
 * case-insensitively) gives URL_OTHER_SCHEME; a malformed one is 59 whatever
 * its scheme. The path is decoded before dot segments are removed, and ".."
 * at the root stays at the root (RFC 3986 5.2.4): "/../x" and "/%2e%2e/x"
 * are "/x". *why (may be NULL) gets a short static reason for the log on
 * every refusal.
 */
enum url_status url_parse_request(const char *line, size_t len,
    struct gemini_request *req, const char **why);

/*
 * 1 when the host of a request names the served host: compared
 * case-insensitively, one trailing dot ignored, and an internationalised
 * name matches in UTF-8 and in punycode (A-label) form alike.
 */
int url_host_matches(const char *req_host, const char *served_host);

#endif
