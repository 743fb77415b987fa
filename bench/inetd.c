/*
 * inetd: the smallest socket activator, so bench/run.sh can run an
 * inetd-style server (gophernicus) the way inetd would, with nothing in
 * between: accept, fork, the socket as stdin and stdout, exec. The parent
 * reaps every child, so the children's CPU time lands in this process's
 * cutime and cstime (/proc/PID/stat), which is what loadgen -P reads.
 *
 *   inetd -p PORT [-a 127.0.0.1] -- /usr/sbin/gophernicus ARGS...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
reap(int sig)
{
	int e = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = e;
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	int port = 0, lfd, one = 1, c;
	struct sockaddr_in sin;
	struct sigaction sa;

	while ((c = getopt(argc, argv, "+a:p:")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (port <= 0 || optind >= argc)
		goto usage;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reap;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		goto usage;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1) {
		perror("inetd: bind/listen");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pid_t pid;

		if (fd == -1)
			continue; /* EINTR from SIGCHLD, mostly */
		if ((pid = fork()) == 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 1)
				close(fd);
			execv(argv[optind], argv + optind);
			_exit(127);
		}
		close(fd);
	}
usage:
	fprintf(stderr, "usage: inetd -p PORT [-a ADDR] -- PROGRAM ARGS...\n");
	return 2;
}
