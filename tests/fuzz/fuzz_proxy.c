/* libFuzzer: the PROXY protocol header. */
#include <stddef.h>
#include <stdint.h>

#include "proto/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h;

	/* A whole header never claims more bytes than it was given. */
	if (proxy_parse(data, size, &h) == PROXY_OK &&
	    (h.consumed > size || h.consumed > PROXY_MAX))
		__builtin_trap();
	return 0;
}
