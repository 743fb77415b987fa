/* safe_write: beneath a directory, never through a link (safe_write.h). */
#include "import/safe_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEMP_TRIES 100
#define LOCK_POLL_MS 50

int
safe_open_root(const char *path, int create)
{
	char p[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	/* mkdir -p: each prefix ending at a '/', then the whole */
	for (char *s = p + 1; create; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = c;
		if (c == '\0')
			break;
	}
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
safe_lock(int fd, int wait_s, void (*waiting)(void *), void *arg)
{
	struct timespec pause = {0, LOCK_POLL_MS * 1000000L};
	double end = now_s() + wait_s;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	if (waiting && wait_s > 0)
		waiting(arg);
	/* Polled, not blocked on: the bound holds without alarm(2). */
	while (now_s() < end) {
		nanosleep(&pause, NULL);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -1;
	}
	errno = EWOULDBLOCK;
	return -1;
}

/* One component, no link followed: ELOOP for a link whatever open says. */
static int
open_component(int dirfd, const char *name, int create)
{
	struct stat st;
	int fd;

	for (int made = 0;; made = 1) {
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd != -1 || errno != ENOENT || !create || made)
			break;
		if (mkdirat(dirfd, name, 0755) == -1 && errno != EEXIST)
			return -1;
	}
	if (fd == -1 && (errno == ENOTDIR || errno == ELOOP) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
	return fd;
}

int
safe_open_dir(int dirfd, const char *rel, int create, char *bad,
    size_t size)
{
	char part[256];
	const char *p = rel;
	int fd = dup(dirfd);

	while (fd != -1 && *p) {
		size_t n = strcspn(p, "/");
		int next;

		if (n == 0 || n >= sizeof(part) || (n <= 2 &&
		    strncmp(p, "..", n) == 0)) {
			close(fd);
			errno = EINVAL; /* "", ".", "..": not for this */
			fd = -1;
			break;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		next = open_component(fd, part, create);
		close(fd);
		fd = next;
		if (fd == -1) {
			int e = errno;

			snprintf(bad, size, "%.*s", (int)(p + n - rel), rel);
			errno = e;
			return -1;
		}
		p += n;
		p += *p == '/';
	}
	if (fd == -1) {
		int e = errno;

		snprintf(bad, size, "%s", rel);
		errno = e;
	}
	return fd;
}

int
safe_read_at(int dirfd, const char *name, size_t max, char **data,
    size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd;

	*data = NULL;
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max ||
	    (*data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (r = read(fd, *data + got, (size_t)st.st_size - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			int e = errno;

			free(*data);
			*data = NULL;
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 1;
}

/* ".NAME.XXXXXXXX": hidden (the loader skips it), unguessable. */
static int
make_temp(int dirfd, const char *name, mode_t mode, char *tmp, size_t size)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (int i = 0; i < TEMP_TRIES; i++) {
		unsigned char rnd[8];
		char suffix[sizeof(rnd) + 1];
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		for (size_t k = 0; k < sizeof(rnd); k++)
			suffix[k] = set[rnd[k] % (sizeof(set) - 1)];
		suffix[sizeof(rnd)] = '\0';
		if (snprintf(tmp, size, ".%s.%s", name, suffix) >= (int)size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

static int
write_whole(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
safe_write_at(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	char tmp[512];
	int fd, e, ok;

	if ((fd = make_temp(dirfd, name, mode, tmp, sizeof(tmp))) == -1)
		return -1;
	/* The data on disk before the name points at it. */
	ok = write_whole(fd, data, len) == 0 && fsync(fd) == 0;
	e = errno;
	if (close(fd) == -1 && ok) {
		ok = 0;
		e = errno;
	}
	if (!ok) {
		unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, name) == -1) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	/* The rename on disk too (a failure here changes nothing now). */
	fsync(dirfd);
	return 0;
}
