/* utf8: strict UTF-8 validation (RFC 3629, table 3-7 of Unicode). */
#include "base/utf8.h"

int
utf8_valid(const char *buf, size_t len, size_t *bad_off)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0; /* overlong */
			else if (c == 0xED)
				hi = 0x9F; /* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90; /* overlong */
			else if (c == 0xF4)
				hi = 0x8F; /* above U+10FFFF */
		} else
			goto bad;
		if (len - i <= need)
			goto bad;
		if (s[i + 1] < lo || s[i + 1] > hi)
			goto bad;
		for (size_t k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				goto bad;
		i += need + 1;
	}
	return 1;
bad:
	if (bad_off)
		*bad_off = i;
	return 0;
}

void
utf8_position(const char *buf, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else
			c++;
	}
	*line = l;
	*col = c;
}
