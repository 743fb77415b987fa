/*
 * conn: what every connection has, whatever its protocol: the client's
 * address, a deadline timer, the snapshot it is served from, and the one
 * access-log line it leaves behind.
 */
#ifndef CAPSULED_CONN_H
#define CAPSULED_CONN_H

#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

struct server;
struct snapshot;

#define CONN_REQ_LOG 1100 /* bytes of the request kept for the log */
#define CONN_LINGER_MS 2000 /* after our last byte, for the client's close */

struct conn {
	struct conn *prev, *next; /* the server's list of open connections */
	void (*close)(struct conn *c, const char *note); /* the protocol's end */
	struct server *srv;
	const char *proto;     /* "gemini", "gopher": for the log */
	struct snapshot *snap; /* taken when the request is answered */
	struct bufferevent *bev;
	int fd;
	struct event *timer;   /* the current phase's deadline */
	struct timespec start;
	char client[64];
	struct sockaddr_storage peer;
	int counted;           /* admitted by the per-address limits */
	int slow_down;         /* over its rate: answer 44 or an error item */
	char req[CONN_REQ_LOG];
	size_t req_len;
	int status;            /* Gemini status sent, or 0 */
	size_t bytes;          /* response bytes queued */
	int logged;
};

/*
 * Fills c for a new connection and puts it on the server's list, from
 * which close ends it when the server stops; c must be the first member
 * of the protocol's struct, which is what the timer's callback gets.
 * Returns -1 on memory (nothing to undo then but the socket).
 * Whether the per-address limits admitted it is the server's call,
 * made before (server_admit): c->counted and c->slow_down say.
 */
int conn_start(struct conn *c, struct server *srv, const char *proto,
    int fd, const struct sockaddr *peer, event_callback_fn on_timeout,
    void (*close)(struct conn *, const char *));

/* (Re)arms the deadline: ms from now. */
void conn_arm(struct conn *c, int ms);

/* Keeps the request (bounded) for the log line. */
void conn_request(struct conn *c, const char *p, size_t n);

/* The serving snapshot, referenced until conn_end. */
struct snapshot *conn_snapshot(struct conn *c);

/* Writes the access-log line once; note says why it ended early. */
void conn_log(struct conn *c, const char *note);

/*
 * Half-closes: our answer is complete. Reading goes on (and is thrown
 * away) until the client closes or CONN_LINGER_MS pass, because closing
 * with unread input would send a reset that can destroy the answer.
 */
void conn_linger(struct conn *c);

/*
 * Logs if not yet done, frees the buffers, the timer and the socket, and
 * takes c off the server's list (the protocol then frees its struct).
 */
void conn_end(struct conn *c, const char *note);

/* Bytes the client sent that nobody has read yet (buffered or in the
 * kernel). */
size_t conn_unread(struct conn *c);

/* Ends every open connection (a stop whose grace time ran out). */
void conn_close_all(struct server *srv, const char *note);

#endif
