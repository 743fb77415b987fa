/*
 * gemini: a connection's life, from accept to close_notify, driven
 * straight from the socket's events (no bufferevent).
 *
 * OpenSSL reads the socket itself (read-ahead: a record's header and
 * body in one read) and writes into this connection's memory, through
 * one small BIO; what it wrote goes out with one write(2) per flight:
 * the handshake's, then the ticket, the answer and close_notify
 * together. docs/PERFORMANCE.md counts what this saves.
 */
#include "serve/gemini.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "answer/gemini_answer.h"
#include "base/buf.h"
#include "render/snapshot.h"
#include "serve/conn.h"
#include "serve/log.h"
#include "serve/state.h"
#include "serve/worker.h"

/* A read of the ClientHello: its usual size, and room to spare. */
#define FIRST_READ 4096
/* The longest TLS record a ClientHello may come in (RFC 8446 5.1). */
#define HELLO_MAX (5 + 16384)
/*
 * Plaintext encrypted at a time, at most: four TLS records. An answer of
 * up to ANSWER_SMALL is encrypted whole and sent with the ticket and
 * close_notify in one write, as a fresh socket takes it all; a longer one
 * is encrypted as the socket has room for it (conn_room), so a client
 * that stops reading leaves next to no ciphertext waiting here.
 */
#define ANSWER_PIECE (64 * 1024)
#define ANSWER_SMALL (32 * 1024)
/* Less room than this is not worth a record, unless the socket said so. */
#define PIECE_FLOOR 2048

enum phase { HELLO, HANDSHAKE, REQUEST, WRITING };

static const char *phase_names[] = {
	[HELLO] = "handshake", [HANDSHAKE] = "handshake",
	[REQUEST] = "request", [WRITING] = "write",
};

struct gconn {
	struct conn c;      /* first: the shared part */
	SSL *ssl;
	int local_port;
	enum phase phase;
	int drained;        /* a short read emptied the socket; no event since */
	struct buf hello;   /* the ClientHello's first record, as it came */
	size_t hello_off;   /* ... and how much of it OpenSSL has taken */
	/* The answer, encrypted piece by piece as the socket drains. */
	const char *body;
	size_t body_len, body_off;
	char *body_owned;
	int shut;           /* close_notify written */
	size_t budget;      /* what the socket was last said to have room for */
	int sized;          /* conn_room asked at least once */
	size_t made;        /* ciphertext made since the answer began */
};

/*
 * What OpenSSL writes goes into one buffer per worker thread, and out to
 * the socket before the callback returns; a connection keeps only what
 * the socket did not take (conn_keep_rest), so a client that stops
 * reading holds that rest, not the piece it was cut from, and a flight
 * the socket takes whole (nearly all of them) costs no allocation.
 */
static _Thread_local struct buf wire;

/* Empty, its room kept for the next; a failed append forgotten. */
static void
wire_reset(void)
{
	wire.len = 0;
	wire.failed = 0;
	if (wire.cap > 2 * ANSWER_PIECE) { /* never past a piece and its records */
		buf_free(&wire);
		buf_init(&wire);
	}
}

void
gemini_worker_done(void)
{
	buf_free(&wire);
	buf_init(&wire);
}

/* Every path out of a connection ends here. */
static void
gconn_free(struct gconn *g, const char *note)
{
	/* conn is the first member: the two pointers are one. */
	wire_reset(); /* what OpenSSL wrote for g, if anything, goes too */
	SSL_free(g->ssl);
	free(g->body_owned);
	buf_free(&g->hello);
	conn_end(&g->c, note);
	free(g);
}

static void
gconn_close(struct conn *c, const char *note)
{
	gconn_free((struct gconn *)c, note);
}

static void
gconn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gconn *g = arg;
	const char *why;
	char note[64];

	if (g->phase == WRITING) {
		/* Still moving: the deadline was pushed on. */
		if ((why = conn_write_due(&g->c)) != NULL)
			gconn_free(g, why);
		return;
	}
	snprintf(note, sizeof(note), "timeout in %s", phase_names[g->phase]);
	gconn_free(g, note);
}

/*
 * Of acked bytes of ciphertext (the ticket, records, close_notify), the
 * plaintext: in proportion, which is within a record's overhead.
 */
static size_t
gconn_plain(const struct conn *c, size_t acked)
{
	const struct gconn *g = (const struct gconn *)c;

	if (g->made == 0)
		return 0;
	if (acked >= g->made)
		return g->body_off;
	return (size_t)((double)g->body_off * (double)acked /
	    (double)g->made);
}

/*
 * The BIO between OpenSSL and the socket: reads go to the socket, writes
 * to wire, sent by send_tx once OpenSSL has said all it will say.
 */
static int
bio_write(BIO *b, const char *data, int len)
{
	struct gconn *g = BIO_get_data(b);

	buf_add(&wire, data, (size_t)len);
	if (g->phase == WRITING)
		g->made += (size_t)len;
	return wire.failed ? -1 : len;
}

static int
bio_read(BIO *b, char *out, int len)
{
	struct gconn *g = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (g->hello.data != NULL) { /* what hello_read took, first */
		size_t left = g->hello.len - g->hello_off;

		n = left < (size_t)len ? (ssize_t)left : len;
		memcpy(out, g->hello.data + g->hello_off, (size_t)n);
		if ((g->hello_off += (size_t)n) == g->hello.len)
			buf_free(&g->hello);
		return (int)n;
	}
	/*
	 * After a short read the socket is known empty until the loop says
	 * otherwise: OpenSSL's next read (right after each flight) would
	 * only hear EAGAIN from the kernel.
	 */
	if (g->drained) {
		BIO_set_retry_read(b);
		return -1;
	}
	do
		n = read(g->c.fd, out, (size_t)len);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		BIO_set_retry_read(b);
	if (n > 0 && g->phase == HANDSHAKE)
		conn_touch(&g->c); /* a handshake that moves is not idle */
	g->drained = n == -1 ? errno == EAGAIN : n > 0 && n < len;
	return (int)n;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	/* OpenSSL flushes after each flight: the bytes are in wire. */
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *bio_method;

static void
bio_method_init(void)
{
	bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "capsuled");
	if (bio_method) {
		BIO_meth_set_write(bio_method, bio_write);
		BIO_meth_set_read(bio_method, bio_read);
		BIO_meth_set_ctrl(bio_method, bio_ctrl);
	}
}

static int
tls_new(struct gconn *g)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	SSL_CTX *ctx;
	BIO *bio;

	pthread_once(&once, bio_method_init);
	if (bio_method == NULL || (ctx = state_ssl_ctx(g->c.w->st)) == NULL)
		return -1;
	g->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx); /* the SSL holds its own reference */
	if (g->ssl == NULL)
		return -1;
	if ((bio = BIO_new(bio_method)) == NULL)
		return -1;
	BIO_set_data(bio, g);
	BIO_set_init(bio, 1);
	SSL_set_bio(g->ssl, bio, bio); /* one reference, for both */
	SSL_set_accept_state(g->ssl);
	return 0;
}

/* Why OpenSSL gave up, for the log. */
static void
tls_failed(struct gconn *g, int rc)
{
	int err = SSL_get_error(g->ssl, rc);
	unsigned long e = ERR_peek_last_error();
	char note[200], msg[160];

	if (err == SSL_ERROR_SSL && e != 0 &&
	    ERR_GET_REASON(e) != SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_error_string_n(e, msg, sizeof(msg));
		snprintf(note, sizeof(note), "TLS error in %s: %s",
		    phase_names[g->phase], msg);
	} else if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SSL ||
	    (err == SSL_ERROR_SYSCALL && (errno == 0 || errno == ECONNRESET)))
		snprintf(note, sizeof(note), "closed by client in %s",
		    phase_names[g->phase]);
	else
		snprintf(note, sizeof(note), "TLS error in %s: %s",
		    phase_names[g->phase], err == SSL_ERROR_SYSCALL
		    ? strerror(errno) : "failed");
	ERR_clear_error();
	/* The alert OpenSSL wrote (protocol_version...), best effort. */
	if (g->c.out == NULL && wire.len > 0)
		(void)!write(g->c.fd, wire.data, wire.len);
	wire_reset();
	gconn_free(g, note);
}

static void step(struct gconn *g);

/*
 * Sends what OpenSSL wrote. Returns 1 when it is all out, 0 when the
 * socket is full (waiting to write), -1 when g was freed.
 */
static int
send_tx(struct gconn *g)
{
	int rc;

	for (;;) {
		if (g->c.out != NULL)
			rc = conn_flush(&g->c);
		else if (wire.failed) {
			rc = -2;
			wire_reset();
		} else if (wire.len == 0)
			return 1;
		else {
			/* The next of OpenSSL's, written from wire itself. */
			conn_answer(&g->c, wire.data, wire.len, NULL);
			rc = conn_flush(&g->c);
			if (rc == 0 && conn_keep_rest(&g->c) == -1)
				rc = -2;
			wire_reset(); /* taken, or the rest copied out */
		}
		if (rc == 1)
			continue;
		if (rc == 0) {
			conn_wait(&g->c, CONN_WRITE);
			return 0;
		}
		gconn_free(g, rc == -2 ? "out of memory" : g->phase == WRITING
		    ? "closed by client in write"
		    : "closed by client in handshake");
		return -1;
	}
}

/*
 * How much of the answer to encrypt next: all of a small one; else what
 * the socket has room for, asked at most once a call of pump (once per
 * time the socket says it can take more) and spent piece by piece. 0:
 * wait until the socket can take more.
 */
static size_t
next_piece(struct gconn *g, int *asked)
{
	size_t left = g->body_len - g->body_off, n;

	if (!g->sized && left <= ANSWER_SMALL)
		return left; /* the small answer's path: no system call */
	n = left < ANSWER_PIECE ? left : ANSWER_PIECE;
	if (g->budget < n && !*asked) {
		g->budget = conn_room(&g->c);
		g->sized = *asked = 1;
		/* Woken because the socket can take more: take at least a
		 * little, so a wrong guess cannot turn into a busy loop. */
		if (g->budget < PIECE_FLOOR)
			g->budget = PIECE_FLOOR;
	}
	if (g->budget < n)
		n = g->budget;
	if (n < PIECE_FLOOR && n < left)
		return 0;
	g->budget -= n;
	return n;
}

/*
 * Encrypts the answer as the socket takes it, so a client that reads
 * slowly (or never) holds next to no ciphertext here, not a piece of a
 * page. An answer that fits ANSWER_SMALL goes out with the ticket and
 * close_notify in a single write. Returns 1 when all of it is out, 0
 * when waiting for the socket, -1 when g is gone.
 */
static int
pump(struct gconn *g)
{
	int rc, asked = 0;

	for (;;) {
		/* Nothing new is encrypted before the last is all out. */
		if ((rc = send_tx(g)) != 1 || g->shut)
			return rc;
		if (g->body_off < g->body_len) {
			size_t n = next_piece(g, &asked);

			if (n == 0) {
				conn_wait(&g->c, CONN_WRITE);
				return 0;
			}
			if ((rc = SSL_write(g->ssl, g->body + g->body_off,
			    (int)n)) <= 0) {
				tls_failed(g, rc);
				return -1;
			}
			g->body_off += n;
		}
		if (g->body_off == g->body_len) {
			/* Our close_notify: the BIO takes it, never waits. */
			if (SSL_shutdown(g->ssl) < 0)
				ERR_clear_error();
			g->shut = 1;
		}
	}
}

/*
 * The answer is all out: log it, then the client's close_notify. The TLS
 * state goes now, since the linger only reads and throws away: after
 * SSL_shutdown OpenSSL keeps a record buffer, and 1,000 clients that had
 * their answer and did not close yet cost 31.6 KiB each, 2.1 without.
 */
static void
answered(struct gconn *g)
{
	SSL_free(g->ssl);
	g->ssl = NULL;
	conn_write_done(&g->c);
	conn_finish(&g->c, CONN_LINGER);
}

/*
 * The answer gemini_answer made: the snapshot's bytes (held until the
 * connection ends), this connection's to free (owned), or a status line
 * in a, which is encrypted before this returns: shorter than a piece,
 * it goes whole into SSL_write unless the socket is still full of the
 * handshake's last flight, and then it is copied (never seen in
 * practice: that flight is a ticket, and the client has read the rest).
 */
static void
respond(struct gconn *g, const struct gemini_answer *a)
{
	g->c.status = a->status;
	g->phase = WRITING;
	g->body = a->data;
	g->body_len = a->len;
	g->body_owned = a->owned;
	conn_write_begin(&g->c, a->len);
	switch (pump(g)) {
	case 1:
		answered(g);
		return;
	case 0:
		if (g->body == a->head && g->body_off < g->body_len) {
			if ((g->body_owned = malloc(g->body_len)) == NULL) {
				gconn_free(g, "out of memory");
				return;
			}
			memcpy(g->body_owned, a->head, g->body_len);
			g->body = g->body_owned;
		}
		return;
	}
}

/*
 * Asks gemini_answer about what has been read. Returns 0 when more is
 * needed, 1 when it was answered (g may be gone).
 */
static int
take_line(struct gconn *g)
{
	struct gemini_answer a;

	if (!gemini_answer(g->c.snap, g->c.req, g->c.req_len, g->local_port,
	    g->c.slow_down, &a))
		return 0;
	g->c.req_len = a.req_len;
	respond(g, &a);
	return 1;
}

/*
 * Runs the connection as far as the bytes at hand allow: handshake, then
 * the request line, then the answer. Whatever OpenSSL wrote on the way
 * (the server's flight, the ticket) goes out before waiting to read.
 */
static void
step(struct gconn *g)
{
	int rc;

	for (;;) {
		if (g->phase == HANDSHAKE) {
			if ((rc = SSL_do_handshake(g->ssl)) != 1)
				break;
			g->phase = REQUEST;
			conn_arm_pre(&g->c, g->c.snap->cfg.request_ms, 0);
		}
		/* One request per connection: the line's room, no more. */
		rc = SSL_read(g->ssl, g->c.req + g->c.req_len,
		    (int)(GEMINI_REQUEST_MAX - g->c.req_len));
		if (rc <= 0)
			break;
		if (g->c.req_len == 0)
			conn_request_begun(&g->c);
		g->c.req_len += (size_t)rc;
		if (take_line(g))
			return;
	}
	if (SSL_get_error(g->ssl, rc) != SSL_ERROR_WANT_READ) {
		tls_failed(g, rc);
		return;
	}
	if (send_tx(g) == 1)
		conn_wait(&g->c, CONN_READ);
}

/*
 * Whether the bytes so far hold the first TLS record whole (type, version
 * and a 16-bit length, then that many bytes), or are no TLS record at
 * all (OpenSSL then answers them with an alert).
 */
static int
hello_whole(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->data;
	size_t need;

	if (b->len >= 1 && p[0] != 0x16)
		return 1;
	if (b->len < 5)
		return 0;
	need = 5 + ((size_t)p[3] << 8 | p[4]);
	return b->len >= need || need > HELLO_MAX;
}

/*
 * capsuled reads the ClientHello's first record itself; only when it is
 * whole is the SSL object made and handed the bytes. A client that
 * connects and says nothing (a scanner, or one the kernel let through
 * after TCP_DEFER_ACCEPT's second), or that sends its ClientHello a byte
 * at a time, costs the bytes it sent, not 30-40 KB of TLS state each
 * (bench/memory.sh; the robustness suite's trickling clients). Returns
 * -1 when there is nothing more to do now, or g was freed.
 */
static int
hello_read(struct gconn *g, int at_accept)
{
	char got[FIRST_READ];
	ssize_t n;

	do
		n = read(g->c.fd, got, sizeof(got));
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN) {
		if (at_accept)
			conn_silent(&g->c, g->c.snap->cfg.handshake_ms);
		conn_wait(&g->c, CONN_READ);
		return -1;
	}
	if (n <= 0) {
		gconn_free(g, "closed by client in handshake");
		return -1;
	}
	conn_touch(&g->c);
	buf_add(&g->hello, got, (size_t)n);
	if (g->hello.failed) {
		gconn_free(g, "out of memory");
		return -1;
	}
	if (!hello_whole(&g->hello)) {
		conn_wait(&g->c, CONN_READ); /* under the handshake deadline */
		return -1;
	}
	if (tls_new(g) == -1) {
		gconn_free(g, "out of memory");
		return -1;
	}
	g->drained = (size_t)n < sizeof(got);
	g->phase = HANDSHAKE;
	return 0;
}

/* The socket's events; at_accept: the first call, from gemini_accept. */
static void
gconn_run(struct gconn *g, int at_accept)
{
	g->drained = 0;
	if (g->phase == WRITING) {
		/* The socket had room again: the rest, and what follows. */
		if (pump(g) == 1)
			answered(g);
		return;
	}
	if (g->c.out != NULL) {
		/* A handshake flight the socket had no room for. */
		if (send_tx(g) == 1)
			conn_wait(&g->c, CONN_READ);
		return;
	}
	if (g->phase == HELLO && hello_read(g, at_accept) == -1)
		return;
	step(g);
}

static void
gconn_io(evutil_socket_t fd, short what, void *arg)
{
	gconn_run(arg, 0);
}

void
gemini_accept(struct worker *w, const struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down)
{
	struct gconn *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("gemini: out of memory for a new connection");
		close(fd);
		state_released(w->st, counted ? peer : NULL);
		return;
	}
	buf_init(&g->hello);
	g->local_port = l->port;
	g->phase = HELLO;
	conn_start(&g->c, w, "gemini", fd, peer, counted, slow_down, gconn_io,
	    gconn_timeout, gconn_close);
	g->c.deferred = l->deferred != 0;
	g->c.plain = gconn_plain;
	/* The handshake's deadline starts at accept: silence counts. */
	conn_arm_pre(&g->c, g->c.snap->cfg.handshake_ms, 0);
	/* With TCP_DEFER_ACCEPT the ClientHello came with the connection. */
	if (l->deferred)
		gconn_run(g, 1);
	else
		conn_wait(&g->c, CONN_READ);
}
