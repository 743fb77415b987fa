/*
 * getpid: answered from memory, for OpenSSL's sake.
 *
 * OpenSSL 3.0 calls getpid() at every random draw, to notice a fork and
 * reseed (its DRBG's fork check): twelve system calls in each Gemini
 * handshake, more than all the socket work together (strace,
 * docs/PERFORMANCE.md). glibc stopped caching the pid in 2.25. Defining
 * getpid here takes the place of libc's for the libraries capsuled links
 * (the executable's symbols come first), so the pid is asked once.
 *
 * A fork is the only way the pid changes under us: the child's
 * pthread_atfork handler forgets the cached value. (capsuled forks only
 * in --sandbox-test, and the sandbox forbids it while serving.)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_int cached; /* 0: not known */

static void
forget(void)
{
	atomic_store_explicit(&cached, 0, memory_order_relaxed);
}

__attribute__((constructor)) static void
watch_forks(void)
{
	pthread_atfork(NULL, NULL, forget);
}

pid_t
getpid(void)
{
	pid_t pid = atomic_load_explicit(&cached, memory_order_relaxed);

	if (pid == 0) {
		pid = (pid_t)syscall(SYS_getpid);
		atomic_store_explicit(&cached, pid, memory_order_relaxed);
	}
	return pid;
}
