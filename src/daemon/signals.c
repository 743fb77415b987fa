/* signals: handlers that count, and an eventfd that wakes the control loop. */
#include "daemon/signals.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static const int handled[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1};
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))

/* Lock-free on every target we build for, so safe in a handler. */
static atomic_uint counts[NHANDLED];
static int wake_fd = -1;

static int
slot_of(int sig)
{
	for (size_t i = 0; i < NHANDLED; i++)
		if (handled[i] == sig)
			return (int)i;
	return -1;
}

static void
on_signal(int sig)
{
	int saved = errno, i = slot_of(sig);
	uint64_t one = 1;

	if (i >= 0)
		atomic_fetch_add(&counts[i], 1);
	if (wake_fd != -1)
		(void)!write(wake_fd, &one, sizeof(one));
	errno = saved;
}

int
signals_install(void)
{
	struct sigaction sa;

	if ((wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	/* One handler at a time: the four share the eventfd. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NHANDLED; i++)
		sigaddset(&sa.sa_mask, handled[i]);
	for (size_t i = 0; i < NHANDLED; i++)
		if (sigaction(handled[i], &sa, NULL) == -1)
			return -1;
	return 0;
}

int
signals_fd(void)
{
	return wake_fd;
}

unsigned
signals_take(int sig)
{
	int i = slot_of(sig);

	return i < 0 ? 0 : atomic_exchange(&counts[i], 0);
}

void
signals_default(void)
{
	for (size_t i = 0; i < NHANDLED; i++)
		signal(handled[i], SIG_DFL);
	for (size_t i = 0; i < NHANDLED; i++)
		if (atomic_load(&counts[i]) > 0)
			raise(handled[i]);
}
