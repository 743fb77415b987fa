/*
 * hold: opens N connections to a loopback server and keeps them open, so
 * that the server's memory per open connection can be measured
 * (bench/memory.sh; issue 6, "Memory").
 *
 *   hold -m MODE -p PORT [-a 127.0.0.1|::1] [-n N] [-t SEC] [-h SEC]
 *        [-c INFLIGHT] [-r PER_SEC] [-q REQUEST]
 *
 * MODE is what each connection does, then holds:
 *   tls-idle     the TLS handshake, then nothing
 *   tls-partial  the handshake, then "gemini://localhost/" without CRLF
 *   tcp-partial  connect, then the Gopher selector "/2013" without newline
 *   tcp-idle     connect, nothing else
 *   tls-stall    the handshake, then the request line REQUEST (-q, CRLF
 *                added; default gemini://localhost/), then never reads
 *                the answer: a 2 KB receive buffer and a 1200-byte MSS
 *                (a real network's; loopback's 64 KB MSS would let the
 *                kernel take the whole answer)
 *   tcp-stall    the same without TLS (-q: a Gopher selector, default /)
 *
 * At most N connections (default 10000) are open at once, at most -c
 * (default 128) still connecting or handshaking, at most -r (default
 * 4000) started a second; a failed one may be tried again, N/10 + 10
 * attempts at most in all. When all N are established it prints
 * "held N" on stdout, then holds them -h seconds (default 10) or until
 * SIGTERM/SIGINT, then closes them all. If they are not all established
 * within -t seconds (default 60) it gives up and closes them.
 *
 * Exit status: 0 when N were held and still open at the end, 1 when
 * fewer, 2 for a usage or setup error. Only 127.0.0.1 and ::1 are
 * accepted as the address. Single-threaded, epoll, non-blocking.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum state { FREE, CONNECTING, HANDSHAKE, SENDING, HELD };

struct hc {
	int fd;
	enum state st;
	SSL *ssl;
	size_t sent;       /* bytes of the payload written */
	uint32_t events;   /* what epoll watches now */
};

struct mode {
	const char *name;
	int tls;
	const char *payload; /* NULL: nothing is sent */
	int stall;           /* a full request, then the answer never read */
};

static struct mode modes[] = {
	{"tls-idle", 1, NULL, 0},
	{"tls-partial", 1, "gemini://localhost/", 0},
	{"tcp-partial", 0, "/2013", 0},
	{"tcp-idle", 0, NULL, 0},
	{"tls-stall", 1, "gemini://localhost/\r\n", 1},
	{"tcp-stall", 0, "/\r\n", 1},
};

static volatile sig_atomic_t stop;

static struct hc *conns;
static struct mode *mode;
static SSL_CTX *ctx;
static int ep;
static struct sockaddr_storage dst;
static socklen_t dst_len;
static long held, inflight, failed, dropped;
static char last_error[160];

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: hold -m tls-idle|tls-partial|tcp-partial|"
	    "tcp-idle|tls-stall|tcp-stall -p PORT [-a 127.0.0.1|::1] [-n N] "
	    "[-t SEC] [-h SEC] [-c INFLIGHT] [-r PER_SEC] [-q REQUEST]\n");
	exit(2);
}

static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

/* Only the loopback addresses, written exactly so. */
static int
set_address(const char *a, int port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

	memset(&dst, 0, sizeof(dst));
	if (strcmp(a, "127.0.0.1") == 0) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		dst_len = sizeof(*s4);
		return 0;
	}
	if (strcmp(a, "::1") == 0) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = in6addr_loopback;
		dst_len = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* Enough descriptors for n sockets and a few more. */
static int
raise_nofile(long n)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)n + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) {
		rl.rlim_cur = want;
		return setrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max = want; /* needs CAP_SYS_RESOURCE */
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void
watch(long i, uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.u64 = (uint64_t)i};

	if (conns[i].events == ev)
		return;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &e) == -1)
		snprintf(last_error, sizeof(last_error), "epoll_ctl: %s",
		    strerror(errno));
	conns[i].events = ev;
}

static void
release(long i)
{
	struct hc *c = &conns[i];

	if (c->st == FREE)
		return;
	if (c->st == HELD)
		held--;
	else
		inflight--;
	SSL_free(c->ssl); /* no close_notify: the server sees an EOF */
	close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->st = FREE;
}

static void
fail(long i, const char *what)
{
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, last_error, sizeof(last_error));
	else
		snprintf(last_error, sizeof(last_error), "%s: %s", what,
		    errno ? strerror(errno) : "closed");
	ERR_clear_error();
	if (conns[i].st == HELD)
		dropped++;
	else
		failed++;
	release(i);
}

static void
now_held(long i)
{
	conns[i].st = HELD;
	inflight--;
	held++;
	/* Only an EOF or a reset is expected from here (or TLS tickets);
	 * a stalled reader hears only of the reset (EPOLLERR, always on). */
	watch(i, mode->stall ? EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
}

static int
start(long i)
{
	struct hc *c = &conns[i];
	struct epoll_event e;
	int fd, one = 1;

	fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(last_error, sizeof(last_error), "socket: %s",
		    strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (mode->stall) {
		int rcv = 2048, mss = 1200;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->st = CONNECTING;
	c->events = EPOLLOUT;
	inflight++;
	e.events = EPOLLOUT;
	e.data.u64 = (uint64_t)i;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == -1) {
		fail(i, "epoll_ctl");
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&dst, dst_len) == -1 &&
	    errno != EINPROGRESS)
		fail(i, "connect");
	return 0;
}

static void step(long i);

static void
send_payload(long i)
{
	struct hc *c = &conns[i];
	size_t len = strlen(mode->payload);
	int n, err;

	while (c->sent < len) {
		if (c->ssl) {
			n = SSL_write(c->ssl, mode->payload + c->sent,
			    (int)(len - c->sent));
			if (n <= 0) {
				err = SSL_get_error(c->ssl, n);
				if (err == SSL_ERROR_WANT_WRITE) {
					watch(i, EPOLLOUT);
					return;
				}
				if (err == SSL_ERROR_WANT_READ) {
					watch(i, EPOLLIN);
					return;
				}
				fail(i, "SSL_write");
				return;
			}
		} else {
			n = (int)write(c->fd, mode->payload + c->sent,
			    len - c->sent);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR) {
					watch(i, EPOLLOUT);
					return;
				}
				fail(i, "write");
				return;
			}
		}
		c->sent += (size_t)n;
	}
	now_held(i);
}

static void
handshake(long i)
{
	struct hc *c = &conns[i];
	int rc = SSL_do_handshake(c->ssl), err;

	if (rc == 1) {
		c->st = SENDING;
		if (mode->payload)
			send_payload(i);
		else
			now_held(i);
		return;
	}
	err = SSL_get_error(c->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		watch(i, EPOLLIN);
	else if (err == SSL_ERROR_WANT_WRITE)
		watch(i, EPOLLOUT);
	else
		fail(i, "handshake");
}

/* A held connection became readable: tickets, or the server's close. */
static void
drain(long i)
{
	struct hc *c = &conns[i];
	char tmp[4096];
	ssize_t n;
	int err;

	for (;;) {
		if (c->ssl) {
			n = SSL_read(c->ssl, tmp, sizeof(tmp));
			if (n > 0)
				continue; /* unexpected data: dropped */
			err = SSL_get_error(c->ssl, (int)n);
			if (err == SSL_ERROR_WANT_READ)
				return;
			if (err == SSL_ERROR_WANT_WRITE) {
				watch(i, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
				return;
			}
			errno = 0;
			fail(i, "held connection");
			return;
		}
		n = read(c->fd, tmp, sizeof(tmp));
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == 0)
			errno = 0;
		fail(i, "held connection");
		return;
	}
}

static void
step(long i)
{
	struct hc *c = &conns[i];
	socklen_t len = sizeof(int);
	int err = 0;

	switch (c->st) {
	case FREE:
		return;
	case CONNECTING:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			errno = err;
			fail(i, "connect");
			return;
		}
		if (!mode->tls) {
			c->st = SENDING;
			if (mode->payload)
				send_payload(i);
			else
				now_held(i);
			return;
		}
		if ((c->ssl = SSL_new(ctx)) == NULL ||
		    SSL_set_fd(c->ssl, c->fd) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, "localhost") != 1) {
			fail(i, "SSL_new");
			return;
		}
		SSL_set_connect_state(c->ssl);
		c->st = HANDSHAKE;
		handshake(i);
		return;
	case HANDSHAKE:
		handshake(i);
		return;
	case SENDING:
		send_payload(i);
		return;
	case HELD:
		if (c->events & EPOLLOUT)
			watch(i, mode->stall ? EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
		if (mode->stall) {
			errno = 0;
			fail(i, "stalled connection closed by the server");
			return;
		}
		drain(i);
		return;
	}
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *mname = NULL, *request = NULL;
	static char line[2048];
	long n = 10000, limit = 60, hold_s = 10, max_inflight = 128;
	long rate = 4000, port = -1, next = 0, attempts = 0, max_attempts;
	struct epoll_event evs[512];
	struct sigaction sa;
	double t0, t_held = 0, hold_until = 0, t;
	int opt, rc;

	while ((opt = getopt(argc, argv, "m:p:a:n:t:h:c:r:q:")) != -1) {
		switch (opt) {
		case 'm': mname = optarg; break;
		case 'p': port = number(optarg, 1, 65535); break;
		case 'a': addr = optarg; break;
		case 'n': n = number(optarg, 1, 100000); break;
		case 't': limit = number(optarg, 1, 3600); break;
		case 'h': hold_s = number(optarg, 0, 3600); break;
		case 'c': max_inflight = number(optarg, 1, 10000); break;
		case 'r': rate = number(optarg, 1, 1000000); break;
		case 'q': request = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || mname == NULL || port == -1)
		usage();
	for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
		if (strcmp(mname, modes[k].name) == 0)
			mode = &modes[k];
	if (mode == NULL || (request != NULL && !mode->stall) ||
	    (request != NULL && strlen(request) > sizeof(line) - 3))
		usage();
	if (request != NULL) {
		snprintf(line, sizeof(line), "%s\r\n", request);
		mode->payload = line;
	}
	if (set_address(addr, (int)port) == -1) {
		fprintf(stderr, "hold: %s: only 127.0.0.1 or ::1\n", addr);
		return 2;
	}
	if (raise_nofile(n) == -1) {
		fprintf(stderr, "hold: cannot raise the descriptor limit to "
		    "%ld: %s\n", n + 64, strerror(errno));
		return 2;
	}
	if (mode->tls) {
		if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
			fprintf(stderr, "hold: SSL_CTX_new failed\n");
			return 2;
		}
		/* A self-signed certificate: what is measured is the server. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	}
	if ((conns = calloc((size_t)n, sizeof(*conns))) == NULL ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		fprintf(stderr, "hold: out of memory\n");
		return 2;
	}
	for (long i = 0; i < n; i++)
		conns[i].fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	max_attempts = n + n / 10 + 10;
	t0 = now_s();
	while (!stop) {
		t = now_s();
		if (t_held == 0) {
			/* Opening: paced, and bounded in attempts and time. */
			long allowed = (long)((t - t0) * (double)rate) + 1;

			while (held + inflight < n && inflight < max_inflight &&
			    attempts < allowed && attempts < max_attempts) {
				while (conns[next].st != FREE)
					next = (next + 1) % n;
				attempts++;
				if (start(next) == -1)
					break;
			}
			if (held == n) {
				t_held = t;
				hold_until = t + (double)hold_s;
				printf("held %ld\n", n);
				fflush(stdout);
				fprintf(stderr, "hold: %s: %ld held after %.1f s "
				    "(%ld failed attempts)\n", mode->name, n,
				    t - t0, failed);
			} else if (t - t0 > (double)limit ||
			    (attempts >= max_attempts && inflight == 0)) {
				fprintf(stderr, "hold: %s: gave up with %ld of %ld "
				    "held after %.1f s, %ld failed attempts%s%s\n",
				    mode->name, held, n, t - t0, failed,
				    last_error[0] ? "; last: " : "", last_error);
				break;
			}
		} else if (t >= hold_until)
			break;
		rc = epoll_wait(ep, evs, (int)(sizeof(evs) / sizeof(evs[0])),
		    t_held == 0 ? 5 : 100);
		if (rc == -1 && errno != EINTR) {
			perror("hold: epoll_wait");
			break;
		}
		for (int k = 0; k < rc; k++)
			step((long)evs[k].data.u64);
	}
	rc = t_held != 0 && held == n ? 0 : 1;
	if (t_held != 0)
		fprintf(stderr, "hold: %s: %ld of %ld still open after %.1f s "
		    "held%s%s\n", mode->name, held, n, now_s() - t_held,
		    dropped ? ", some closed by the server; last: " : "",
		    dropped ? last_error : "");
	for (long i = 0; i < n; i++)
		release(i);
	free(conns);
	close(ep);
	SSL_CTX_free(ctx);
	return rc;
}
