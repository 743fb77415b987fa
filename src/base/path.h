/*
 * path: file names as strings, for the start-up's decisions about them
 * (where the log is, what the sandbox may write). Pure: nothing here
 * looks at the file system; the caller resolves symbolic links first
 * (realpath) where that matters.
 */
#ifndef CAPSULED_PATH_H
#define CAPSULED_PATH_H

#include <stddef.h>

/*
 * path made absolute against cwd (itself absolute): as it is when it
 * starts with '/', else cwd, '/', and path without its leading "./"
 * segments. Returns 0, or -1 when it does not fit in out[n].
 */
int path_absolute(const char *cwd, const char *path, char *out, size_t n);

/*
 * The directory part of an absolute path ("/var/log/x.log" gives
 * "/var/log", "/x.log" gives "/"), trailing slashes ignored. Returns 0,
 * or -1 when path is not absolute or does not fit in out[n].
 */
int path_dir(const char *path, char *out, size_t n);

/*
 * 1 when path is dir or lies below it ("/" holds everything; "/var/lib"
 * does not hold "/var/library"), 0 otherwise. Both absolute, without
 * "." or ".." segments.
 */
int path_under(const char *dir, const char *path);

#endif
