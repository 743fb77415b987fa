/*
 * libFuzzer: html2gemtext (and through it libxml2's HTML parser and
 * gemwrite). What comes out must be gemtext a post can hold: UTF-8, no
 * control characters but line ends (and tabs in preformatted lines), and
 * every link line with a URL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/html2gemtext.h"
#include "gemtext_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;

	buf_init(&b);
	if (html2gemtext((const char *)data, size, &b) == 0)
		check_gemtext(b.data ? b.data : "", b.len);
	buf_free(&b);
	return 0;
}
