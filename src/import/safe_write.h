/*
 * safe_write: files written beneath a directory whole or not at all, and
 * never through a symbolic link: the one place capsuled writes files
 * atomically (the importer's posts; see also tls.c's certificates).
 *
 * Everything below the directory the user named is reached with openat
 * and O_NOFOLLOW, one component at a time, so a link planted anywhere on
 * the way (posts/2001 -> /outside) is refused, never followed, and no
 * name is looked up twice (no race between a check and a use). A file
 * is written to a new temporary beside it, made with O_CREAT|O_EXCL|
 * O_NOFOLLOW under a random name (nothing planted can be written
 * through, and two writers never share one), fsync'd, renamed over the
 * file (a link there is replaced, not followed), and the directory
 * fsync'd: after a crash the file is the old one or the new one.
 */
#ifndef CAPSULED_SAFE_WRITE_H
#define CAPSULED_SAFE_WRITE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The directory path (the user's: links in it are followed), made with
 * its parents (0755 less the umask) when missing and create is set. A
 * descriptor, or -1.
 */
int safe_open_root(const char *path, int create);

/*
 * An exclusive lock on the directory fd (flock: it goes when the process
 * does), waiting up to wait_s seconds; waiting(arg) is called once
 * before it waits (not when wait_s is 0). 0, or -1 (errno EWOULDBLOCK:
 * still locked).
 */
int safe_lock(int fd, int wait_s, void (*waiting)(void *), void *arg);

/*
 * The directory rel ("2013/08") beneath dirfd, each component made (mode
 * 0755 less the umask) when missing and create is set. A descriptor, or
 * -1 with errno (ELOOP: a component is a symbolic link, ENOTDIR: not a
 * directory) and bad[0..size) the part of rel up to the one that failed.
 */
int safe_open_dir(int dirfd, const char *rel, int create, char *bad,
    size_t size);

/*
 * The regular file name in dirfd, at most max bytes, without following a
 * link: 1 and *data (to free) and *len; 0 when there is none; -1 with
 * errno (ELOOP: a link, EINVAL: not a regular file, or too big).
 */
int safe_read_at(int dirfd, const char *name, size_t max, char **data,
    size_t *len);

/*
 * data[0..len) as the file name in dirfd (see above), with mode (less
 * the umask). 0, or -1 with errno, no temporary left, the old file as
 * it was.
 */
int safe_write_at(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode);

#endif
