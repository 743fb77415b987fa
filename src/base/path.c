/* path: absolute names, directory parts and containment, as strings. */
#include "base/path.h"

#include <stdio.h>
#include <string.h>

int
path_absolute(const char *cwd, const char *path, char *out, size_t n)
{
	size_t len;
	int w;

	if (path[0] == '/')
		w = snprintf(out, n, "%s", path);
	else {
		while (path[0] == '.' && path[1] == '/')
			for (path += 2; *path == '/'; path++)
				;
		len = strlen(cwd);
		/* "/" and "rel" make "/rel", not "//rel". */
		w = snprintf(out, n, "%s%s%s", cwd,
		    len > 0 && cwd[len - 1] == '/' ? "" : "/", path);
	}
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int
path_dir(const char *path, char *out, size_t n)
{
	size_t len = strlen(path);

	if (path[0] != '/')
		return -1;
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--; /* the last segment */
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len + 1 > n)
		return -1;
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

int
path_under(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(dir, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}
