/* log: one line per event, each written with one write(2) or syslog(3). */
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"

static struct {
	int fd;          /* the log file, or -1 */
	char *path;
	int syslog;
	int format;
	int anonymize;
} lg = {-1, NULL, 0, LOG_FORMAT_CAPSULED, 0};

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
log_setup(const char *dest, int format, int anonymize, struct diags *d)
{
	lg.format = format;
	lg.anonymize = anonymize;
	if (strcmp(dest, "stderr") == 0)
		return 0;
	if (strcmp(dest, "syslog") == 0) {
		/* Connected now: the sandbox allows no new socket later. */
		openlog("capsuled", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		lg.syslog = 1;
		return 0;
	}
	if ((lg.fd = open_file(dest)) == -1) {
		diags_add(d, dest, 0, 0, "cannot open the log: %s",
		    strerror(errno));
		return -1;
	}
	lg.path = strdup(dest);
	return 0;
}

void
log_set_format(int format, int anonymize)
{
	lg.format = format;
	lg.anonymize = anonymize;
}

void
log_reopen(void)
{
	int fd;

	if (lg.path == NULL)
		return;
	if ((fd = open_file(lg.path)) == -1) {
		log_warn("cannot reopen %s: %s; still writing the old file",
		    lg.path, strerror(errno));
		return;
	}
	dup2(fd, lg.fd);
	close(fd);
	log_info("log reopened");
}

const char *
log_file(void)
{
	return lg.path;
}

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

/*
 * One write per line, so lines from several threads never interleave.
 * skip is where the line starts without its time (syslog adds its own).
 */
static void
emit(struct buf *b, int to_stderr, size_t skip)
{
	if (!b->failed) {
		buf_putc(b, '\n');
		if (to_stderr)
			(void)!write(STDERR_FILENO, b->data, b->len);
		if (lg.fd != -1)
			(void)!write(lg.fd, b->data, b->len);
		if (lg.syslog)
			syslog(LOG_INFO, "%.*s", (int)(b->len - skip - 1),
			    b->data + skip);
	}
	buf_free(b);
}

static void
vlog(const char *level, const char *fmt, va_list ap)
{
	struct buf b;
	char msg[1024];
	size_t skip;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	buf_init(&b);
	put_time(&b);
	skip = b.len;
	buf_printf(&b, "%s%s", level, msg);
	emit(&b, 1, skip);
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
	struct in6_addr a6;
	struct in_addr a4;

	if (sa->sa_family == AF_INET) {
		a4 = ((const struct sockaddr_in *)sa)->sin_addr;
		if (lg.anonymize)
			a4.s_addr &= htonl(0xFFFFFF00);
		inet_ntop(AF_INET, &a4, out, 64);
	} else if (sa->sa_family == AF_INET6) {
		a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (lg.anonymize)
			memset(a6.s6_addr + 6, 0, 10);
		inet_ntop(AF_INET6, &a6, out, 64);
	} else
		strcpy(out, "-");
}

static void
put_request(struct buf *b, const char *req, size_t req_len)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < req_len; i++) {
		unsigned char c = (unsigned char)req[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			buf_printf(b, "\\x%02X", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

void
log_access(const char *proto, const char *client, const char *req,
    size_t req_len, int status, size_t bytes, double ms, const char *note)
{
	struct buf b;
	size_t skip = 0;

	buf_init(&b);
	if (lg.format == LOG_FORMAT_COMMON) {
		char when[64];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
		buf_printf(&b, "%s - - %s ", client, when);
		put_request(&b, req, req_len);
		if (status > 0)
			buf_printf(&b, " %d %zu", status, bytes);
		else
			buf_printf(&b, " - %zu", bytes);
	} else {
		put_time(&b);
		skip = b.len;
		buf_printf(&b, "%s %s ", proto, client);
		put_request(&b, req, req_len);
		if (status > 0)
			buf_printf(&b, " %d", status);
		else
			buf_puts(&b, " -");
		buf_printf(&b, " %zu %.1fms", bytes, ms);
		if (note)
			buf_printf(&b, " %s", note);
	}
	emit(&b, lg.fd == -1 && !lg.syslog, skip);
}
