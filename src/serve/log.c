/* log: one line per event, each written whole (logwrite) or by syslog(3). */
#include "serve/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/addr.h"
#include "base/buf.h"
#include "model/config.h"
#include "base/logwrite.h"

static struct {
	int fd;          /* the log file, or -1 */
	char *path;
	struct stat dir; /* its directory at start-up (st_ino 0: unknown) */
	int syslog;
	_Atomic int format;    /* a reload sets these while workers log */
	_Atomic int anonymize;
} lg = {.fd = -1, .format = LOG_FORMAT_CAPSULED};

/* Whole lines a write, at most this much (a longer line is one write). */
#define FLUSH_CHUNK 4096
#define BUFFER_MAX (64 * 1024)

static int unwrite(int fd, size_t n);

static const struct logwrite_ops sys_ops = {write, unwrite};

/*
 * Where lines go. One lock for both, held over a write and its retries:
 * the rest of a short write is never preceded by another thread's line,
 * and a torn file's newline comes before the next record, not inside it.
 */
struct sink {
	struct logwrite w;
	size_t lost;     /* lines lost since the last one written */
	int err;         /* why they were */
};

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sink err_sink = {{STDERR_FILENO, 0, &sys_ops}, 0, 0};
static struct sink file_sink = {{-1, 0, &sys_ops}, 0, 0};

/* This thread's waiting access lines (log_buffer). */
static _Thread_local struct {
	struct buf b;
	void (*schedule)(void *);
	void *arg;
} held;

/* The second the cached time text is of, per thread. */
static _Thread_local struct {
	time_t sec;
	char text[32];
} clock_text = {-1, ""};

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/* The directory of path: "dir" of "dir/file", "/" of "/file", or ".". */
static void
dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

int
log_setup(const char *dest, int format, int anonymize, struct diags *d)
{
	lg.format = format;
	lg.anonymize = anonymize;
	/*
	 * At the file size limit (ulimit -f, LimitFSIZE=) a write would kill
	 * the server by SIGXFSZ; ignored, it fails with EFBIG, and the line
	 * is lost like one on a full disk.
	 */
	signal(SIGXFSZ, SIG_IGN);
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
	file_sink.w.fd = lg.fd;
	lg.path = strdup(dest);
	{
		char dir[4096];

		dir_of(dest, dir, sizeof(dir));
		if (stat(dir, &lg.dir) == -1)
			lg.dir.st_ino = 0;
	}
	return 0;
}

void
log_set_format(int format, int anonymize)
{
	lg.format = format;
	lg.anonymize = anonymize;
}

/*
 * Why the log cannot be reopened, in one line. The usual cause is its
 * directory made anew: the sandbox's write rule holds the inode of the
 * directory that was there at start-up, not its name, so nothing can be
 * created in the new one until a restart. Logging goes on in the file
 * already open (gone from the tree, still written).
 */
static void
reopen_failed(int err)
{
	char dir[4096], why[4300] = "";
	struct stat st;

	dir_of(lg.path, dir, sizeof(dir));
	if (stat(dir, &st) == -1)
		snprintf(why, sizeof(why), ": its directory %s is gone", dir);
	else if (lg.dir.st_ino != 0 && (st.st_dev != lg.dir.st_dev ||
	    st.st_ino != lg.dir.st_ino))
		snprintf(why, sizeof(why), ": its directory %s was removed and "
		    "made again since start-up, and the sandbox lets capsuled "
		    "write only in the one that was there then", dir);
	log_warn("cannot reopen the log %s: %s%s; still writing the file "
	    "open before (keep the log's directory, or restart capsuled)",
	    lg.path, strerror(err), why);
}

void
log_reopen(void)
{
	int fd;

	if (lg.path == NULL)
		return;
	if ((fd = open_file(lg.path)) == -1) {
		reopen_failed(errno);
		return;
	}
	pthread_mutex_lock(&sink_lock);
	dup2(fd, lg.fd);
	file_sink.w.torn = 0; /* a new file */
	pthread_mutex_unlock(&sink_lock);
	close(fd);
	log_info("log reopened");
}

const char *
log_file(void)
{
	return lg.path;
}

/* "2026-11-28T03:24:25.123Z ": strftime once a second, not per line. */
static void
put_time(struct buf *b)
{
	struct timespec ts;
	struct tm tm;
	char ms[6];
	long m;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != clock_text.sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(clock_text.text, sizeof(clock_text.text),
		    "%Y-%m-%dT%H:%M:%S", &tm);
		clock_text.sec = ts.tv_sec;
	}
	m = ts.tv_nsec / 1000000;
	ms[0] = '.';
	ms[1] = (char)('0' + m / 100);
	ms[2] = (char)('0' + m / 10 % 10);
	ms[3] = (char)('0' + m % 10);
	ms[4] = 'Z';
	ms[5] = ' ';
	buf_puts(b, clock_text.text);
	buf_add(b, ms, sizeof(ms));
}

/*
 * The last n bytes written to fd taken out of it again, when fd is a
 * regular file that nobody wrote to since (it ends where they do): the
 * file is cut where they began, and the offset put back for a file not
 * opened O_APPEND.
 */
static int
unwrite(int fd, size_t n)
{
	struct stat st;
	off_t end = lseek(fd, 0, SEEK_CUR);

	if (end == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != end || (off_t)n > end ||
	    ftruncate(fd, end - (off_t)n) == -1)
		return -1;
	lseek(fd, end - (off_t)n, SEEK_SET);
	return 0;
}

/* "TIME warning: log: MSG" as a line of s, by the lock's holder. */
static int
put_notice(struct sink *s, const char *msg)
{
	struct buf b;
	int e, ok;

	buf_init(&b);
	put_time(&b);
	buf_printf(&b, "warning: log: %s\n", msg);
	ok = !b.failed && logwrite_lines(&s->w, b.data, b.len, b.len, &e) == 0;
	buf_free(&b);
	return ok;
}

/*
 * Whole lines p[0..n) to s. A loss is said on stderr when it starts (the
 * file is what fails), and in the file itself, counted, once it can be
 * written again: a gap in the log is never silent.
 */
static void
put(struct sink *s, const char *p, size_t n)
{
	char msg[512];
	size_t lost;
	int err = 0;

	pthread_mutex_lock(&sink_lock);
	if (s->lost > 0) {
		snprintf(msg, sizeof(msg), "%zu lines lost before this one "
		    "(%s)", s->lost, strerror(s->err));
		if (put_notice(s, msg))
			s->lost = 0;
	}
	lost = logwrite_lines(&s->w, p, n, FLUSH_CHUNK, &err);
	if (lost > 0) {
		if (s->lost == 0 && s == &file_sink) {
			snprintf(msg, sizeof(msg), "%s: %s: lines are lost until "
			    "it can be written again, then counted there",
			    lg.path ? lg.path : "the log file", strerror(err));
			put_notice(&err_sink, msg);
		}
		s->lost += lost;
		s->err = err;
	}
	pthread_mutex_unlock(&sink_lock);
}

void
log_flush(void)
{
	if (held.b.len == 0)
		return;
	put(lg.fd != -1 ? &file_sink : &err_sink, held.b.data, held.b.len);
	held.b.len = 0;
	if (held.b.cap > BUFFER_MAX) { /* a burst's buffer is not kept */
		buf_free(&held.b);
		buf_init(&held.b);
	}
}

void
log_buffer(void (*schedule)(void *), void *arg)
{
	log_flush();
	if (schedule == NULL)
		buf_free(&held.b);
	buf_init(&held.b);
	held.schedule = schedule;
	held.arg = arg;
}

/*
 * One write per line, so lines from several threads never interleave.
 * skip is where the line starts without its time (syslog adds its own).
 */
static void
emit(struct buf *b, int to_stderr, size_t skip)
{
	log_flush(); /* what waited comes first */
	if (!b->failed) {
		buf_putc(b, '\n');
		if (to_stderr)
			put(&err_sink, b->data, b->len);
		if (lg.fd != -1)
			put(&file_sink, b->data, b->len);
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
	addr_text(sa, lg.anonymize, out);
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

/* n in decimal; digits after the point: 1 for tenths ("12.3"). */
static void
put_num(struct buf *b, unsigned long long n, int tenths)
{
	char s[24];
	size_t i = sizeof(s);

	if (tenths) {
		s[--i] = (char)('0' + n % 10);
		s[--i] = '.';
		n /= 10;
	}
	do
		s[--i] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	buf_add(b, s + i, sizeof(s) - i);
}

void
log_access(const char *proto, const struct sockaddr *peer, const char *req,
    size_t req_len, int status, size_t bytes, const struct timespec *took,
    const char *note)
{
	struct buf one, *b = &one;
	char client[64];
	size_t skip = 0;

	log_addr(peer, client);
	if (held.schedule && !lg.syslog) {
		b = &held.b; /* appended to the waiting lines */
		if (b->len == 0)
			held.schedule(held.arg);
	} else
		buf_init(b);
	if (lg.format == LOG_FORMAT_COMMON) {
		char when[64];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
		buf_printf(b, "%s - - %s ", client, when);
		put_request(b, req, req_len);
		if (status > 0)
			buf_printf(b, " %d %zu", status, bytes);
		else
			buf_printf(b, " - %zu", bytes);
	} else {
		put_time(b);
		skip = b->len;
		buf_puts(b, proto);
		buf_putc(b, ' ');
		buf_puts(b, client);
		buf_putc(b, ' ');
		put_request(b, req, req_len);
		buf_putc(b, ' ');
		if (status > 0)
			put_num(b, (unsigned long long)status, 0);
		else
			buf_putc(b, '-');
		buf_putc(b, ' ');
		put_num(b, bytes, 0);
		buf_putc(b, ' ');
		/* Tenths of a millisecond, rounded. */
		put_num(b, ((unsigned long long)took->tv_sec * 1000000000ULL +
		    (unsigned long long)took->tv_nsec + 50000) / 100000, 1);
		buf_puts(b, "ms");
		if (note) {
			buf_putc(b, ' ');
			buf_puts(b, note);
		}
	}
	if (b != &one) {
		if (b->failed) { /* out of memory: what waited is lost */
			buf_free(b);
			buf_init(b);
		} else
			buf_putc(b, '\n');
		if (b->len > BUFFER_MAX)
			log_flush();
		return;
	}
	emit(b, lg.fd == -1 && !lg.syslog, skip);
}
