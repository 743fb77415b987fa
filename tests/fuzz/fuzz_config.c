/* libFuzzer: the server config file. */
#include <stddef.h>
#include <stdint.h>

#include "model/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct diags d;

	config_defaults(&c);
	diags_init(&d);
	config_parse(&c, (const char *)data, size, "fuzz.yaml", &d);
	diags_free(&d);
	config_free(&c);
	return 0;
}
