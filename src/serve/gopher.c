/* gopher: a connection's life, from accept to close. */
#include "serve/gopher.h"

#include <stdlib.h>
#include <unistd.h>

#include "answer/gopher_answer.h"
#include "render/snapshot.h"
#include "serve/conn.h"
#include "serve/log.h"
#include "serve/state.h"
#include "serve/worker.h"

enum phase { REQUEST, WRITING };

struct pconn {
	struct conn c;      /* first: the shared part */
	enum phase phase;
	int drained;        /* the last read left nothing in the socket */
};

static void
pconn_free(struct pconn *p, const char *note)
{
	conn_end(&p->c, note);
	free(p);
}

static void
pconn_close(struct conn *c, const char *note)
{
	pconn_free((struct pconn *)c, note);
}

static void
pconn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *p = arg;
	const char *why;

	/* A partial line at the deadline is dropped, never served. */
	if (p->phase == REQUEST)
		pconn_free(p, "timeout in request");
	else if ((why = conn_write_due(&p->c)) != NULL)
		pconn_free(p, why); /* else still moving: pushed on */
}

/*
 * Writes the answer at once, from the read handler: most answers fit the
 * socket buffer, and then the connection ends here, with no turn of the
 * loop between the request and the close.
 */
static void
send_answer(struct pconn *p)
{
	switch (conn_flush(&p->c)) {
	case 1:
		conn_write_done(&p->c);
		/* Nothing unread: a close sends FIN, not a reset. */
		conn_finish(&p->c, p->drained ? CONN_CLOSE
					       : CONN_CLOSE_IF_DRAINED);
		return;
	case 0:
		conn_wait(&p->c, CONN_WRITE);
		return;
	default:
		pconn_free(p, "closed by client in write");
	}
}

/*
 * The answer gopher_answer made: bytes that outlive the connection (the
 * snapshot's, or static), or made for it (owned, freed with it).
 */
static void
respond(struct pconn *p, const struct gopher_answer *a)
{
	conn_answer(&p->c, a->data, a->len, a->owned);
	p->phase = WRITING;
	conn_write_begin(&p->c, a->len);
	send_answer(p);
}

/* What is in c.req (eof: and the client has half-closed). */
static void
take_line(struct pconn *p, int eof)
{
	struct conn *c = &p->c;
	struct gopher_answer a;

	switch (gopher_answer(c->snap, c->req, c->req_len, c->slow_down, &a)) {
	case GOPHER_MORE:
		if (eof)
			pconn_free(p, "closed by client in request");
		else
			conn_wait(c, CONN_READ); /* under the deadline */
		return;
	case GOPHER_ANSWER:
		c->req_len = a.req_len;
		c->note = a.note;
		respond(p, &a);
		return;
	case GOPHER_CLOSE:
		c->req_len = a.req_len;
		pconn_free(p, a.note);
		return;
	}
}

/*
 * Reads what has come. With TCP_DEFER_ACCEPT the line is usually there
 * at accept, so this runs first from gopher_accept, and only a client
 * that is slower than that waits for EV_READ.
 */
static void
pconn_run(struct pconn *p, int at_accept)
{
	size_t room = GOPHER_REQUEST_MAX - p->c.req_len;
	long n;

	if (p->phase == WRITING) {
		send_answer(p);
		return;
	}
	n = conn_read(&p->c, GOPHER_REQUEST_MAX);
	if (n == -1) {
		if (at_accept)
			conn_silent(&p->c, p->c.snap->cfg.request_ms);
		conn_wait(&p->c, CONN_READ);
		return;
	}
	if (n == -2) {
		pconn_free(p, "closed by client in request");
		return;
	}
	if (n > 0)
		conn_request_begun(&p->c);
	/* Less than asked for: the kernel had no more (or it was EOF). */
	p->drained = (size_t)n < room;
	take_line(p, n == 0);
}

static void
pconn_io(evutil_socket_t fd, short what, void *arg)
{
	pconn_run(arg, 0);
}

void
gopher_accept(struct worker *w, const struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down)
{
	struct pconn *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("gopher: out of memory for a new connection");
		close(fd);
		state_released(w->st, counted ? peer : NULL);
		return;
	}
	conn_start(&p->c, w, "gopher", fd, peer, counted, slow_down, pconn_io,
	    pconn_timeout, pconn_close);
	p->c.deferred = l->deferred != 0;
	/* One deadline for the whole request line, however it trickles. */
	conn_arm_pre(&p->c, p->c.snap->cfg.request_ms, 0);
	pconn_run(p, 1);
}
