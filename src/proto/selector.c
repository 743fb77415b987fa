/* selector: the Gopher request line, capped before it is split. */
#include "proto/selector.h"

#include <string.h>

#include "base/utf8.h"

/* Methods that open an HTTP request, space included: a web browser pointed
 * at the Gopher port sends one of these before anything else. */
static const char *const selector_http_methods[] = {
    "GET ",     "HEAD ",    "POST ",   "PUT ",
    "OPTIONS ", "CONNECT ", "DELETE ", "PATCH ",
};

static int
selector_is_http(const char *buf, size_t len)
{
	size_t n =
	    sizeof(selector_http_methods) / sizeof(selector_http_methods[0]);

	for (size_t i = 0; i < n; i++) {
		size_t m = strlen(selector_http_methods[i]);

		if (len >= m && memcmp(buf, selector_http_methods[i], m) == 0)
			return 1;
	}
	return 0;
}

/*
 * The line must be clean UTF-8 with no control character but TAB: no
 * published path has one, and a C1 control (U+0080 to U+009F, e.g. U+009B,
 * the 8-bit CSI) is as able as ESC to reach a terminal through a log.
 */
static int
selector_line_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!utf8_valid(s, len, NULL))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7F)
			return 0;
		/* Valid UTF-8: C2 is always a lead byte here. */
		if (u[i] == 0xC2 && i + 1 < len && u[i + 1] <= 0x9F)
			return 0;
	}
	return 1;
}

/*
 * What follows the first TAB is a Gopher+ field rather than search words
 * when it is "$" or "!" (directory and item attribute requests), starts
 * with "+" ("+", "+-1", "+text/plain": a representation), or starts with
 * "$+" or "!+" (named attributes, "!+ABSTRACT"). So a type 7 search for
 * "+word" or for a lone "$" is read as Gopher+: no search page needs that.
 */
static int
selector_is_plus(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (s[0] == '+')
		return 1;
	if (s[0] == '$' || s[0] == '!')
		return len == 1 || s[1] == '+';
	return 0;
}

enum selector_status
selector_parse(const char *buf, size_t len, struct gopher_request *req)
{
	const char *nl, *line, *t1, *t2;
	size_t scan, n;

	if (len == 0)
		return SEL_INCOMPLETE;
	/* Both are known from the first bytes: answering at once beats
	 * waiting for an LF that a TLS or HTTP client may never send. */
	if ((unsigned char)buf[0] == 0x16)
		return SEL_TLS;
	if (selector_is_http(buf, len))
		return SEL_HTTP;

	/* A line of SELECTOR_MAX bytes plus CR and LF is the most we read. */
	scan = len < SELECTOR_MAX + 2 ? len : SELECTOR_MAX + 2;
	nl = memchr(buf, '\n', scan);
	if (nl == NULL) {
		if (len >= SELECTOR_MAX + 2)
			return SEL_TOO_LONG;
		/* One byte past the cap is fine only if it is the CR. */
		if (len == SELECTOR_MAX + 1 && buf[SELECTOR_MAX] != '\r')
			return SEL_TOO_LONG;
		return SEL_INCOMPLETE;
	}
	line = buf;
	n = (size_t)(nl - buf);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n > SELECTOR_MAX)
		return SEL_TOO_LONG;
	if (!selector_line_ok(line, n))
		return SEL_BAD;

	memset(req, 0, sizeof(*req));
	req->consumed = (size_t)(nl - buf) + 1;
	req->selector = line;
	t1 = memchr(line, '\t', n);
	if (t1 == NULL) {
		req->selector_len = n;
		return SEL_OK;
	}
	req->selector_len = (size_t)(t1 - line);
	t1++;
	n -= (size_t)(t1 - line);
	t2 = memchr(t1, '\t', n);
	if (t2 == NULL) {
		if (selector_is_plus(t1, n)) {
			req->plus = t1;
			req->plus_len = n;
		} else {
			req->search = t1;
			req->search_len = n;
		}
		return SEL_OK;
	}
	/* Any TAB after the second stays inside the Gopher+ field. */
	req->search = t1;
	req->search_len = (size_t)(t2 - t1);
	req->plus = t2 + 1;
	req->plus_len = n - req->search_len - 1;
	return SEL_OK;
}
