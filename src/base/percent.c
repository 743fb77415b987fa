/* percent: %XX escapes read, one way for every caller. */
#include "base/percent.h"

int
percent_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
percent_byte(const char *s, size_t n)
{
	int hi, lo;

	if (n < 3 || s[0] != '%')
		return -1;
	hi = percent_hex((unsigned char)s[1]);
	lo = percent_hex((unsigned char)s[2]);
	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}
