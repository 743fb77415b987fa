/* log: one line per event on stderr, written with one write(2). */
#include "log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static void
put_time(struct buf *b)
{
	struct timeval tv;
	struct tm tm;
	char s[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "%s.%03ldZ ", s, (long)tv.tv_usec / 1000);
}

/* One write per line, so lines from several threads never interleave. */
static void
emit(struct buf *b)
{
	if (!b->failed) {
		buf_putc(b, '\n');
		(void)!write(STDERR_FILENO, b->data, b->len);
	}
	buf_free(b);
}

static void
vlog(const char *level, const char *fmt, va_list ap)
{
	struct buf b;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	buf_init(&b);
	put_time(&b);
	buf_printf(&b, "%s%s", level, msg);
	emit(&b);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void
log_addr(const struct sockaddr *sa, char out[64])
{
	const void *a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else {
		strcpy(out, "-");
		return;
	}
	if (inet_ntop(sa->sa_family, a, out, 64) == NULL)
		strcpy(out, "-");
}

void
log_access(const char *proto, const char *client, const char *req,
    size_t req_len, int status, size_t bytes, double ms, const char *note)
{
	struct buf b;

	buf_init(&b);
	put_time(&b);
	buf_printf(&b, "%s %s \"", proto, client);
	for (size_t i = 0; i < req_len; i++) {
		unsigned char c = (unsigned char)req[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			buf_printf(&b, "\\x%02X", c);
		else
			buf_putc(&b, (char)c);
	}
	buf_putc(&b, '"');
	if (status > 0)
		buf_printf(&b, " %d", status);
	else
		buf_puts(&b, " -");
	buf_printf(&b, " %zu %.1fms", bytes, ms);
	if (note)
		buf_printf(&b, " %s", note);
	emit(&b);
}
