/*
 * log: messages and the access log, one line each, on stderr.
 */
#ifndef CAPSULED_LOG_H
#define CAPSULED_LOG_H

#include <stddef.h>
#include <sys/socket.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "127.0.0.1" or "::1" for a peer address; out needs 64 bytes. */
void log_addr(const struct sockaddr *sa, char out[64]);

/*
 * One line per request:
 *   TIME PROTO CLIENT "REQUEST" STATUS BYTES DURATIONms [NOTE]
 * TIME is UTC RFC 3339, REQUEST has '"', '\\' and every byte outside
 * printable ASCII escaped as \xHH (so no request can forge a log line),
 * STATUS is the Gemini status sent or "-" when none was, NOTE says why a
 * connection ended without an answer.
 */
void log_access(const char *proto, const char *client, const char *req,
    size_t req_len, int status, size_t bytes, double ms, const char *note);

#endif
