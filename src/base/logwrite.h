/*
 * logwrite: whole lines to a log, never half of one followed by another
 * (pure: the system calls are the caller's, so a test can give it a
 * write that stops short).
 *
 * Each write(2) is of whole lines. When the file takes only part of one
 * (a full disk, the file size limit), the rest is written again; when the
 * rest cannot be written, the part of the cut line already in the file is
 * taken back out of it (unwrite: the file cut where the line began), so
 * the line is lost whole. Where that cannot be done (a pipe, a terminal,
 * another writer since), the file is marked torn and the next write
 * starts with a newline: the fragment stays, alone on its line, and no
 * record is ever glued to it.
 */
#ifndef CAPSULED_LOGWRITE_H
#define CAPSULED_LOGWRITE_H

#include <stddef.h>
#include <sys/types.h>

struct logwrite_ops {
	ssize_t (*write)(int fd, const void *p, size_t n);
	/* Takes the last n bytes written to fd out of it again: 0, or -1
	 * when it cannot (not a regular file, or written to since). */
	int (*unwrite)(int fd, size_t n);
};

struct logwrite {
	int fd;
	int torn; /* the file ends inside a line of ours */
	const struct logwrite_ops *ops;
};

/*
 * Writes p[0..n), whole lines (p[n-1] is '\n'), in writes of at most
 * chunk bytes cut at line ends (a longer line is one write of its own).
 * Returns the lines lost, with *err the errno of the write that failed
 * (EIO for a write that wrote nothing and said no error); 0 when all
 * were written.
 */
size_t logwrite_lines(struct logwrite *w, const char *p, size_t n,
    size_t chunk, int *err);

#endif
