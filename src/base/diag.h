/*
 * diag: the problems found in config and content, each as
 * "file:line:col: message", or "file: message" (line 0) for a problem
 * with the whole file (pure).
 */
#ifndef CAPSULED_DIAG_H
#define CAPSULED_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct diags {
	char **lines;
	size_t n, cap;
	int failed;   /* a message was lost to memory */
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);
void diags_add(struct diags *d, const char *file, unsigned line,
    unsigned col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Writes each message on its own line, with prefix before it (may be ""). */
void diags_print(const struct diags *d, FILE *f, const char *prefix);

#endif
