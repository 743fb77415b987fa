/* oneshot: one request from a descriptor, its answer to another. */
#include "daemon/oneshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer/gemini_answer.h"
#include "answer/gopher_answer.h"
#include "render/snapshot.h"

int
oneshot_known(const char *proto)
{
	return strcmp(proto, "gemini") == 0 || strcmp(proto, "gopher") == 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads what comes next; 0 at end of input or when full, -1 on error. */
static long
read_more(int in, char *req, size_t len, size_t max)
{
	ssize_t n;

	if (len >= max)
		return 0;
	do
		n = read(in, req + len, max - len);
	while (n == -1 && errno == EINTR);
	return n;
}

static int
written(int out, const char *data, size_t len, char *owned)
{
	int rc = write_all(out, data, len);

	free(owned);
	if (rc == -1)
		fprintf(stderr, "capsuled: --answer: write: %s\n",
		    strerror(errno));
	return rc == -1 ? 1 : 0;
}

static int
no_answer(const char *why)
{
	fprintf(stderr, "capsuled: no answer: %s\n", why);
	return 1;
}

static int
gemini(const struct snapshot *snap, int in, int out)
{
	static char req[GEMINI_REQUEST_MAX];
	struct gemini_answer a;
	size_t len = 0;
	long n;

	while ((n = read_more(in, req, len, sizeof(req))) > 0) {
		len += (size_t)n;
		if (gemini_answer(snap, req, len, snap->gemini_port, 0, &a))
			return written(out, a.data, a.len, a.owned);
	}
	/* The server would wait for the rest until its deadline. */
	return no_answer(n == -1 ? strerror(errno)
				 : "the request line never ended");
}

static int
gopher(const struct snapshot *snap, int in, int out)
{
	static char req[GOPHER_REQUEST_MAX];
	struct gopher_answer a;
	size_t len = 0;
	long n;

	do {
		n = read_more(in, req, len, sizeof(req));
		if (n == -1)
			return no_answer(strerror(errno));
		len += (size_t)n;
		/* The server asks once more at the end: the line may be whole. */
		switch (gopher_answer(snap, req, len, 0, &a)) {
		case GOPHER_MORE:
			break;
		case GOPHER_ANSWER:
			return written(out, a.data, a.len, a.owned);
		case GOPHER_CLOSE:
			return no_answer(a.note);
		}
	} while (n > 0);
	return no_answer("closed by client in request");
}

int
oneshot_answer(struct server *srv, const char *proto, struct diags *d)
{
	struct snapshot *snap = server_load(srv, d);
	int rc = 1;

	diags_print(d, stderr, "");
	if (snap)
		rc = strcmp(proto, "gemini") == 0 ? gemini(snap, 0, 1)
						  : gopher(snap, 0, 1);
	snapshot_unref(snap);
	return rc;
}
