/*
 * conn: what every connection has, whatever its protocol: the socket and
 * its one event, a deadline timer, the snapshot it is served from, the
 * answer being written, and the one access-log line it leaves behind.
 *
 * No bufferevents: each protocol reads the socket itself into the
 * request buffer and writes prepared bytes straight from the snapshot,
 * so a request costs the few system calls it needs (docs/PERFORMANCE.md).
 */
#ifndef CAPSULED_CONN_H
#define CAPSULED_CONN_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "base/addr.h"
#include "proto/evict.h"
#include "proto/pace.h"
#include "serve/worker.h"

struct snapshot;

#define CONN_REQ_MAX 1100   /* bytes of request kept: the longest line fits */
#define CONN_LINGER_MS 2000 /* after our last byte, for the client's close */
#define CONN_ROOM_UNKNOWN 16384 /* conn_room when the kernel cannot say */

enum conn_io { CONN_IDLE, CONN_READ, CONN_WRITE };

struct conn {
	struct worker_member member; /* one of the worker's open ones */
	void (*close)(struct conn *c, const char *note); /* the protocol's end */
	struct worker *w;
	const char *proto;     /* "gemini", "gopher": for the log */
	struct snapshot *snap; /* everything it is served from, since accept */
	int fd;
	enum conn_io io;       /* what ev waits for */
	event_callback_fn on_io; /* the protocol's, for ev */
	struct event ev;       /* the socket */
	struct event timer;    /* the current phase's deadline */
	struct timespec start;
	union addr_any peer;
	unsigned counted : 1;  /* admitted by the per-address limits */
	unsigned slow_down : 1; /* over its rate: answer 44 or an error item */
	unsigned logged : 1;
	unsigned lingering : 1; /* answered: reading until the client's FIN */
	unsigned writing : 1;  /* the answer has begun (conn_write_begin) */
	unsigned complete : 1; /* ... and the socket has taken all of it */
	unsigned deferred : 1; /* from a TCP_DEFER_ACCEPT listener */
	const char *note;      /* why it ended early, for the log */
	int status;            /* Gemini status sent, or 0 */
	size_t bytes;          /* response bytes sent (the log's) */
	size_t length;         /* the answer's length */
	/* On the worker's pre-request list until the request's first byte. */
	struct evict_item idle;
	/* While writing: bytes the socket took since the answer began. */
	size_t wrote;
	struct pace pace;      /* ... and when it last made progress */
	/* Of acked bytes on the wire, how many were the answer's (Gemini:
	 * less the TLS overhead); NULL: all of them. */
	size_t (*plain)(const struct conn *c, size_t acked);
	/* The answer being written: out[out_off..out_len). */
	const char *out;
	size_t out_len, out_off;
	char *owned;           /* out, when it is ours to free */
	char req[CONN_REQ_MAX]; /* the request as read: parsed, then logged */
	size_t req_len;
};

/*
 * Fills c for a new connection on worker w and puts it on the worker's
 * list, from which close ends it when the server stops. on_io gets the
 * socket's events and on_timeout the deadline's, both with c as their
 * argument (c is the first member of the protocol's struct). Takes a
 * reference to the serving snapshot. The per-address limits were applied
 * before (state_admit); counted and slow_down say what they decided.
 */
void conn_start(struct conn *c, struct worker *w, const char *proto, int fd,
    const struct sockaddr *peer, int counted, int slow_down,
    event_callback_fn on_io, event_callback_fn on_timeout,
    void (*close)(struct conn *, const char *));

/* (Re)arms the deadline: ms from now. */
void conn_arm(struct conn *c, int ms);

/*
 * Arms a pre-request deadline (handshake, request line): configured_ms,
 * shorter under pressure (pace_deadline), waited_ms being how long the
 * client was silent before it was accepted.
 */
void conn_arm_pre(struct conn *c, int configured_ms, int waited_ms);

/*
 * The first read at accept found nothing: with TCP_DEFER_ACCEPT the
 * kernel held it a second in silence already, so it joins the silent
 * queue (the first evicted) and, under pressure, its deadline counts
 * that second.
 */
void conn_silent(struct conn *c, int configured_ms);

/* A byte of the handshake came: the newest of the waiting ones. */
void conn_touch(struct conn *c);

/* The request's first byte came: no longer pre-request, never evicted. */
void conn_request_begun(struct conn *c);

/* Closes c to make room (the worker counts it; no line of its own). */
void conn_evict(struct conn *c);

/*
 * The answer begins: length bytes (for the log), under the write
 * deadline from now on (see pace.h: a limit on time without progress,
 * and a minimum rate).
 */
void conn_write_begin(struct conn *c, size_t length);

/* The socket has taken the whole answer: the log says all was sent. */
void conn_write_done(struct conn *c);

/*
 * The deadline timer fired while writing: NULL when the client is still
 * making progress (the timer is armed again), else why to cut it.
 */
const char *conn_write_due(struct conn *c);

/*
 * About how many bytes the socket would take now (its free send space in
 * data bytes, from the kernel's own accounting); 0 when it is full.
 * One or two system calls: for answers too big to encrypt at once.
 */
size_t conn_room(struct conn *c);

/* Waits for the socket to be readable or writable, or for neither. */
void conn_wait(struct conn *c, enum conn_io io);

/*
 * Reads what the socket holds into req, at most up to max bytes of it in
 * all. Returns the bytes read, 0 at EOF, -1 when nothing is there yet
 * (EAGAIN) and -2 on an error.
 */
long conn_read(struct conn *c, size_t max);

/*
 * The answer to write: len bytes at data, which outlive the connection
 * (the snapshot's), or are the connection's to free (owned == data).
 */
void conn_answer(struct conn *c, const char *data, size_t len, char *owned);

/*
 * Writes what is left of the answer. Returns 1 when all of it is out,
 * 0 when the socket is full (the caller waits for CONN_WRITE), -1 when
 * the client is gone. When the socket is full with part of an owned
 * answer unsent, only that part is kept (conn_keep_rest).
 */
int conn_flush(struct conn *c);

/*
 * Keeps what is left of the answer in a block of its own (the bytes it
 * was cut from go back, or were not the connection's: a buffer to be
 * reused). A client that stops reading then holds what the socket did
 * not take, not the piece it came from. 0, or -1 out of memory.
 */
int conn_keep_rest(struct conn *c);

/* Writes the access-log line once; note says why it ended early. */
void conn_log(struct conn *c, const char *note);

/*
 * How an answered connection ends. With nothing unread from the client,
 * a close sends FIN after the last byte. With unread input it would send
 * a reset, which can destroy the answer in the client's buffers: then
 * the connection half-closes and reads (throwing it away) until the
 * client closes or CONN_LINGER_MS pass.
 */
enum conn_finish {
	CONN_CLOSE,         /* the caller knows nothing is unread */
	CONN_CLOSE_IF_DRAINED, /* ask the kernel (FIONREAD) */
	CONN_LINGER,        /* always (TLS: the client's close_notify comes) */
};

/* Logs, then ends c as how says (c may be freed on return). */
void conn_finish(struct conn *c, enum conn_finish how);

/*
 * Logs if not yet done, frees the answer, the timer and the socket, and
 * takes c off the worker's list (the protocol then frees its struct).
 * An answer begun and not all taken by the socket is cut: the log says
 * so, why, and how many bytes the client acknowledged, and the socket is
 * reset (SO_LINGER 0) so the client cannot take the cut for an end.
 */
void conn_end(struct conn *c, const char *note);

#endif
