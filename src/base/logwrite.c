/* logwrite: whole lines, or none of a line (see logwrite.h). */
#include "base/logwrite.h"

#include <errno.h>
#include <string.h>

static size_t
count_lines(const char *p, size_t n)
{
	size_t k = 0;

	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p)));
	    p++)
		k++;
	return k;
}

/* One write of p[0..n), retried for its rest: bytes written, or -1. */
static ssize_t
write_all(struct logwrite *w, const char *p, size_t n, size_t *done,
    int *err)
{
	*done = 0;
	while (*done < n) {
		ssize_t k = w->ops->write(w->fd, p + *done, n - *done);

		if (k > 0) {
			*done += (size_t)k;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		*err = k == 0 ? EIO : errno;
		return -1;
	}
	return (ssize_t)n;
}

/* p[0..n) is whole lines: written, or the lines not written counted. */
static size_t
put_chunk(struct logwrite *w, const char *p, size_t n, int *err)
{
	const char *nl;
	size_t done, start, part;

	if (w->torn) {
		/* End the fragment a failure left, before any new record. */
		if (write_all(w, "\n", 1, &done, err) == -1)
			return count_lines(p, n);
		w->torn = 0;
	}
	if (write_all(w, p, n, &done, err) != -1)
		return 0;
	/* Whole lines before the cut stay; the cut one goes whole. */
	nl = done > 0 ? memrchr(p, '\n', done) : NULL;
	start = nl ? (size_t)(nl - p) + 1 : 0;
	part = done - start;
	if (part > 0 && w->ops->unwrite(w->fd, part) == -1)
		w->torn = 1;
	return count_lines(p + start, n - start);
}

size_t
logwrite_lines(struct logwrite *w, const char *p, size_t n, size_t chunk,
    int *err)
{
	size_t lost = 0;

	while (n > 0) {
		size_t k = n;

		if (k > chunk) {
			const char *nl = memrchr(p, '\n', chunk);

			/* no line end in the chunk: the long line whole */
			if (nl == NULL)
				nl = memchr(p + chunk, '\n', n - chunk);
			k = nl ? (size_t)(nl - p) + 1 : n;
		}
		lost += put_chunk(w, p, k, err);
		p += k;
		n -= k;
	}
	return lost;
}
