/*
 * oneshot: `capsuled --answer gemini|gopher ROOT`, vger's lesson: one
 * request read from standard input, and the exact bytes the server would
 * send for it written to standard output, with no socket, TLS or event
 * loop between (src/answer/ decides, as it does for the server). For
 * tests, and for bug reports: `printf 'gemini://localhost/\r\n' |
 * capsuled --answer gemini capsule`.
 */
#ifndef CAPSULED_ONESHOT_H
#define CAPSULED_ONESHOT_H

#include "base/diag.h"
#include "daemon/server.h"

/* Whether proto names a protocol oneshot_answer answers. */
int oneshot_known(const char *proto);

/*
 * Loads the content as serving would, reads the request from stdin (as
 * the server reads a connection: at most the line's room, the answer
 * asked after each read), answers it as proto ("gemini" or "gopher")
 * received on the Gemini port from a client within its rate, and writes
 * the answer to stdout. Returns 0 when an answer was written; 1 when the
 * server would have sent nothing (the line never ended, TLS on the
 * Gopher port), saying why on stderr, or on an error.
 */
int oneshot_answer(struct server *srv, const char *proto, struct diags *d);

#endif
