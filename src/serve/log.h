/*
 * log: messages and the access log, one line each.
 *
 * Messages (start-up, reloads, warnings) go to stderr, and to the log
 * file or syslog too when that is where the log goes. Access lines go to
 * the log only. Logging is process-wide, so its settings are too.
 */
#ifndef CAPSULED_LOG_H
#define CAPSULED_LOG_H

#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include "base/diag.h"

/*
 * dest: "stderr", "syslog" or a file path (opened O_APPEND, mode 0640);
 * format: LOG_FORMAT_* of config.h; anonymize: client addresses cut to
 * their /24 (IPv4) or /48 (IPv6). Returns 0, or -1 with d filled.
 */
int log_setup(const char *dest, int format, int anonymize, struct diags *d);

/* A reload's new format and anonymising (the destination stays). */
void log_set_format(int format, int anonymize);

/* Reopens the log file (SIGUSR1, after logrotate moved it). */
void log_reopen(void);

/* The log file's path, or NULL when the log is not a file. */
const char *log_file(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A client address for the log ("127.0.0.1", "2001:db8::1"), anonymised
 * when asked; out needs 64 bytes. */
void log_addr(const struct sockaddr *sa, char out[64]);

/*
 * One line per request. The capsuled format:
 *   TIME PROTO CLIENT "REQUEST" STATUS BYTES DURATIONms [NOTE]
 * TIME is UTC RFC 3339, REQUEST has '"', '\\' and every byte outside
 * printable ASCII escaped as \xHH (so no request can forge a log line),
 * STATUS is the Gemini status sent or "-", NOTE says why a connection
 * ended without an answer. The common format (CLF):
 *   CLIENT - - [28/Nov/2026:01:12:38 +0000] "REQUEST" STATUS BYTES
 */
void log_access(const char *proto, const struct sockaddr *client,
    const char *req, size_t req_len, int status, size_t bytes,
    const struct timespec *took, const char *note);

/*
 * This thread's access lines wait in a buffer from now on; the first of
 * each batch calls schedule(arg), which arranges a log_flush soon (the
 * end of the loop's turn). NULL: written at once again.
 */
void log_buffer(void (*schedule)(void *), void *arg);

/* Writes this thread's waiting lines. */
void log_flush(void);

#endif
