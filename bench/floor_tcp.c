/*
 * floor_tcp: the bare accept-write-close TCP server, the Gopher yardstick
 * of bench/run.sh. One thread, epoll; every connection gets the same page
 * from memory: its request line is read first (up to a LF), then the page
 * is written, then the socket is closed. With TCP_DEFER_ACCEPT (on unless
 * -d 0) the request is usually there at accept, so a request costs about
 * four system calls: accept4, read, write, close.
 *
 *   floor_tcp -p PORT -f PAGE [-a 127.0.0.1] [-d 0|1]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXFD 65536

static char *page;
static size_t pagelen;
static int epfd;
static unsigned short got[MAXFD]; /* request bytes seen per fd */
static size_t off[MAXFD];          /* page bytes written, once answering */
static unsigned char writing[MAXFD];

/* Writes the rest of the page; closes when done. 1 if still open. */
static int
writeout(int fd)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
	ssize_t n;

	while (off[fd] < pagelen) {
		n = write(fd, page + off[fd], pagelen - off[fd]);
		if (n == -1 && errno == EAGAIN) {
			/* The rest when there is room (rare: 20 KB mostly fits). */
			if (!writing[fd]) {
				writing[fd] = 1;
				if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) == -1)
					epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
			}
			return 1;
		}
		if (n <= 0)
			break;
		off[fd] += (size_t)n;
	}
	close(fd);
	return 0;
}

static void
load(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd == -1 || fstat(fd, &st) == -1) {
		perror(path);
		exit(1);
	}
	pagelen = (size_t)st.st_size;
	if ((page = malloc(pagelen + 1)) == NULL ||
	    read(fd, page, pagelen) != (ssize_t)pagelen) {
		perror(path);
		exit(1);
	}
	close(fd);
}

/* Reads what came; answers and closes once a LF is in. 1 if still open. */
static int
serve(int fd)
{
	char buf[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			if (memchr(buf, '\n', (size_t)n) != NULL)
				break;
			if ((got[fd] += (unsigned short)n) > 1024) {
				close(fd);
				return 0;
			}
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			return 1;
		close(fd);
		return 0;
	}
	/* One write when the page fits the socket buffer, then close. */
	return writeout(fd);
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *file = NULL;
	int port = 0, defer = 1, lfd, one = 1, c;
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];

	while ((c = getopt(argc, argv, "a:p:f:d:")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'd': defer = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: floor_tcp -p PORT -f PAGE "
			    "[-a ADDR] [-d 0|1]\n");
			return 2;
		}
	}
	if (file == NULL || port <= 0) {
		fprintf(stderr, "usage: floor_tcp -p PORT -f PAGE [-a ADDR] "
		    "[-d 0|1]\n");
		return 2;
	}
	load(file);
	signal(SIGPIPE, SIG_IGN);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "floor_tcp: bad address %s\n", addr);
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (defer) {
		int secs = 10;
		setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
		    sizeof(secs));
	}
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1) {
		perror("bind/listen");
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(epfd, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd != lfd) {
				/* closing drops it from the epoll set */
				if (writing[fd])
					writeout(fd);
				else
					serve(fd);
				continue;
			}
			for (;;) {
				int cfd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC);

				if (cfd == -1)
					break;
				if (cfd >= MAXFD) {
					close(cfd);
					continue;
				}
				got[cfd] = 0;
				off[cfd] = 0;
				writing[cfd] = 0;
				if (serve(cfd) && !writing[cfd]) {
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ev);
				}
			}
		}
	}
}
