/* libFuzzer: the Gopher request line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gopher_request req;

	if (selector_parse((const char *)data, size, &req) == SEL_OK) {
		/* Every field lies inside the line, and the line is bounded. */
		if (req.consumed > size || req.selector_len > 1024 ||
		    memchr(req.selector, '\t', req.selector_len))
			__builtin_trap();
	}
	return 0;
}
