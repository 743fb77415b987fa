/*
 * loadgen: a load generator for capsuled's benchmark (bench/run.sh).
 *
 * Opens a new connection per request, as Gemini and Gopher demand, with
 * N connections in flight at once, over loopback only, until a total
 * number of requests is done or a number of seconds has passed. Gemini is
 * spoken over TLS (optionally resuming the last session the server gave:
 * a TLS 1.3 ticket, or a TLS 1.2 session), Gopher over plain TCP. It
 * prints one line of key=value results: counts, latency percentiles, and,
 * given the server's PID, the server's CPU time per request over the run
 * (utime + stime + cutime + cstime of /proc/PID/stat, so the children an
 * inetd-style server has reaped are counted too).
 *
 *   loadgen -m gemini|gopher -p PORT [-a 127.0.0.1] [-n 3000] [-s 30]
 *           [-c 16] [-r none|tls13|tls12] [-u REQUEST] [-P PID] [-l LABEL]
 *           [-w SEC] [-d] [-b BYTES]
 *
 * -u is the URL (Gemini) or selector (Gopher) requested; CRLF is added.
 * -w waits that long before the final CPU reading (for late reaping).
 * -d discards the answer unread (recv with MSG_TRUNC: no copy, and for
 * Gemini no decryption: the bytes counted are TLS records, and with
 * -r tls13 no ticket arrives). It makes the client cheaper than the
 * server on large answers, so that the server, not this program, is
 * what runs out of CPU: the saturation runs of bench/run.sh.
 * -b sets each socket's receive buffer before it connects (SO_RCVBUFFORCE
 * as root, past net.core.rmem_max): with room for a whole answer the
 * server sends it from its own system calls, where otherwise this
 * program's acknowledgements clock it out, and on loopback the work of
 * sending then runs on this program's CPU.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define REQ_TIMEOUT_NS (10LL * 1000000000LL)

enum proto { GEMINI, GOPHER };
enum resume { R_NONE, R_TLS13, R_TLS12 };
enum state { S_FREE, S_CONNECTING, S_HANDSHAKE, S_WRITE, S_READ };

struct slot {
	int fd;
	enum state st;
	SSL *ssl;
	int64_t start;
	size_t sent, got;
	unsigned events; /* what epoll is told to wait for */
};

static enum proto proto = GEMINI;
static enum resume resume = R_NONE;
static const char *addr = "127.0.0.1";
static int port = 1965;
static long total = 3000;
static double seconds = 30;
static int conc = 16;
static const char *request;
static pid_t server_pid;
static const char *label = "-";
static double wait_after;
static int discard;
static int rcvbuf;

static char reqline[2048];
static size_t reqlen;
static SSL_CTX *ctx;
static SSL_SESSION *saved; /* the newest session the server gave */
static int epfd;
static struct sockaddr_in sin_srv;

static long started, done, ok, failed, resumed, short_reads;
static int64_t *lat; /* ns, one per finished request */
static long nlat;
static long long bytes_total;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* utime + stime + cutime + cstime, in clock ticks; -1 if unreadable. */
static long long
proc_cpu_ticks(pid_t pid)
{
	char path[64], buf[4096], *p;
	unsigned long long ut, st;
	long long cut, cst;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
		"%llu %lld %lld", &ut, &st, &cut, &cst) != 4)
		return -1;
	return (long long)(ut + st) + cut + cst;
}

/*
 * Run time in ns of every live thread of pid, from the scheduler
 * (/proc/PID/task/TID/schedstat): finer than clock ticks, but blind to
 * children and exited threads. -1 if unreadable.
 */
static long long
proc_sched_ns(pid_t pid)
{
	char path[320];
	long long sum = 0, v;
	struct dirent *e;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
		    (int)pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%lld", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static int
new_session(SSL *ssl, SSL_SESSION *sess)
{
	if (saved)
		SSL_SESSION_free(saved);
	(void)ssl;
	saved = sess; /* the reference is ours: return 1 */
	return 1;
}

static void
ep(struct slot *s, int op, unsigned events)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};

	if (op == EPOLL_CTL_MOD && s->events == events)
		return;
	s->events = events;
	if (epoll_ctl(epfd, op, s->fd, &ev) == -1) {
		perror("epoll_ctl");
		exit(2);
	}
}

static void
finish(struct slot *s, int success)
{
	int64_t t = now_ns() - s->start;

	if (s->ssl) {
		if (success && SSL_session_reused(s->ssl))
			resumed++;
		/*
		 * Freed without a shutdown of its own, a connection's session
		 * would be marked not resumable: mark the shutdown done (the
		 * server's close_notify came) without sending anything.
		 */
		if (success)
			SSL_set_shutdown(s->ssl,
			    SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	close(s->fd); /* also takes it out of the epoll set */
	s->fd = -1;
	s->st = S_FREE;
	done++;
	if (success) {
		ok++;
		lat[nlat++] = t;
		bytes_total += (long long)s->got;
	} else
		failed++;
}

static int
start(struct slot *s)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd == -1) {
		perror("socket");
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	s->fd = fd;
	s->sent = s->got = 0;
	s->start = now_ns();
	s->events = 0;
	started++;
	if (connect(fd, (struct sockaddr *)&sin_srv, sizeof(sin_srv)) == -1 &&
	    errno != EINPROGRESS) {
		s->st = S_CONNECTING; /* so finish() counts it */
		finish(s, 0);
		return 0;
	}
	s->st = S_CONNECTING;
	ep(s, EPOLL_CTL_ADD, EPOLLOUT);
	return 0;
}

/* One TLS step: returns 1 when done, 0 when waiting, -1 on failure. */
static int
tls_want(struct slot *s, int rc)
{
	switch (SSL_get_error(s->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		ep(s, EPOLL_CTL_MOD, EPOLLIN);
		return 0;
	case SSL_ERROR_WANT_WRITE:
		ep(s, EPOLL_CTL_MOD, EPOLLOUT);
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return 1; /* close_notify: the answer is whole */
	default:
		ERR_clear_error();
		return -1;
	}
}

static void
step(struct slot *s)
{
	char buf[65536];
	ssize_t n;
	int rc, err;
	socklen_t len;

	for (;;) {
		switch (s->st) {
		case S_FREE:
			return;
		case S_CONNECTING:
			err = 0;
			len = sizeof(err);
			getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err != 0) {
				finish(s, 0);
				return;
			}
			if (proto == GEMINI) {
				s->ssl = SSL_new(ctx);
				SSL_set_fd(s->ssl, s->fd);
				SSL_set_tlsext_host_name(s->ssl, "localhost");
				if (resume != R_NONE && saved)
					SSL_set_session(s->ssl, saved);
				s->st = S_HANDSHAKE;
			} else
				s->st = S_WRITE;
			break;
		case S_HANDSHAKE:
			rc = SSL_connect(s->ssl);
			if (rc != 1) {
				if (tls_want(s, rc) != 0) {
					finish(s, 0);
				}
				return;
			}
			s->st = S_WRITE;
			break;
		case S_WRITE:
			if (proto == GEMINI) {
				rc = SSL_write(s->ssl, reqline, (int)reqlen);
				if (rc <= 0) {
					if (tls_want(s, rc) != 0)
						finish(s, 0);
					return;
				}
				s->sent = reqlen;
			} else {
				n = write(s->fd, reqline + s->sent,
				    reqlen - s->sent);
				if (n == -1) {
					if (errno == EAGAIN) {
						ep(s, EPOLL_CTL_MOD, EPOLLOUT);
						return;
					}
					finish(s, 0);
					return;
				}
				s->sent += (size_t)n;
				if (s->sent < reqlen)
					continue;
			}
			s->st = S_READ;
			ep(s, EPOLL_CTL_MOD, EPOLLIN);
			break;
		case S_READ:
			if (proto == GEMINI && !discard) {
				rc = SSL_read(s->ssl, buf, sizeof(buf));
				if (rc > 0) {
					s->got += (size_t)rc;
					continue;
				}
				err = SSL_get_error(s->ssl, rc);
				if (err == SSL_ERROR_WANT_READ ||
				    err == SSL_ERROR_WANT_WRITE) {
					tls_want(s, rc);
					return;
				}
				/* close_notify, or an EOF without one */
				if (err != SSL_ERROR_ZERO_RETURN)
					short_reads++;
				ERR_clear_error();
				finish(s, s->got > 0);
				return;
			}
			n = discard ? recv(s->fd, NULL, 1 << 20, MSG_TRUNC)
				    : read(s->fd, buf, sizeof(buf));
			if (n > 0) {
				s->got += (size_t)n;
				continue;
			}
			if (n == -1 && errno == EAGAIN)
				return;
			finish(s, n == 0 && s->got > 0);
			return;
		}
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_us(double p)
{
	long i;

	if (nlat == 0)
		return 0;
	i = (long)(p * (double)nlat + 0.5) - 1;
	if (i < 0)
		i = 0;
	if (i >= nlat)
		i = nlat - 1;
	return (double)lat[i] / 1e3;
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen -m gemini|gopher -p PORT [-a ADDR] "
	    "[-n REQUESTS] [-s SECONDS] [-c CONCURRENT] "
	    "[-r none|tls13|tls12] [-u REQUEST] [-P PID] [-l LABEL] "
	    "[-w SEC] [-d] [-b BYTES]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct slot *slots;
	struct epoll_event evs[256];
	long long cpu0 = -1, cpu1 = -1, sch0 = -1, sch1 = -1;
	int64_t t0, t1, deadline;
	long tck = sysconf(_SC_CLK_TCK);
	int c;

	while ((c = getopt(argc, argv, "m:a:p:n:s:c:r:u:P:l:w:db:")) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "gemini") == 0)
				proto = GEMINI;
			else if (strcmp(optarg, "gopher") == 0)
				proto = GOPHER;
			else
				usage();
			break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': total = atol(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'c': conc = atoi(optarg); break;
		case 'r':
			if (strcmp(optarg, "none") == 0)
				resume = R_NONE;
			else if (strcmp(optarg, "tls13") == 0)
				resume = R_TLS13;
			else if (strcmp(optarg, "tls12") == 0)
				resume = R_TLS12;
			else
				usage();
			break;
		case 'u': request = optarg; break;
		case 'P': server_pid = (pid_t)atoi(optarg); break;
		case 'l': label = optarg; break;
		case 'w': wait_after = atof(optarg); break;
		case 'd': discard = 1; break;
		case 'b': rcvbuf = atoi(optarg); break;
		default: usage();
		}
	}
	if (conc < 1 || total < 1 || port < 1)
		usage();
	memset(&sin_srv, 0, sizeof(sin_srv));
	sin_srv.sin_family = AF_INET;
	sin_srv.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin_srv.sin_addr) != 1)
		usage();
	/* Loopback only: this tool must never load anybody else's server. */
	if ((ntohl(sin_srv.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s is not a loopback address\n", addr);
		return 2;
	}
	if (request == NULL)
		request = proto == GEMINI ? "gemini://localhost/" : "";
	reqlen = (size_t)snprintf(reqline, sizeof(reqline), "%s\r\n", request);
	signal(SIGPIPE, SIG_IGN);

	if (proto == GEMINI) {
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		if (resume == R_TLS12)
			SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
		if (resume != R_NONE) {
			SSL_CTX_set_session_cache_mode(ctx,
			    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
			SSL_CTX_sess_set_new_cb(ctx, new_session);
		} else
			SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	if ((lat = calloc((size_t)total, sizeof(*lat))) == NULL ||
	    (slots = calloc((size_t)conc, sizeof(*slots))) == NULL) {
		perror("calloc");
		return 2;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("epoll_create1");
		return 2;
	}
	if (server_pid) {
		cpu0 = proc_cpu_ticks(server_pid);
		sch0 = proc_sched_ns(server_pid);
	}
	t0 = now_ns();
	deadline = t0 + (int64_t)(seconds * 1e9);
	for (int i = 0; i < conc; i++) {
		slots[i].fd = -1;
		if (started < total)
			start(&slots[i]);
	}
	for (;;) {
		int n, active = 0;
		int64_t t = now_ns();

		for (int i = 0; i < conc; i++) {
			struct slot *s = &slots[i];

			if (s->st != S_FREE && t - s->start > REQ_TIMEOUT_NS)
				finish(s, 0);
			if (s->st == S_FREE && started < total && t < deadline)
				start(s);
			if (s->st != S_FREE)
				active++;
		}
		if (active == 0)
			break;
		n = epoll_wait(epfd, evs, 256, 100);
		if (n == -1 && errno != EINTR) {
			perror("epoll_wait");
			return 2;
		}
		for (int i = 0; i < n; i++)
			step(evs[i].data.ptr);
	}
	t1 = now_ns();
	if (server_pid) {
		if (wait_after > 0)
			usleep((useconds_t)(wait_after * 1e6));
		cpu1 = proc_cpu_ticks(server_pid);
		sch1 = proc_sched_ns(server_pid);
	}
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp64);
	{
		double secs = (double)(t1 - t0) / 1e9;
		double cpu_us = (cpu0 >= 0 && cpu1 >= 0 && ok > 0)
		    ? (double)(cpu1 - cpu0) * 1e6 / (double)tck / (double)ok
		    : -1;
		double sch_us = (sch0 >= 0 && sch1 >= 0 && ok > 0)
		    ? (double)(sch1 - sch0) / 1e3 / (double)ok : -1;

		printf("label=%s proto=%s resume=%s conc=%d requests=%ld ok=%ld "
		    "failed=%ld resumed=%ld unclean=%ld bytes=%lld secs=%.3f "
		    "rps=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f "
		    "srv_cpu_us=%.1f srv_sched_us=%.1f\n",
		    label, proto == GEMINI ? "gemini" : "gopher",
		    resume == R_NONE ? "none" : resume == R_TLS13 ? "tls13"
								  : "tls12",
		    conc, done, ok, failed, resumed, short_reads, bytes_total,
		    secs, secs > 0 ? (double)ok / secs : 0, pct_us(0.50),
		    pct_us(0.90), pct_us(0.99), pct_us(1.0), cpu_us, sch_us);
	}
	return ok > 0 ? 0 : 1;
}
