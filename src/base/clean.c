/* clean: controls out of display strings and bodies, the same everywhere. */
#include "base/clean.h"

#include <string.h>

int
clean_is_control(uint32_t uc)
{
	return uc < 0x20 || (uc >= 0x7f && uc <= 0x9f) || uc == 0x2028 ||
	    uc == 0x2029;
}

size_t
clean_control_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (len == 0)
		return 0;
	if (p[0] < 0x20 || p[0] == 0x7f)
		return 1;
	/* C1 in UTF-8: C2 80 to C2 9F. */
	if (p[0] == 0xc2 && len >= 2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	/* U+2028, U+2029: E2 80 A8, E2 80 A9. */
	if (p[0] == 0xe2 && len >= 3 && p[1] == 0x80 &&
	    (p[2] == 0xa8 || p[2] == 0xa9))
		return 3;
	return 0;
}

void
clean_display(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, start = 0, k;

	/* Runs without a control are copied whole. */
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if ((k = clean_control_len(s + i, len - i)) == 0) {
			i++;
			continue;
		}
		buf_add(out, s + start, i - start);
		buf_putc(out, ' ');
		i += k;
		start = i;
	}
	buf_add(out, s + start, len - start);
}

size_t
clean_body(char *s, size_t len)
{
	size_t r = 0, w = 0, k;

	while (r < len) {
		unsigned char c = (unsigned char)s[r];

		if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' ||
		    (k = clean_control_len(s + r, len - r)) == 0 ||
		    k == 3 || (c == '\r' && r + 1 < len && s[r + 1] == '\n')) {
			s[w++] = s[r++];
			continue;
		}
		r += k; /* dropped */
	}
	return w;
}
