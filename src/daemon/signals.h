/*
 * signals: the process's signal handlers, installed first thing in main.
 *
 * A signal that comes during start-up (the ports may already be bound
 * and announced, the first load may take seconds) must neither kill the
 * server by its default action nor wait behind that work. So the
 * handlers do nothing but count: SIGHUP, SIGTERM, SIGINT and SIGUSR1
 * each have a counter, and every signal also writes to an eventfd the
 * control loop watches (server.c), which then acts on the counts. The
 * handlers are async-signal-safe: an atomic add and a write(2).
 */
#ifndef CAPSULED_SIGNALS_H
#define CAPSULED_SIGNALS_H

/*
 * Installs the handlers (SA_RESTART: a system call they interrupt goes
 * on) and makes the eventfd. Returns 0, or -1 with errno set.
 */
int signals_install(void);

/*
 * The eventfd, readable once a signal has come; its reader drains it
 * and then asks signals_take what came.
 */
int signals_fd(void);

/* How many of sig (one of the four) came since the last call; resets it. */
unsigned signals_take(int sig);

/*
 * For the modes that serve nothing (--check, --export, --dump-config,
 * --sandbox-test): the default actions back, and a signal counted
 * meanwhile raised again, so these run and stop as any command does.
 */
void signals_default(void);

#endif
