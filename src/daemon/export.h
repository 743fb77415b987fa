/*
 * export: every response of one load, written under a folder:
 * DIR/gemini and DIR/gopher, each response at its path, and each
 * folder's .routes listing every path (and Gemini's headers).
 */
#ifndef CAPSULED_EXPORT_H
#define CAPSULED_EXPORT_H

#include "base/diag.h"
#include "daemon/server.h"

/* Loads the content as serving would and writes it under dir: 0, or 1. */
int export_tree(struct server *srv, const char *dir, struct diags *d);

#endif
